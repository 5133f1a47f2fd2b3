/**
 * @module Keeps the `/stats` page current: listens to `GET /events/stream` and asks for a reload
 * when a `turn_stats_recorded` event arrives, when the server says `reset` (another boot), and
 * when the stream comes back after a drop (rows may have landed meanwhile). Reloads are
 * coalesced: a burst of events costs one fetch, at most `delayMs` after the first of them. A
 * slow poll backs this up and moves the buckets on as time passes. The page's token travels as
 * its `hive_token` cookie, so a same-origin `EventSource` needs nothing more.
 */
import { isRecord } from "../../lib/wire/events.ts";

/** How the line to the harness is doing. */
export type LiveStatus = "connecting" | "live" | "reconnecting";

/** The parts of `EventSource` used here, so tests can stand one in. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  close(): void;
}

/** Options for {@linkcode watchStats}. */
export interface WatchStatsOptions {
  /** The stream's URL, e.g. `events/stream`. */
  url: string;
  /** Reload the figures. */
  reload: () => void;
  status: (status: LiveStatus) => void;
  /** Wait after the first event of a burst before reloading. */
  delayMs?: number;
  /** Reload this often even when no event comes (buckets move on with the clock). */
  pollMs?: number;
  /** Try again this long after the browser gave the stream up (an HTTP error). */
  retryMs?: number;
  open?: (url: string) => EventSourceLike;
}

const CLOSED = 2;

/** Start watching; returns a function that stops it. */
export function watchStats(options: WatchStatsOptions): () => void {
  const {
    url,
    reload,
    status,
    delayMs = 400,
    pollMs = 5 * 60_000,
    retryMs = 15_000,
    open = (target) => new EventSource(target),
  } = options;
  let source: EventSourceLike | null = null;
  let opened = false;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;

  function soon(): void {
    pending ??= setTimeout(function reloadNow() {
      pending = undefined;
      reload();
    }, delayMs);
  }

  function connect(): void {
    status(opened ? "reconnecting" : "connecting");
    const stream = open(url);
    source = stream;
    stream.onopen = () => {
      // Rows may have landed while the stream was down.
      if (opened) soon();
      opened = true;
      status("live");
    };
    stream.onmessage = (event) => {
      const kind = eventKind(event.data);
      if (kind === "turn_stats_recorded" || kind === "reset") soon();
    };
    stream.onerror = () => {
      status("reconnecting");
      // The browser retries a dropped stream itself, but gives up on an HTTP error.
      if (stream.readyState === CLOSED) {
        stream.close();
        retry ??= setTimeout(function reconnect() {
          retry = undefined;
          opened = true;
          connect();
        }, retryMs);
      }
    };
  }

  connect();
  const poll = setInterval(reload, pollMs);
  return function stop() {
    clearInterval(poll);
    clearTimeout(pending);
    clearTimeout(retry);
    source?.close();
  };
}

// Only the kind is needed; a frame that is not an event reads as none.
function eventKind(data: unknown): string | null {
  if (typeof data !== "string") return null;
  // Stream lines can be large: skip parsing those that cannot be what we want.
  if (!data.includes("turn_stats_recorded") && !data.includes('"reset"')) {
    return null;
  }
  try {
    const event: unknown = JSON.parse(data);
    return isRecord(event) && typeof event.kind === "string"
      ? event.kind
      : null;
  } catch {
    return null;
  }
}
