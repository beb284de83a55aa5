/** One regex from pieces, so a long pattern can be written over several lines (flags of the first). */
export function concatRegex(...parts: RegExp[]): RegExp {
  return new RegExp(parts.map((p) => p.source).join(''), parts[0]?.flags);
}
