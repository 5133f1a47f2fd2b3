/**
 * @module One client connection to a broker socket: write a request line, read its response
 * line, one exchange at a time. The reader runs all the time, so a connection the broker closed
 * while it sat idle in the pool is known dead before anyone writes into it.
 */
import { encodeJsonLine, type LineItem, pullLines } from "../io/line_reader.ts";
import { errorMessage } from "../error_message.ts";
import { settleWithin, TIMED_OUT } from "../timeout.ts";

/** The longest response line the client reads (a `recent` of big messages), in bytes. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Why an exchange failed: the request may have been applied only in the `after_send` cases. */
export class ExchangeError extends Error {
  stage: "before_send" | "after_send";
  constructor(message: string, stage: "before_send" | "after_send") {
    super(message);
    this.name = "ExchangeError";
    this.stage = stage;
  }
}

/** A connection that carries one exchange at a time. */
export class SocketConnection {
  #conn: Deno.UnixConn;
  #waiting: ((item: LineItem | null) => void) | undefined;
  #closed = false;

  constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    void this.#read();
  }

  /** Connect to the socket at `path`. */
  static async open(path: string): Promise<SocketConnection> {
    return new SocketConnection(
      await Deno.connect({ transport: "unix", path }),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Send `request` and resolve with the parsed response; the timer and `signal` close the connection. */
  async exchange(
    request: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (this.#closed) {
      throw new ExchangeError("the connection is closed", "before_send");
    }
    const answered = new Promise<LineItem | null>((resolve) =>
      this.#waiting = resolve
    );
    try {
      const bytes = encodeJsonLine(request);
      for (let offset = 0; offset < bytes.length;) {
        offset += await this.#conn.write(bytes.subarray(offset));
      }
    } catch (error) {
      this.close();
      throw new ExchangeError(
        `cannot write: ${errorMessage(error)}`,
        "before_send",
      );
    }
    const onAbort = () => this.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const item = await settleWithin(answered, timeoutMs);
      if (item === TIMED_OUT) {
        // The broker is alive but stuck, or gone without closing: this connection is done.
        this.close();
        throw new ExchangeError(
          `no answer within ${timeoutMs} ms`,
          "after_send",
        );
      }
      if (signal?.aborted) throw signal.reason;
      if (item === null) {
        throw new ExchangeError(
          "the broker closed the connection before answering",
          "after_send",
        );
      }
      if (item.kind === "oversize") {
        throw new ExchangeError(
          `the answer is over ${MAX_RESPONSE_BYTES} bytes`,
          "after_send",
        );
      }
      return JSON.parse(item.text);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#waiting = undefined;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
  }

  async #read(): Promise<void> {
    try {
      for await (
        const item of pullLines(this.#conn, {
          maxLineBytes: MAX_RESPONSE_BYTES,
          headBytes: 0,
        })
      ) {
        const waiting = this.#waiting;
        this.#waiting = undefined;
        // A line nobody asked for means the exchange order is lost: drop the connection.
        if (!waiting) break;
        waiting(item);
      }
    } catch {
      // Reset or closed under us: ends like EOF.
    }
    this.close();
    this.#waiting?.(null);
  }
}
