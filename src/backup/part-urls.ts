import type { PartPlan } from '../hash/file-plan.js';
import type { WirePart } from '../hash/part-rules.js';
import type { WirePartWithUrl } from '../koodrive/wire-types.js';

export const URL_BATCH = 100;

/**
 * The presigned URLs of one file's parts: hands out a URL still valid for a while, fetching fresh
 * ones in batches of up to 100 (one request for concurrent askers) when a URL is missing, about to
 * expire, or was refused as expired.
 */
export class PartUrls {
  private readonly urls = new Map<number, string>();
  private readonly pending = new Map<number, Promise<void>>();

  constructor(
    private readonly parts: readonly PartPlan[],
    private readonly fetchUrls: (parts: WirePart[]) => Promise<WirePartWithUrl[]>,
    private readonly isFresh: (url: string) => boolean,
    initial: readonly WirePartWithUrl[] = [],
  ) {
    for (const p of initial) if (p.uploadUrl) this.urls.set(p.partNumber, p.uploadUrl);
  }

  /** A usable URL for the part; `wanted` lists the parts still to send, to batch the fetch. */
  async urlFor(partNumber: number, wanted: readonly number[]): Promise<string> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const url = this.urls.get(partNumber);
      if (url && this.isFresh(url)) return url;
      await this.refresh(partNumber, wanted);
    }
    const url = this.urls.get(partNumber);
    if (!url) throw new Error(`the server gave no upload URL for part ${partNumber}`);
    return url;
  }

  /** Forgets a URL the storage refused as expired. */
  invalidate(partNumber: number): void {
    this.urls.delete(partNumber);
  }

  private refresh(partNumber: number, wanted: readonly number[]): Promise<void> {
    const inFlight = this.pending.get(partNumber);
    if (inFlight) return inFlight;
    const batch = [
      partNumber,
      ...wanted.filter((n) => n !== partNumber && !this.pending.has(n) && !this.validUrl(n)),
    ].slice(0, URL_BATCH);
    const request = this.fetchUrls(batch.map((n) => toWire(this.parts[n - 1]!)))
      .then((fresh) => {
        for (const p of fresh) if (p.uploadUrl) this.urls.set(p.partNumber, p.uploadUrl);
      })
      .finally(() => {
        for (const n of batch) this.pending.delete(n);
      });
    for (const n of batch) this.pending.set(n, request);
    return request;
  }

  private validUrl(n: number): boolean {
    const url = this.urls.get(n);
    return url !== undefined && this.isFresh(url);
  }
}

function toWire(p: PartPlan): WirePart {
  return { partNumber: p.partNumber, partSize: p.partSize, partOffset: p.partOffset, hashCtx: [...p.hashCtx] };
}
