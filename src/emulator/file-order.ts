/**
 * Every stored file in creation order, for paging `/_emulator/files`: a page costs its own size
 * (a binary search and a walk), not a copy of every key. Each file gets a sequence number when it
 * is indexed; the cursor is one, so deleting files does not shift the pages after them.
 */
import type { FileState } from './state.js';

export class FileOrder {
  /** Files by ascending sequence; a deleted file leaves a hole until the next sweep. */
  private slots: Array<FileState | undefined> = [];
  private seqs: number[] = [];
  private readonly seqOf = new WeakMap<FileState, number>();
  private nextSeq = 0;
  private holes = 0;

  add(file: FileState): void {
    const seq = this.nextSeq++;
    this.seqOf.set(file, seq);
    this.slots.push(file);
    this.seqs.push(seq);
  }

  remove(file: FileState): void {
    const seq = this.seqOf.get(file);
    if (seq === undefined) return;
    this.seqOf.delete(file);
    const at = this.firstAtOrAfter(seq);
    if (this.seqs[at] !== seq || this.slots[at] !== file) return;
    this.slots[at] = undefined;
    // Sweep once holes are half the list: each sweep is paid for by as many deletions.
    if (++this.holes * 2 > this.slots.length) this.sweep();
  }

  /** Up to `limit` files from sequence `from` on, and the cursor of the next page (if any). */
  page(from: number, limit: number): { files: FileState[]; next?: number } {
    const files: FileState[] = [];
    let at = this.firstAtOrAfter(from);
    for (; at < this.slots.length && files.length < limit; at++) {
      const file = this.slots[at];
      if (file) files.push(file);
    }
    while (at < this.slots.length && !this.slots[at]) at++;
    return at < this.slots.length ? { files, next: this.seqs[at]! } : { files };
  }

  private firstAtOrAfter(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private sweep(): void {
    const slots: FileState[] = [];
    const seqs: number[] = [];
    this.slots.forEach((file, i) => {
      if (!file) return;
      slots.push(file);
      seqs.push(this.seqs[i]!);
    });
    this.slots = slots;
    this.seqs = seqs;
    this.holes = 0;
  }
}
