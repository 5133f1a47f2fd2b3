/**
 * @module One connection to a broker socket: JSON lines in, one response line per request, in
 * order. Reading runs a little ahead of handling, so a client that hangs up mid long-poll is
 * seen, but only a little: while a request is handled, at most {@linkcode READ_AHEAD_BYTES} more
 * are read (and at most {@linkcode READ_AHEAD_REQUESTS} lines wait); past that the connection is
 * not read, and the kernel's socket buffer pushes back on the client. A client pipelining 1 MiB
 * lines behind a long `recv` therefore costs about 128 KiB, not everything it sends.
 */
import type { Logger } from "../log.ts";
import { errorMessage } from "../error_message.ts";
import { encodeJsonLine, type LineItem, pullLines } from "../io/line_reader.ts";
import type { AfterWrite } from "./broker_commands.ts";
import type {
  BrokerRequestHandler,
  BrokerResponse,
} from "./request_handler.ts";

/** The longest request line, in bytes: a longer one is refused and the connection goes on. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/** Most requests read ahead of the one being handled, per connection. */
export const READ_AHEAD_REQUESTS = 8;
/** Bytes read while a request is handled, per connection, before reading pauses. */
export const READ_AHEAD_BYTES = 64 * 1024;

/** The side of a connection a session uses (a `Deno.Conn`, or a stand-in in tests). */
export interface SessionConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** Serve one connection until it closes; never rejects. */
export async function serveConnection(
  conn: SessionConn,
  handler: BrokerRequestHandler,
  log: Logger,
): Promise<void> {
  const gone = new AbortController();
  const queue: LineItem[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  // Read-ahead is counted in bytes, below the line splitter: a 1 MiB line is never read whole
  // behind a request that is still being handled.
  let handling = false;
  let aheadBytes = 0;
  let resumeReading: (() => void) | undefined;
  const budgeted = {
    read: async (buffer: Uint8Array): Promise<number | null> => {
      while (
        handling && aheadBytes >= READ_AHEAD_BYTES && !gone.signal.aborted
      ) {
        await new Promise<void>((resolve) => resumeReading = resolve);
      }
      const n = await conn.read(buffer);
      if (n !== null && handling) aheadBytes += n;
      return n;
    },
  };
  const full = () => queue.length >= READ_AHEAD_REQUESTS;
  const reading = (async () => {
    try {
      const lines = pullLines(budgeted, {
        maxLineBytes: MAX_REQUEST_BYTES,
        headBytes: 0,
        strictUtf8: true,
      });
      for await (const item of lines) {
        queue.push(item);
        wake?.();
        while (full() && !gone.signal.aborted) {
          await new Promise<void>((resolve) => wake = resolve);
        }
      }
    } catch {
      // A reset connection ends like a closed one.
    } finally {
      ended = true;
      gone.abort();
      wake?.();
    }
  })();
  try {
    while (true) {
      const item = queue.shift();
      if (item === undefined) {
        if (ended) break;
        await new Promise<void>((resolve) => wake = resolve);
        continue;
      }
      wake?.();
      if (item.kind === "line" && !item.notUtf8 && item.text.trim() === "") {
        continue;
      }
      const hooks: AfterWrite[] = [];
      handling = true;
      const response = item.kind === "line" && !item.notUtf8
        ? await handleLine(item.text, handler, gone.signal, hooks)
        : refusal(item);
      const written = await writeAll(conn, encodeJsonLine(response));
      for (const hook of hooks) hook(written);
      if (!written) break;
      handling = false;
      aheadBytes = 0;
      resumeReading?.();
    }
  } catch (error) {
    log.warn("Broker connection failed", { error });
  } finally {
    closeQuietly(conn);
    // A reader parked on a full queue would wait for a wake that never comes, holding what it
    // read (the memory that stayed after pipelining clients left): release it and drop the queue.
    gone.abort();
    queue.length = 0;
    wake?.();
    resumeReading?.();
    await reading;
  }
}

function handleLine(
  text: string,
  handler: BrokerRequestHandler,
  signal: AbortSignal,
  hooks: AfterWrite[],
): Promise<BrokerResponse> {
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch (error) {
    const reason = errorMessage(error);
    return Promise.resolve({
      ok: false,
      error: `Invalid request: not JSON (${reason})`,
      code: "invalid",
    });
  }
  return handler(request, signal, (hook) => hooks.push(hook));
}

function refusal(item: LineItem): BrokerResponse {
  switch (item.kind) {
    case "oversize":
      return {
        ok: false,
        error:
          `Invalid request: line of ${item.bytes} bytes is over the ${MAX_REQUEST_BYTES}-byte limit`,
        code: "invalid",
      };
    case "line":
      return {
        ok: false,
        error: "Invalid request: the line is not valid UTF-8",
        code: "invalid",
      };
    default: {
      const never: never = item;
      throw new TypeError(`Unknown line item ${JSON.stringify(never)}`);
    }
  }
}

async function writeAll(
  conn: SessionConn,
  bytes: Uint8Array,
): Promise<boolean> {
  try {
    for (let offset = 0; offset < bytes.length;) {
      offset += await conn.write(bytes.subarray(offset));
    }
    return true;
  } catch {
    return false;
  }
}

/** Close a connection that may be closed already. */
export function closeQuietly(conn: SessionConn): void {
  try {
    conn.close();
  } catch {
    // Already closed by the other side or by close().
  }
}
