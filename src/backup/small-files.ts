/**
 * Many small files go at the speed of round trips, not bytes: each needs create, PUT and complete
 * one after the other. So small files take a fraction of a slot in the window of files in flight,
 * and their single PUT does not queue behind the big files' parts (the file window bounds it).
 * With the default of 4 files that is up to 64 small files in flight: at 40 ms a round trip, 32 left
 * the run waiting on latency (2,000 small files: 10.4 s at 32, 7.3 s at 64, 6.3 s at 128 on an idle
 * machine; docs/benchmarks.md), for 15–40 MiB more peak RSS.
 */

/** A file up to this size counts as small. */
export const SMALL_FILE_BYTES = 1024 * 1024;

/** How many small files share one slot of `fileConcurrency`. */
export const SMALL_FILES_PER_SLOT = 16;

/** The window's capacity in units, for `fileConcurrency` slots. */
export function windowUnits(fileConcurrency: number): number {
  return Math.max(1, fileConcurrency) * SMALL_FILES_PER_SLOT;
}

/** Units a file of `size` bytes takes in the window while it is in flight. */
export function windowWeight(size: number): number {
  return size <= SMALL_FILE_BYTES ? 1 : SMALL_FILES_PER_SLOT;
}

/** True when a part this size is sent outside the shared part limit (bounded by the file window). */
export function isSmallPart(partSize: number): boolean {
  return partSize <= SMALL_FILE_BYTES;
}
