/**
 * @module A Server-Sent Events parser for a stream read with `fetch` (not `EventSource`), so the
 * page can send its own `Last-Event-ID` and `Authorization` headers and see HTTP errors. Follows
 * the WHATWG rules: `data` lines joined by newlines, comments ignored, a blank line dispatches.
 */

/** One dispatched event. */
export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

/** Turns text chunks into frames; keeps a partial line between chunks. */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #id: string | null = null;

  /**
   * Feed decoded text; yields the frames it completes, parsing only as far as it is iterated, so
   * a reader can pause between frames of a large chunk (a flood's is hundreds of kilobytes).
   * Iterate to the end before pushing the next chunk.
   */
  *push(chunk: string): Generator<SseFrame> {
    const text = this.#buffer + chunk;
    this.#buffer = "";
    // A native search for line ends, not a loop over characters.
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    try {
      for (
        let end = lineEnd.exec(text);
        end !== null;
        end = lineEnd.exec(text)
      ) {
        // A CR at the very end may be half of a CRLF: wait for the next chunk.
        if (end[0] === "\r" && end.index === text.length - 1) break;
        const frame = this.#line(text.slice(start, end.index));
        start = end.index + end[0].length;
        if (frame) yield frame;
      }
    } finally {
      this.#buffer = text.slice(start);
    }
  }

  #line(line: string): SseFrame | null {
    if (line === "") {
      if (this.#data.length === 0) {
        this.#event = "";
        return null;
      }
      const frame = {
        id: this.#id,
        event: this.#event || "message",
        data: this.#data.join("\n"),
      };
      this.#data = [];
      this.#event = "";
      return frame;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#id = value;
    return null;
  }
}
