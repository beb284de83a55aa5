/** The lines of a UTF-8 file, read in 1 MiB chunks (readline costs about as much again as the parsing). */
import { createReadStream } from 'node:fs';

/** Yields each line without its '\n'; the last one too when the file does not end in '\n'. */
export async function* textLines(path: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(path, {
    encoding: 'utf8',
    highWaterMark: 1 << 20,
  }) as AsyncIterable<string>) {
    const text = rest + chunk;
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      yield text.slice(from, nl);
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  if (rest !== '') yield rest;
}
