/**
 * @module One broker socket (SPEC §8): a Unix socket whose every connection speaks JSON lines,
 * one request then one response, answered by a {@linkcode BrokerRequestHandler} bound to the
 * socket's identity. Requests on a connection run in order; a connection that goes away aborts
 * its long-poll, so a `recv` nobody waits for does not take messages. Mode 0660: the socket is
 * the identity, so only its agent (and the host's group) may open it.
 */
import { dirname } from "node:path";
import type { Logger } from "../log.ts";
import { encodeJsonLine, type LineItem, pullLines } from "../io/line_reader.ts";
import type {
  BrokerRequestHandler,
  BrokerResponse,
} from "./request_handler.ts";
import { errorMessage } from "../error_message.ts";

/** The longest request line, in bytes: a longer one is refused and the connection goes on. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** Options for {@linkcode serveBrokerSocket}. */
export interface BrokerSocketOptions {
  log: Logger;
  /** File mode of the socket. */
  mode?: number;
}

/** A listening broker socket. */
export interface BrokerSocketServer {
  path: string;
  /** Stop listening, drop every connection, remove the socket file. */
  close(): Promise<void>;
}

/** Serve `handler` on a Unix socket at `path` (a stale socket file there is replaced). */
export async function serveBrokerSocket(
  path: string,
  handler: BrokerRequestHandler,
  options: BrokerSocketOptions,
): Promise<BrokerSocketServer> {
  const { log, mode = 0o660 } = options;
  await Deno.mkdir(dirname(path), { recursive: true });
  await removeStaleSocket(path);
  const listener = Deno.listen({ transport: "unix", path });
  await Deno.chmod(path, mode);
  const connections = new Set<Deno.UnixConn>();
  const tasks = new Set<Promise<void>>();
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        connections.add(conn);
        const task = serveConnection(conn, handler, log).finally(() => {
          connections.delete(conn);
          tasks.delete(task);
        });
        tasks.add(task);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) {
        log.error("Broker socket stopped accepting", { path, error });
      }
    }
  })();
  let closing: Promise<void> | undefined;
  return {
    path,
    close: () =>
      closing ??= (async () => {
        listener.close();
        await accepting;
        for (const conn of connections) closeQuietly(conn);
        await Promise.allSettled([...tasks]);
        await Deno.remove(path).catch(() => {});
      })(),
  };
}

async function removeStaleSocket(path: string): Promise<void> {
  try {
    await Deno.lstat(path);
  } catch {
    return;
  }
  // A socket somebody still answers on belongs to a live broker: refuse rather than steal it.
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    throw new Error(
      `Cannot serve broker socket "${path}": another broker is listening there`,
    );
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("Cannot serve")) {
      throw error;
    }
  }
  await Deno.remove(path);
}

async function serveConnection(
  conn: Deno.UnixConn,
  handler: BrokerRequestHandler,
  log: Logger,
): Promise<void> {
  const gone = new AbortController();
  const queue: LineItem[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  // Reading runs ahead of handling so that the client hanging up is seen mid long-poll.
  const reading = (async () => {
    try {
      for await (
        const item of pullLines(conn, {
          maxLineBytes: MAX_REQUEST_BYTES,
          headBytes: 0,
        })
      ) {
        queue.push(item);
        wake?.();
        // Bounded: a client pipelining without reading answers waits for us.
        while (queue.length >= 64 && !gone.signal.aborted) {
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
      if (item.kind === "line" && item.text.trim() === "") continue;
      const response = item.kind === "oversize"
        ? tooLong(item.bytes)
        : await handleLine(item.text, handler, gone.signal);
      if (!(await writeAll(conn, encodeJsonLine(response)))) break;
    }
  } catch (error) {
    log.warn("Broker connection failed", { error });
  } finally {
    closeQuietly(conn);
    await reading;
  }
}

function handleLine(
  text: string,
  handler: BrokerRequestHandler,
  signal: AbortSignal,
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
  return handler(request, signal);
}

function tooLong(bytes: number): BrokerResponse {
  return {
    ok: false,
    error:
      `Invalid request: line of ${bytes} bytes is over the ${MAX_REQUEST_BYTES}-byte limit`,
    code: "invalid",
  };
}

async function writeAll(
  conn: Deno.UnixConn,
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

function closeQuietly(conn: Deno.UnixConn): void {
  try {
    conn.close();
  } catch {
    // Already closed by the other side or by close().
  }
}
