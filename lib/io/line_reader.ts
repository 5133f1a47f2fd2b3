/**
 * @module The one capped line reader: bytes in, lines out, for claude's stdout and stderr
 * ({@linkcode readLines}, read in the background) and both ends of the broker socket
 * ({@linkcode pullLines}, read on demand). Lines up to the cap come out whole; a longer one is
 * never buffered whole: it becomes an `oversize` item (its size and first bytes) and the stream
 * goes on at the next newline. Nothing here throws on bad input: a bad line is a value.
 */

/** The default cap: claude's stream-json lines are parsed up to 16 MiB (SPEC §4.4). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** The default cap as people read it, for notes about a line over it. */
export const MAX_LINE_TEXT = `${MAX_LINE_BYTES / (1024 * 1024)} MiB`;

/** How much of an oversize line is kept to show what it was. */
export const OVERSIZE_HEAD_BYTES = 4096;

/**
 * One line, or the marker of a line over the cap; `partial` when it ended at EOF without a
 * newline (a crash mid-line).
 */
export type LineItem =
  | {
    kind: "line";
    text: string;
    partial: boolean;
    /** Set (with empty `text`) when a `strictUtf8` splitter met bytes that are not UTF-8. */
    notUtf8?: true;
  }
  | { kind: "oversize"; bytes: number; head: string; partial: boolean };

/** Options for {@linkcode LineSplitter}. */
export interface LineSplitterOptions {
  /** Longest line kept whole, in bytes; {@linkcode MAX_LINE_BYTES} by default. */
  maxLineBytes?: number;
  /** Bytes kept of an oversize line; {@linkcode OVERSIZE_HEAD_BYTES} by default. */
  headBytes?: number;
  /**
   * Refuse bytes that are not UTF-8 (the line comes out `notUtf8`) instead of replacing them
   * with U+FFFD: a broker request must say exactly what was sent.
   */
  strictUtf8?: boolean;
}

const NEWLINE = 10;
const HEAD_DECODER = new TextDecoder("utf-8", { ignoreBOM: true });
const CARRIAGE_RETURN = 13;

