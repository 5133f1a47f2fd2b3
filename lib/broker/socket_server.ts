/**
 * @module One broker socket (SPEC §8): a Unix socket whose every connection speaks JSON lines,
 * answered by a {@linkcode BrokerRequestHandler} bound to the socket's identity. Mode 0600 by
 * default: the socket is the identity, so only the user the hive runs as may open it (a host
 * that runs agents as other users passes a group mode). One socket cannot starve the others:
 * it serves at most `maxConnections` at once and answers the rest with an error, and its accept
 * loop outlives a full descriptor table (EMFILE), backing off until descriptors free up.
 */
import { dirname } from "node:path";
import type { Logger } from "../log.ts";
import { encodeJsonLine } from "../io/line_reader.ts";
import type { BrokerRequestHandler } from "./request_handler.ts";
import { closeQuietly, serveConnection } from "./socket_session.ts";

export { MAX_REQUEST_BYTES } from "./socket_session.ts";

/** Connections one socket serves at once, by default. */
export const DEFAULT_MAX_CONNECTIONS = 64;
const FIRST_BACKOFF_MS = 10;
const LAST_BACKOFF_MS = 1000;

/** Options for {@linkcode serveBrokerSocket}. */
export interface BrokerSocketOptions {
  log: Logger;
  /** File mode of the socket. */
  mode?: number;
  /** Connections served at once; more are answered with an error and closed. */
  maxConnections?: number;
  /**
   * Connections wait in the listen backlog until this settles. A hive opens every socket it
   * starts with before any takes a connection: a flood on the first must not use up the
   * descriptors the others still need to open.
   */
  acceptFrom?: Promise<void>;
}

/** What a socket reports to `ping` and to the log. */
export interface BrokerSocketHealth {
  path: string;
  /** False while the accept loop backs off from an error (out of descriptors). */
  accepting: boolean;
  connections: number;
  /** Connections refused for being over the cap, since start. */
  refused: number;
  /** Failed accepts (EMFILE and the like), since start. */
  "accept_errors": number;
}

/** A listening broker socket. */
export interface BrokerSocketServer {
  path: string;
  health(): BrokerSocketHealth;
  /** Stop listening, drop every connection, remove the socket file. */
  close(): Promise<void>;
}

/** Serve `handler` on a Unix socket at `path` (a stale socket file there is replaced). */
export async function serveBrokerSocket(
  path: string,
  handler: BrokerRequestHandler,
  options: BrokerSocketOptions,
): Promise<BrokerSocketServer> {
  const {
    log,
    mode = 0o600,
    maxConnections = DEFAULT_MAX_CONNECTIONS,
  } = options;
  await Deno.mkdir(dirname(path), { recursive: true });
  await removeStaleSocket(path);
  const listener = Deno.listen({ transport: "unix", path });
  await Deno.chmod(path, mode);
  const connections = new Set<Deno.UnixConn>();
  const tasks = new Set<Promise<void>>();
  const stopping = new AbortController();
  const health: BrokerSocketHealth = {
    path,
    accepting: true,
    connections: 0,
    refused: 0,
    "accept_errors": 0,
  };

  function serve(conn: Deno.UnixConn): void {
    if (connections.size >= maxConnections) {
      health.refused++;
      refuse(conn, maxConnections);
      return;
    }
    connections.add(conn);
    health.connections = connections.size;
    const task = serveConnection(conn, handler, log).finally(() => {
      connections.delete(conn);
      health.connections = connections.size;
      tasks.delete(task);
    });
    tasks.add(task);
  }

  const accepting = (async () => {
    if (options.acceptFrom) {
      await Promise.race([options.acceptFrom, aborted(stopping.signal)]);
    }
    let backoffMs = FIRST_BACKOFF_MS;
    while (!stopping.signal.aborted) {
      let conn: Deno.UnixConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (
          stopping.signal.aborted || error instanceof Deno.errors.BadResource
        ) {
          break;
        }
        health.accept_errors++;
        if (health.accepting) {
          log.error("Broker socket cannot accept; retrying", {
            path,
            error,
            connections: connections.size,
          });
        }
        health.accepting = false;
        await pause(backoffMs, stopping.signal);
        backoffMs = Math.min(backoffMs * 2, LAST_BACKOFF_MS);
        continue;
      }
      if (!health.accepting) {
        health.accepting = true;
        log.info("Broker socket accepts again", {
          path,
          accept_errors: health.accept_errors,
        });
      }
      backoffMs = FIRST_BACKOFF_MS;
      serve(conn);
    }
  })();
  let closing: Promise<void> | undefined;
  return {
    path,
    health: () => ({ ...health }),
    close: () =>
      closing ??= (async () => {
        stopping.abort();
        listener.close();
        await accepting;
        for (const conn of connections) closeQuietly(conn);
        await Promise.allSettled([...tasks]);
        await Deno.remove(path).catch(() => {});
      })(),
  };
}

// Said, then closed at once: the descriptor is what the cap protects.
function refuse(conn: Deno.UnixConn, maxConnections: number): void {
  const line = encodeJsonLine({
    ok: false,
    error:
      `Cannot serve this connection: the socket already serves ${maxConnections}, the most it takes; close one and connect again`,
    code: "unavailable",
  });
  conn.write(line).catch(() => {}).finally(() => closeQuietly(conn));
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.aborted
      ? resolve()
      : signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
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
