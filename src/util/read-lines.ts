import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The lines of the file at `path` with the byte offset each starts at, read in 1 MiB chunks:
 * memory stays bounded whatever the file's size (never the whole file as one string). A last line
 * without a newline is given too.
 */
export function* readLineSpans(path: string): Generator<[offset: number, text: string]> {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    let rest: Buffer = Buffer.alloc(0);
    let restAt = 0; // the file offset of rest[0]
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const data = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let from = 0;
      for (let nl = data.indexOf(10, from); nl !== -1; nl = data.indexOf(10, from)) {
        yield [restAt + from, data.toString('utf8', from, nl)];
        from = nl + 1;
      }
      restAt += from;
      rest = Buffer.from(data.subarray(from));
    }
    if (rest.length > 0) yield [restAt, rest.toString('utf8')];
  } finally {
    closeSync(fd);
  }
}

/** The lines of the file at `path`, read in chunks (see readLineSpans). */
export function* readLines(path: string): Generator<string> {
  for (const [, text] of readLineSpans(path)) yield text;
}

/**
 * The line that starts at `offset` in the open file `fd` (without its newline). Most lines are
 * short: a small read first (a 64 KiB read costs the kernel's copy of 64 KiB), then larger ones
 * until the newline or the end of the file.
 */
export function readLineAt(fd: number, offset: number, scratch: { buf: Buffer }): string {
  for (let want = 1024; ; want *= 4) {
    if (scratch.buf.length < want) scratch.buf = Buffer.allocUnsafe(want);
    const n = readSync(fd, scratch.buf, 0, want, offset);
    const nl = scratch.buf.subarray(0, n).indexOf(10);
    if (nl !== -1) return scratch.buf.toString('utf8', 0, nl);
    if (n < want) return scratch.buf.toString('utf8', 0, n);
  }
}

/**
 * Lines read at offsets of one append-only file, through a few 16 KiB blocks: an index read in
 * the order its lines were written (a run's scan order) costs one read per block, not per line.
 * Bytes once written never change, so a block stays right for as long as the file is open.
 */
export class LineReader {
  private static readonly BLOCK = 16 * 1024;
  private readonly blocks: Array<{ at: number; buf: Buffer; length: number }> = [];
  private readonly scratch = { buf: Buffer.allocUnsafe(1024) };

  constructor(private readonly fd: number) {}

  lineAt(offset: number): string {
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i]!;
      if (offset < b.at || offset >= b.at + b.length) continue;
      const nl = b.buf.indexOf(10, offset - b.at);
      if (nl === -1 || nl >= b.length) break; // the line runs past the block
      if (i > 0) this.blocks.unshift(...this.blocks.splice(i, 1));
      return b.buf.toString('utf8', offset - b.at, nl);
    }
    const block = this.blocks.length < 4 ? Buffer.allocUnsafe(LineReader.BLOCK) : this.blocks.pop()!.buf;
    const length = readSync(this.fd, block, 0, block.length, offset);
    this.blocks.unshift({ at: offset, buf: block, length });
    const nl = block.subarray(0, length).indexOf(10);
    if (nl !== -1) return block.toString('utf8', 0, nl);
    return length < block.length ? block.toString('utf8', 0, length) : readLineAt(this.fd, offset, this.scratch);
  }
}