/**
 * The splitting state machine: feed chunks with `push()`, then `flush()` at EOF. Each call
 * returns the items it completed, so a caller pays one call per chunk, not per line.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #headBytes: number;
  // ignoreBOM keeps the bytes as they were: each decode() call would otherwise eat a leading BOM.
  readonly #decoder: TextDecoder;
  /** Pieces of the line under way, joined once when it ends (no O(n²) concatenation). */
  #parts: Uint8Array[] = [];
  #partBytes = 0;
  /** Set while skipping the rest of an oversize line: its first bytes, to show what it was. */
  #oversizeHead: string | null = null;

  constructor(options: LineSplitterOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.#headBytes = options.headBytes ?? OVERSIZE_HEAD_BYTES;
    this.#decoder = new TextDecoder("utf-8", {
      ignoreBOM: true,
      fatal: options.strictUtf8 ?? false,
    });
  }

  /** Take one chunk; return the lines it completed. */
  push(chunk: Uint8Array): LineItem[] {
    const out: LineItem[] = [];
    let start = 0;
    if (this.#partBytes > 0 || this.#oversizeHead !== null) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        this.#carry(chunk);
        return out;
      }
      this.#carry(chunk.subarray(0, newline));
      out.push(this.#endCarried(false));
      start = newline + 1;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (last >= start) {
      const span = last - start <= this.#maxLineBytes
        ? this.#decode(chunk.subarray(start, last))
        : null;
      if (span !== null) {
        // No line in this span can be over the cap: decode it in one call and split the string,
        // far cheaper than a decode per line for the usual short stream-json lines.
        const lines = span.split("\n");
        for (const text of lines) {
          out.push({
            kind: "line",
            text: stripCarriageReturn(text),
            partial: false,
          });
        }
      } else {
        this.#splitEach(chunk.subarray(start, last + 1), out);
      }
      start = last + 1;
    }
    if (start < chunk.length) this.#carry(chunk.subarray(start));
    return out;
  }

  /** End of input: the line under way, if any, marked partial. */
  flush(): LineItem[] {
    if (this.#partBytes === 0 && this.#oversizeHead === null) return [];
    return [this.#endCarried(true)];
  }

  /** Split a span that ends with a newline, one line at a time, capping each. */
  #splitEach(span: Uint8Array, out: LineItem[]): void {
    let start = 0;
    while (start < span.length) {
      const newline = span.indexOf(NEWLINE, start);
      const line = span.subarray(start, newline);
      out.push(
        line.length > this.#maxLineBytes
          ? {
            kind: "oversize",
            bytes: line.length,
            head: this.#head([line]),
            partial: false,
          }
          : this.#lineOf(line, false),
      );
      start = newline + 1;
    }
  }

  #carry(piece: Uint8Array): void {
    if (piece.length === 0) return;
    if (
      this.#oversizeHead === null &&
      this.#partBytes + piece.length > this.#maxLineBytes
    ) {
      // Over the cap: keep only the head and count the rest, so memory stays bounded.
      this.#oversizeHead = this.#head([...this.#parts, piece]);
      this.#parts = [];
    } else if (this.#oversizeHead === null) {
      // Copied: the reader may hand out views of a buffer it reuses.
      this.#parts.push(piece.slice());
    }
    this.#partBytes += piece.length;
  }

  #endCarried(partial: boolean): LineItem {
    const bytes = this.#partBytes;
    const head = this.#oversizeHead;
    const parts = this.#parts;
    this.#parts = [];
    this.#partBytes = 0;
    this.#oversizeHead = null;
    if (head !== null) return { kind: "oversize", bytes, head, partial };
    const only = parts.length === 1 ? parts[0] : undefined;
    return this.#lineOf(only ?? concat(parts, bytes), partial);
  }

  #lineOf(bytes: Uint8Array, partial: boolean): LineItem {
    const text = this.#decode(bytes);
    return text === null
      ? { kind: "line", text: "", partial, notUtf8: true }
      : { kind: "line", text: stripCarriageReturn(text), partial };
  }

  /** The text of `bytes`; null when a strict decoder finds them not UTF-8. */
  #decode(bytes: Uint8Array): string | null {
    try {
      return this.#decoder.decode(bytes);
    } catch {
      return null;
    }
  }

  /** The first `headBytes` of some pieces as text, without a character cut in half. */
  #head(pieces: Uint8Array[]): string {
    const bytes = new Uint8Array(this.#headBytes);
    let filled = 0;
    for (const piece of pieces) {
      if (filled >= bytes.length) break;
      const take = piece.subarray(0, bytes.length - filled);
      bytes.set(take, filled);
      filled += take.length;
    }
    // Lenient even when strict: a head is only shown, and may end mid-character.
    return HEAD_DECODER.decode(bytes.subarray(0, filled)).replace(
      /\uFFFD$/,
      "",
    );
  }
}

