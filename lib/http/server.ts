/**
 * @module The HTTP server every page of the project runs on, bounded so that clients cannot take
 * the process down. `Deno.serve` offers no connection cap and no idle or header-read timeout,
 * and its accept loop ends for good on the first "Too many open files": 450 idle connections
 * under `ulimit -n 400` made the harness exit and orphan its turn. Here the accept loop is ours:
 * it keeps at most a connection cap open (below the descriptor limit; the ones over it get a 503
 * and are closed), waits and retries when accepting fails for want of descriptors, and gives
 * each connection to Deno's HTTP engine one at a time (`serveHttpOnConnection`, the same engine
 * `Deno.serve` runs), with a timer that closes it once it has sent no request for a while
 * (headers that never finish count as none). A connection with a response still streaming (SSE)
 * is not idle: closing is graceful, so the response runs on.
 */
import type { Logger } from "../log.ts";

/** Most connections open at once, unless the descriptor limit asks for fewer. */
export const MAX_CONNECTIONS = 4096;

/** Descriptors kept for everything but connections: stores, claude's pipes, the runtime. */
export const RESERVED_DESCRIPTORS = 128;

/** A new connection must send a whole request head within this. */
export const HEADER_TIMEOUT_MS = 10_000;

/** A connection with no request for this long is closed (a streaming response is not idle). */
export const IDLE_TIMEOUT_MS = 60_000;

/** Connections that end between two {@linkcode ServerOptions.onConnectionsEnded} calls. */
export const ENDED_CONNECTIONS_BATCH = 32;

/** Connections over the cap being told 503 at once; more are closed without a word. */
const MAX_REFUSING = 8;

/** Longest wait before accepting again after running out of descriptors. */
const MAX_ACCEPT_BACKOFF_MS = 1_000;

/** The answer to a connection over the cap, written before it is closed. */
const BUSY_RESPONSE = new TextEncoder().encode(
  'HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 38\r\n\r\n{"error":"too many open connections"}\n',
);

/** What the engine tells a handler besides the request: when its response was delivered. */
export interface DeliveryInfo {
  /** Settles once the response is fully sent, or the client went away. */
  completed?: Promise<void>;
}

/** A connection's request handler, as the engine calls it. */
export type ConnectionHandler = (
  request: Request,
  info?: DeliveryInfo,
) => Response | Promise<Response>;

/** Serves requests of one accepted connection until it ends (Deno's engine, or a stand-in). */
export type ConnectionServer = (
  conn: Deno.Conn,
  signal: AbortSignal,
  handler: ConnectionHandler,
) => { finished: Promise<void> };

/** Options for {@linkcode startServer}. */
export interface ServerOptions {
  hostname: string;
  port: number;
  log: Logger;
  /** Stops accepting and closes every connection gracefully. */
  signal?: AbortSignal;
  maxConnections?: number;
  headerTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** The process's open-file limit; read from `/proc/self/limits` by default. */
  descriptorLimit?: number | null;
  /** How a connection is served; Deno's own HTTP engine by default. */
  serveConnection?: ConnectionServer;
  /** Opens the listening socket; `Deno.listen` by default. */
  listen?: (options: { hostname: string; port: number }) => Deno.Listener;
  /**
   * Told each time {@linkcode ENDED_CONNECTIONS_BATCH} more connections have ended: a crowd of
   * readers leaving frees buffers the process can give back to the system.
   */
  onConnectionsEnded?: () => void;
}

/** A listening server. */
export interface RunningServer {
  readonly addr: Deno.NetAddr;
  /** Connections open now. */
  readonly connections: number;
  /** Connections refused so far for being over the cap. */
  readonly refused: number;
  /** The cap in force (the option, lowered to fit the descriptor limit). */
  readonly maxConnections: number;
  /** Resolves when the listener is closed and every connection has ended. */
  readonly finished: Promise<void>;
}

