import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The lines of the file at `path`, read in 1 MiB chunks: memory stays bounded whatever the file's
 * size (never the whole file as one string). A last line without a newline is given too.
 */
export function* readLines(path: string): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    let rest: Buffer = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const data = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let from = 0;
      for (let nl = data.indexOf(10, from); nl !== -1; nl = data.indexOf(10, from)) {
        yield data.toString('utf8', from, nl);
        from = nl + 1;
      }
      rest = Buffer.from(data.subarray(from));
    }
    if (rest.length > 0) yield rest.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