function stripCarriageReturn(text: string): string {
  return text.charCodeAt(text.length - 1) === CARRIAGE_RETURN
    ? text.slice(0, -1)
    : text;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** Options for {@linkcode readLines}. */
export interface ReadLinesOptions<T> extends LineSplitterOptions {
  /** Turns a line into the value handed out; `null` drops it. */
  map: (item: LineItem) => T | null;
  /** Values buffered unread before reading pauses, once someone iterates; unbounded by default. */
  highWater?: number;
  /** Told when reading fails; the values end there. */
  onError?: (error: unknown) => void;
}

/** Values from a byte stream, read in the background; iterate them once. */
export interface LineBuffer<T> extends AsyncIterable<T> {
  /** The stream has ended (or was cancelled) and its last value is buffered. */
  readonly done: Promise<void>;
  /** Stop reading (a pipe held open by a stray process); the values end. */
  cancel(): Promise<void>;
}

/**
 * Start reading `stream` now, whether or not anyone iterates yet: a child blocked on a full
 * pipe nobody reads never exits. Values are handed out in order, one iterator only.
 */
export function readLines<T>(
  stream: ReadableStream<Uint8Array>,
  options: ReadLinesOptions<T>,
): LineBuffer<T> {
  const { map, highWater = Infinity, onError } = options;
  const splitter = new LineSplitter(options);
  const reader = stream.getReader();
  let values: T[] = [];
  let head = 0;
  let ended = false;
  let claimed = false;
  let abandoned = false;
  let wakeReader: (() => void) | null = null;
  let wakeWriter: (() => void) | null = null;
  const wake = () => {
    wakeReader?.();
    wakeReader = null;
  };
  const add = (items: LineItem[]) => {
    if (abandoned) return;
    for (const item of items) {
      const value = map(item);
      if (value !== null) values.push(value);
    }
    if (head < values.length) wake();
  };
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        add(splitter.push(value));
        if (claimed && !abandoned && values.length - head >= highWater) {
          await new Promise<void>((resolve) => wakeWriter = resolve);
        }
      }
      add(splitter.flush());
    } catch (error) {
      onError?.(error);
    } finally {
      ended = true;
      wake();
    }
  })();
  function take(): IteratorResult<T> {
    if (head >= values.length || abandoned) {
      return { done: true, value: undefined };
    }
    const value = values[head++] as T;
    if (head >= 4096 && head * 2 >= values.length) {
      // Drop what was handed out, now and then, so the buffer does not keep it all.
      values = values.slice(head);
      head = 0;
    }
    if (wakeWriter && values.length - head < highWater / 2) {
      wakeWriter();
      wakeWriter = null;
    }
    return { done: false, value };
  }
  async function waitThenTake(): Promise<IteratorResult<T>> {
    while (head >= values.length && !ended && !abandoned) {
      await new Promise<void>((resolve) => wakeReader = resolve);
    }
    return take();
  }
  function next(): Promise<IteratorResult<T>> {
    // The common case, a value already buffered, costs no async function frame.
    return head < values.length ? Promise.resolve(take()) : waitThenTake();
  }
  function abandon(): Promise<IteratorResult<T>> {
    // The reader left early: keep draining the pipe (so the child is not blocked), keep nothing.
    abandoned = true;
    values = [];
    head = 0;
    wakeWriter?.();
    wake();
    return Promise.resolve({ done: true, value: undefined });
  }
  return {
    done,
    cancel: async () => {
      abandon();
      await reader.cancel().catch(() => {});
    },
    [Symbol.asyncIterator]() {
      if (claimed) {
        throw new TypeError(
          "Cannot iterate lines twice: they are handed out once",
        );
      }
      claimed = true;
      return { next, return: abandon };
    },
  };
}

/** Something bytes are read from on demand, as `Deno.Conn` is. */
export interface ByteSource {
  read(buffer: Uint8Array): Promise<number | null>;
}

/** Bytes asked of a {@linkcode ByteSource} per read. */
const READ_SIZE = 64 * 1024;

/**
 * Yield the lines of `source` as they are asked for: nothing is read ahead, so a consumer that
 * stops asking stops the reading (the broker's back-pressure). Plain `read()`s, not the conn's
 * ReadableStream: a request is one small read, and the stream's machinery would cost more than
 * the broker's work on it.
 */
export async function* pullLines(
  source: ByteSource,
  options: LineSplitterOptions = {},
): AsyncGenerator<LineItem> {
  const splitter = new LineSplitter(options);
  // Reused between reads: the splitter copies what it keeps.
  const buffer = new Uint8Array(READ_SIZE);
  while (true) {
    const n = await source.read(buffer);
    if (n === null) break;
    yield* splitter.push(buffer.subarray(0, n));
  }
  yield* splitter.flush();
}

const encoder = new TextEncoder();

/** Encode one JSON value as a line: the writing half of the line framing the broker speaks. */
export function encodeJsonLine(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value) + "\n");
}
