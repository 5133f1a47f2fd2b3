/**
 * @module The connections of a broker socket client: a small pool of idle connections, one
 * exchange at a time on each (a long-poll holds its own), connecting again while the broker
 * restarts, and retrying on a fresh connection only what is safe to apply twice. Transport
 * failures come back as `{ok: false, code: "unavailable"}` responses, never as a hang.
 */
import type { BrokerErrorCode } from "./broker_api.ts";
import { isRequestObject } from "./request_fields.ts";
import type { BrokerResponse } from "./request_handler.ts";
import { ExchangeError, SocketConnection } from "./socket_connection.ts";
import { errorMessage } from "../error_message.ts";

/** Options for {@linkcode BrokerSocketPool}. */
export interface BrokerSocketPoolOptions {
  /** How long the broker may take to answer, beyond any long-poll wait, in ms. */
  timeoutMs?: number;
  /** How long to keep trying to connect before failing a call, in ms. */
  connectTimeoutMs?: number;
}

/** Options for one {@linkcode BrokerSocketPool.request}. */
export interface SocketRequestOptions {
  /** Gives up the request: its connection is closed, so the broker drops a long-poll. */
  signal?: AbortSignal;
  /** Extra time to allow for a long-poll, in ms. */
  waitMs?: number;
}

// Requests that change nothing, or are safe to apply twice, are retried on a fresh connection.
const RETRYABLE = new Set([
  "whoami",
  "status",
  "recent",
  "get_loose_ends",
  "count_pending_reminders",
  "count_loose_ends",
  "list_agents",
  "mark_delivered",
  "set_status",
  "next_wakeup",
]);
const MAX_IDLE = 8;

/** Requests over the connections to one socket path. */
export class BrokerSocketPool {
  #path: string;
  #timeoutMs: number;
  #connectTimeoutMs: number;
  #idle: SocketConnection[] = [];
  #busy = new Set<SocketConnection>();
  #closed = false;

  constructor(path: string, options: BrokerSocketPoolOptions = {}) {
    this.#path = path;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
  }

  /** Send one request and read its response; rejects only when `signal` aborts it. */
  async request(
    request: Record<string, unknown>,
    options: SocketRequestOptions = {},
  ): Promise<BrokerResponse> {
    const cmd = String(request.cmd);
    for (let attempt = 0;; attempt++) {
      if (this.#closed) {
        return unavailable(`Cannot ${cmd}: the broker client is closed`);
      }
      let connection: SocketConnection;
      try {
        connection = await this.#connect();
      } catch (error) {
        return unavailable(
          `Cannot ${cmd}: the broker at "${this.#path}" is not reachable: ${
            errorMessage(error)
          }`,
        );
      }
      this.#busy.add(connection);
      try {
        const timeoutMs = this.#timeoutMs + (options.waitMs ?? 0);
        const response = await connection.exchange(
          request,
          timeoutMs,
          options.signal,
        );
        this.#release(connection);
        if (isRequestObject(response) && typeof response.ok === "boolean") {
          return response as BrokerResponse;
        }
        connection.close();
        return unavailable(
          `Cannot ${cmd}: the broker answered something that is not a response`,
        );
      } catch (error) {
        this.#busy.delete(connection);
        if (options.signal?.aborted) throw error;
        const retry = error instanceof ExchangeError &&
          (error.stage === "before_send" || RETRYABLE.has(cmd));
        if (retry && attempt === 0) continue;
        return unavailable(
          `Cannot ${cmd}: broker at "${this.#path}": ${errorMessage(error)}`,
        );
      }
    }
  }

  /** Drop every connection; requests after this fail. */
  close(): Promise<void> {
    this.#closed = true;
    for (const connection of [...this.#idle, ...this.#busy]) connection.close();
    this.#idle = [];
    this.#busy.clear();
    return Promise.resolve();
  }

  async #connect(): Promise<SocketConnection> {
    let idle: SocketConnection | undefined;
    while ((idle = this.#idle.pop())) if (!idle.closed) return idle;
    const deadline = performance.now() + this.#connectTimeoutMs;
    for (let pause = 25;; pause = Math.min(pause * 2, 400)) {
      try {
        return await SocketConnection.open(this.#path);
      } catch (error) {
        // Missing or refusing: the broker may be restarting; anything else will not get better.
        const transient = error instanceof Deno.errors.NotFound ||
          error instanceof Deno.errors.ConnectionRefused;
        if (
          !transient || performance.now() + pause > deadline || this.#closed
        ) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  #release(connection: SocketConnection): void {
    this.#busy.delete(connection);
    if (this.#closed || connection.closed || this.#idle.length >= MAX_IDLE) {
      connection.close();
    } else this.#idle.push(connection);
  }
}

function unavailable(error: string): BrokerResponse & { ok: false } {
  return { ok: false, error, code: "unavailable" satisfies BrokerErrorCode };
}
