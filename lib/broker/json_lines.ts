/**
 * @module Splitting a byte stream into lines with a size cap, for the broker socket (both ends).
 * A line over the cap is never buffered: its bytes are skipped up to the next newline and it
 * comes out as one `too_long` item, so a bad client gets an error and the connection goes on.
 */

/** The longest request or response line, in bytes (SPEC §8: lines over 1 MiB are refused). */
export const MAX_LINE_BYTES = 1024 * 1024;

/** One line, or the marker of a line that was over the cap. */
export type LineItem = { kind: "line"; text: string } | {
  kind: "too_long";
  bytes: number;
};

const NEWLINE = 10;

/** Something bytes are read from, as `Deno.Conn` is. */
export interface ByteSource {
  read(buffer: Uint8Array): Promise<number | null>;
}

const READ_SIZE = 64 * 1024;

async function* chunks(source: ByteSource): AsyncGenerator<Uint8Array> {
  // Plain reads, not the conn's ReadableStream: a request is one small read, and the stream's
  // machinery would cost more than the broker's work on it.
  const buffer = new Uint8Array(READ_SIZE);
  while (true) {
    const n = await source.read(buffer);
    if (n === null) return;
    yield buffer.subarray(0, n);
  }
}

/** Yield the lines of `source` (without their newline); a last unterminated line counts. */
export async function* readLines(
  source: ByteSource,
  maxBytes: number = MAX_LINE_BYTES,
): AsyncGenerator<LineItem> {
  const decoder = new TextDecoder();
  let parts: Uint8Array[] = [];
  let size = 0;
  let skipping = false;
  const finish = (): LineItem => {
    const item: LineItem = skipping
      ? { kind: "too_long", bytes: size }
      : { kind: "line", text: decoder.decode(concat(parts, size)) };
    parts = [];
    size = 0;
    skipping = false;
    return item;
  };
  for await (const chunk of chunks(source)) {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!skipping && size + end - start > maxBytes) {
        skipping = true;
        parts = [];
      }
      // Copied: the read buffer is reused.
      if (!skipping) parts.push(chunk.slice(start, end));
      size += end - start;
      if (newline === -1) break;
      yield finish();
      start = newline + 1;
    }
  }
  if (size > 0 || skipping) yield finish();
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const encoder = new TextEncoder();

/** Encode one JSON value as a line. */
export function encodeLine(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value) + "\n");
}
