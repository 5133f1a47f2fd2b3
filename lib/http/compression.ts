/**
 * @module Response compression for the page's assets and `/events/history`: the encoding a client
 * accepts (`br` before `gzip`, honouring `q=0`), and the compressed body, made on zlib's thread
 * pool so the event loop never waits on it. Each encoding of an asset is a representation of its
 * own, with its own strong ETag and `Vary: Accept-Encoding`, so caches never mix them up.
 */
import { Buffer } from "node:buffer";
import { brotliCompress, constants, gzip } from "node:zlib";

/** An encoding the server can send. */
export type ContentEncoding = "br" | "gzip";

/** Bodies smaller than this go as they are: compressing them saves less than its headers. */
export const COMPRESS_MIN_BYTES = 1024;

/** Which encoding to send for this `Accept-Encoding`, or null for none. */
export function pickEncoding(
  acceptEncoding: string | undefined,
): ContentEncoding | null {
  if (!acceptEncoding) return null;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name = "", ...params] = part.trim().split(";");
    const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param))
      .find((match) => match !== null);
    weights.set(name.trim(), q ? Number(q[1]) : 1);
  }
  const weight = (name: ContentEncoding) =>
    weights.get(name) ?? weights.get("*") ?? 0;
  if (weight("br") > 0 && weight("br") >= weight("gzip")) return "br";
  if (weight("gzip") > 0) return "gzip";
  return null;
}

/** Options for {@linkcode compressBody}. */
export interface CompressOptions {
  /** Effort: brotli quality 0–11 / gzip level 1–9. Defaults suit a body built per request. */
  level?: number;
}

/** Compress `body` with `encoding`. */
export function compressBody(
  body: string | Uint8Array,
  encoding: ContentEncoding,
  options: CompressOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const input = typeof body === "string"
    ? Buffer.from(body, "utf8")
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, result: Buffer) =>
      error
        ? reject(error)
        // A copy of its own: zlib's result may share a pooled buffer.
        : resolve(new Uint8Array(result));
    if (encoding === "br") {
      brotliCompress(input, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: options.level ?? 5,
          [constants.BROTLI_PARAM_SIZE_HINT]: input.byteLength,
        },
      }, done);
    } else {
      gzip(input, { level: options.level ?? 6 }, done);
    }
  });
}

/** The ETag of an encoded representation: the identity tag with the encoding inside its quotes. */
export function encodedEtag(
  etag: string,
  encoding: ContentEncoding | null,
): string {
  return encoding === null ? etag : `${etag.slice(0, -1)}.${encoding}"`;
}
