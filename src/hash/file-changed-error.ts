/** A file's bytes differed from what was planned: it was written to while we read or sent it. */
export class FileChangedError extends Error {
  override readonly name = 'FileChangedError';

  constructor(
    /** The file concerned (or a label such as "part 3 of <path>" when only that is known). */
    readonly absPath: string,
    /** What differed, e.g. "expected 1048576 bytes, read 1000". */
    readonly detail: string,
  ) {
    super(
      `${absPath} changed while it was being read: ${detail}. Back it up again once nothing is writing to ` +
        `it, or exclude it.`,
    );
  }
}