/** Listen and serve `handler`, bounded as the module says. */
export function startServer(
  handler: (request: Request) => Response | Promise<Response>,
  options: ServerOptions,
): RunningServer {
  const { log, signal } = options;
  const {
    headerTimeoutMs = HEADER_TIMEOUT_MS,
    idleTimeoutMs = IDLE_TIMEOUT_MS,
    serveConnection = denoConnectionServer(),
    listen = Deno.listen,
  } = options;
  const descriptorLimit = options.descriptorLimit === undefined
    ? readDescriptorLimit()
    : options.descriptorLimit;
  const cap = connectionCap(
    options.maxConnections ?? MAX_CONNECTIONS,
    descriptorLimit,
  );
  const listener = listen({
    hostname: options.hostname,
    port: options.port,
  });
  const open = new Set<AbortController>();
  const ended = new Set<Promise<void>>();
  let endedSinceTold = 0;
  let refused = 0;
  let refusing = 0;
  let stopping = false;

  /** Answer 503 and close; past a few at once, just close, so refusals cannot pile up descriptors. */
  function refuse(conn: Deno.Conn): void {
    const close = () => {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    };
    if (refusing >= MAX_REFUSING) return close();
    refusing++;
    // Not awaited: a client that does not read must not hold the accept loop.
    conn.write(BUSY_RESPONSE).catch(() => {}).finally(() => {
      refusing--;
      close();
    });
  }

  const stop = () => {
    stopping = true;
    try {
      listener.close();
    } catch {
      // Already closed.
    }
    for (const controller of open) controller.abort();
  };
  if (signal?.aborted) stop();
  else signal?.addEventListener("abort", stop, { once: true });

  function serve(conn: Deno.Conn): void {
    const controller = new AbortController();
    open.add(controller);
    const close = () => controller.abort();
    let timer = setTimeout(close, headerTimeoutMs);
    let inFlight = 0;
    const served = serveConnection(conn, controller.signal, (request, info) => {
      // Busy until every response on it is delivered (an SSE stream may take hours); idle after.
      clearTimeout(timer);
      inFlight++;
      const delivered = () => {
        if (--inFlight === 0) timer = setTimeout(close, idleTimeoutMs);
      };
      if (info?.completed) info.completed.then(delivered, delivered);
      else delivered();
      return handler(request);
    });
    const done: Promise<void> = served.finished.catch((error) => {
      log.debug("HTTP connection ended with an error", { error });
    }).finally(() => {
      clearTimeout(timer);
      open.delete(controller);
      ended.delete(done);
      if (++endedSinceTold >= ENDED_CONNECTIONS_BATCH) {
        endedSinceTold = 0;
        options.onConnectionsEnded?.();
      }
    });
    ended.add(done);
  }

  async function acceptLoop(): Promise<void> {
    let backoffMs = 10;
    let starving = false;
    while (!stopping) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (stopping || error instanceof Deno.errors.BadResource) break;
        // Out of descriptors (EMFILE/ENFILE) or a connection reset before it was taken: the
        // listener still works, so wait for descriptors to free up and accept again.
        if (!starving) {
          log.warn("Cannot accept an HTTP connection; retrying", {
            error,
            connections: open.size,
          });
        }
        starving = true;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, MAX_ACCEPT_BACKOFF_MS);
        continue;
      }
      if (starving) {
        log.info("Accepting HTTP connections again", {
          connections: open.size,
        });
      }
      starving = false;
      backoffMs = 10;
      if (open.size >= cap) {
        refused++;
        refuse(conn);
        continue;
      }
      serve(conn);
    }
  }

  const finished = acceptLoop().then(async () => {
    while (ended.size > 0) await Promise.all([...ended]);
  });
  return {
    addr: listener.addr as Deno.NetAddr,
    get connections() {
      return open.size;
    },
    get refused() {
      return refused;
    },
    maxConnections: cap,
    finished,
  };
}

/** The cap: the option, or fewer so connections leave {@linkcode RESERVED_DESCRIPTORS} free. */
export function connectionCap(
  maxConnections: number,
  descriptorLimit: number | null,
): number {
  if (descriptorLimit === null) return maxConnections;
  return Math.max(
    1,
    Math.min(maxConnections, descriptorLimit - RESERVED_DESCRIPTORS),
  );
}

/** The soft open-file limit of this process, or null where it cannot be read. */
export function readDescriptorLimit(): number | null {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (match === null || match[1] === "unlimited") return null;
    return Number(match[1]);
  } catch {
    return null;
  }
}

interface DenoHttpInternals {
  serveHttpOnConnection?: (
    conn: Deno.Conn,
    signal: AbortSignal,
    handler: ConnectionHandler,
    onError: (error: unknown) => Response,
    onListen: () => void,
  ) => { finished: Promise<void> };
}

/**
 * Deno's HTTP engine on one connection: `Deno.serve`'s own per-connection entry, reached through
 * `Deno[Deno.internal]` because no public API serves an accepted connection. Checked at start:
 * a Deno without it makes {@linkcode startServer} throw instead of running unbounded.
 */
export function denoConnectionServer(): ConnectionServer {
  const internals = (Deno as unknown as Record<symbol, unknown>)[
    (Deno as unknown as { internal: symbol }).internal
  ] as DenoHttpInternals | undefined;
  const serveOn = internals?.serveHttpOnConnection;
  if (typeof serveOn !== "function") {
    throw new Error(
      `Cannot serve HTTP: this Deno (${Deno.version.deno}) has no serveHttpOnConnection`,
    );
  }
  return (conn, signal, handler) =>
    serveOn(
      conn,
      signal,
      handler,
      (error) =>
        new Response(
          JSON.stringify({ error: `internal error: ${String(error)}` }),
          { status: 500, headers: { "content-type": "application/json" } },
        ),
      () => {},
    );
}
