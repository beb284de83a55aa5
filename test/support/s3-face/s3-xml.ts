/** S3's XML: building answers and reading the one request body we parse (CompleteMultipartUpload). */
import type { Reply } from '../../../src/emulator/reply.js';
import { S3Error } from '../../../src/emulator/reply.js';

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function xmlEscape(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** <name>escaped value</name>; undefined values are left out. */
export function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** A 200 XML answer with the S3 namespace on the root element. */
export function xmlReply(root: string, inner: string, headers: Record<string, string> = {}): Reply {
  return {
    status: 200,
    contentType: 'application/xml',
    headers,
    text: `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NS}">${inner}</${root}>`,
  };
}

function unescapeXml(text: string): string {
  return text.replace(
    /&(lt|gt|amp|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g,
    (_m, name: string, dec?: string, hex?: string) => {
      if (dec) return String.fromCodePoint(Number(dec));
      if (hex) return String.fromCodePoint(parseInt(hex, 16));
      return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[name]!;
    },
  );
}

/** One <Part> of a CompleteMultipartUpload body. */
export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/** Reads the parts list of a CompleteMultipartUpload body (flat, so a small scanner does it). */
export function parseCompleteParts(xml: string): CompletedPart[] {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml))
    throw new S3Error(400, 'MalformedXML', 'the body is not a CompleteMultipartUpload document');
  const parts: CompletedPart[] = [];
  for (const m of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const body = m[1]!;
    const number = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(body)?.[1];
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(body)?.[1];
    if (number === undefined || etag === undefined)
      throw new S3Error(400, 'MalformedXML', 'every <Part> needs a <PartNumber> and an <ETag>');
    parts.push({ partNumber: Number(number), etag: unescapeXml(etag.trim()) });
  }
  if (parts.length === 0) throw new S3Error(400, 'MalformedXML', 'the CompleteMultipartUpload body lists no parts');
  return parts;
}
