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

  /** Feed decoded text; returns the frames it completed. */
  push(chunk: string): SseFrame[] {
    this.#buffer += chunk;
    const frames: SseFrame[] = [];
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const char = this.#buffer[i];
      if (char !== "\n" && char !== "\r") continue;
      // A CR at the very end may be half of a CRLF: wait for the next chunk.
      if (char === "\r" && i === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(start, i);
      if (char === "\r" && this.#buffer[i + 1] === "\n") i++;
      start = i + 1;
      const frame = this.#line(line);
      if (frame) frames.push(frame);
    }
    this.#buffer = this.#buffer.slice(start);
    return frames;
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
