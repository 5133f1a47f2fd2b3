/**
 * @module The page's line to the harness: opens `/events/stream`, loads `/api/state` and
 * `/events/history` while buffering what the stream sends meanwhile, then hands over live events
 * in seq order with none twice (an event is passed on only when its seq is above every seq seen).
 * A dropped stream reconnects with `Last-Event-ID`, so the server replays exactly what was
 * missed; a `{"kind":"reset"}` frame (other boot, too old) reloads state and history. The stream
 * is opened before the snapshot is read, so nothing falls between the two.
 *
 * A stream that has much buffered (a flood, a tab woken from the background) would otherwise be
 * read in one task: each `read()` resolves as a microtask while data waits, so the page would parse
 * every waiting line before it paints once. The feed hands the main thread back to the browser
 * after each slice of a few milliseconds.
 */
import { EVENTS_KEPT, isRecord } from "../../lib/wire/events.ts";
import { SseParser } from "./sse_parser.ts";

/** An event as the page gets it: `{seq, kind, ...}`. */
export type FeedEvent = Record<string, unknown>;

/** What a (re)load read: the state, then the history after it. */
export interface FeedSnapshot {
  state: Record<string, unknown>;
  events: FeedEvent[];
}

/** How the line to the harness is doing. */
export type FeedStatus =
  | "connecting"
  | "live"
  | "reconnecting"
  | "unauthorized";

/** What the feed calls. */
export interface FeedHandlers {
  /** Everything anew: drop what was shown and draw this. */
  snapshot(snapshot: FeedSnapshot): void;
  /** Newer events, in seq order. */
  events(events: FeedEvent[]): void;
  status(status: FeedStatus, detail: string | null): void;
}

/** Options for {@linkcode Feed}. */
export interface FeedOptions {
  fetch?: typeof fetch;
  /** Prefix of the harness's routes, `""` for the page's own origin. */
  baseUrl?: string;
  /** Sent with every request (the UI token). */
  headers?: Record<string, string>;
  historyLimit?: number;
  /** Waits before reconnect attempts; the last repeats. */
  retryDelaysMs?: number[];
  /** A stream silent this long is taken for dead (the server sends a keep-alive every 15 s). */
  idleTimeoutMs?: number;
  /** Reading work one task may do before the feed yields to the browser, in ms. */
  sliceMs?: number;
  /** Milliseconds on a monotonic clock. */
  now?: () => number;
  /** Lets the browser run its other tasks (paint, input) before reading on. */
  yieldToBrowser?: () => Promise<void>;
}

/**
 * Yield to the browser's event loop: `scheduler.yield()` where there is one, else a message-channel
 * task. Not `setTimeout`, which a background tab throttles to once a second.
 */
export function yieldToBrowser(): Promise<void> {
  const scheduler = (globalThis as {
    scheduler?: { yield?: () => Promise<void> };
  }).scheduler;
  if (typeof scheduler?.yield === "function") return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Keeps the page in step with the harness's events. */
export class Feed {
  #handlers: FeedHandlers;
  #fetch: typeof fetch;
  #baseUrl: string;
  #headers: Record<string, string>;
  #historyLimit: number;
  #retryDelaysMs: number[];
  #idleTimeoutMs: number;
  #sliceMs: number;
  #now: () => number;
  #yieldToBrowser: () => Promise<void>;
  #lastSeq = 0;
  #loaded = false;
  #stop: AbortController | null = null;
  #done: Promise<void> = Promise.resolve();

  constructor(handlers: FeedHandlers, options: FeedOptions = {}) {
    this.#handlers = handlers;
    this.#fetch = options.fetch ??
      ((input, init) => globalThis.fetch(input, init));
    this.#baseUrl = options.baseUrl ?? "";
    this.#headers = options.headers ?? {};
    this.#historyLimit = options.historyLimit ?? EVENTS_KEPT;
    this.#retryDelaysMs = options.retryDelaysMs ??
      [500, 1000, 2000, 4000, 8000];
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
    this.#sliceMs = options.sliceMs ?? 8;
    this.#now = options.now ?? (() => performance.now());
    this.#yieldToBrowser = options.yieldToBrowser ?? yieldToBrowser;
  }

  /** The newest seq handed over. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Connect and keep connecting until {@linkcode Feed.stop}. */
  start(): void {
    if (this.#stop) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#done = this.#run(stop.signal);
  }

  /** Disconnect; resolves once nothing is pending. */
  stop(): Promise<void> {
    this.#stop?.abort();
    this.#stop = null;
    return this.#done;
  }

  /** Connect; after a drop wait a little and connect again, until stopped. */
  async #run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    this.#handlers.status("connecting", null);
    while (!signal.aborted) {
      const outcome = await this.#connect(signal);
      if (signal.aborted) return;
      failures = outcome === "received" ? 1 : failures + 1;
      if (outcome === "unauthorized") {
        this.#handlers.status(
          "unauthorized",
          "the harness wants a UI token: open the page with ?token=…",
        );
      } else {
        this.#handlers.status(
          this.#loaded ? "reconnecting" : "connecting",
          null,
        );
      }
      const wait = this
        .#retryDelaysMs[
          Math.min(failures - 1, this.#retryDelaysMs.length - 1)
        ] ?? 1000;
      await delay(
        outcome === "unauthorized" ? Math.max(wait, 10_000) : wait,
        signal,
      );
    }
  }

  /** One connection, until it drops. Says whether anything came through. */
  async #connect(
    signal: AbortSignal,
  ): Promise<"received" | "failed" | "unauthorized"> {
    const connection = new AbortController();
    const abort = () => connection.abort();
    signal.addEventListener("abort", abort, { once: true });
    const resumeFrom = this.#loaded ? this.#lastSeq : null;
    let received = false;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(abort, this.#idleTimeoutMs);
    };
    try {
      touch();
      const headers: Record<string, string> = {
        ...this.#headers,
        accept: "text/event-stream",
      };
      if (resumeFrom !== null) headers["last-event-id"] = String(resumeFrom);
      const response = await this.#fetch(`${this.#baseUrl}/events/stream`, {
        headers,
        signal: connection.signal,
      });
      if (response.status === 401) {
        await response.body?.cancel();
        return "unauthorized";
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        return "failed";
      }
      // While a snapshot loads, live events wait here; null when none is loading.
      let buffer: FeedEvent[] | null = null;
      let loading: Promise<void> = Promise.resolve();
      const load = () => {
        buffer = [];
        loading = this.#load(connection.signal).then((snapshot) => {
          this.#loaded = true;
          this.#lastSeq = snapshotSeq(snapshot);
          this.#handlers.snapshot(snapshot);
          const waiting = buffer ?? [];
          buffer = null;
          this.#deliver(waiting);
          this.#handlers.status("live", null);
        }).catch(() => connection.abort());
      };
      if (resumeFrom === null) load();
      else this.#handlers.status("live", null);
      let first = true;
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream())
        .getReader();
      let sliceStarted = this.#now();
      // Hands what is parsed over and lets the browser paint once a slice's time is spent.
      let fresh: FeedEvent[] = [];
      const sliceSpent = () => this.#now() - sliceStarted >= this.#sliceMs;
      const pause = async () => {
        this.#deliver(fresh);
        fresh = [];
        await this.#yieldToBrowser();
        sliceStarted = this.#now();
      };
      try {
        for (;;) {
          if (sliceSpent()) await pause();
          const { value, done } = await reader.read();
          if (done) break;
          touch();
          received = true;
          for (const frame of parser.push(value)) {
            // One network chunk can hold thousands of lines: slice within it too.
            if (sliceSpent()) await pause();
            const event = parseEvent(frame.data);
            if (event === null) continue;
            const wasFirst = first;
            first = false;
            if (event.kind === "reset" || frame.event === "reset") {
              // A fresh connection is loading already; a resumed one could not be resumed.
              if (!(wasFirst && resumeFrom === null)) load();
              continue;
            }
            if (buffer !== null) (buffer as FeedEvent[]).push(event);
            else fresh.push(event);
          }
          this.#deliver(fresh);
          fresh = [];
        }
      } finally {
        reader.releaseLock();
        await response.body.cancel().catch(() => {});
      }
      await loading;
    } catch {
      // A network error or an abort: the caller reconnects (or has stopped).
    } finally {
      clearTimeout(idle);
      signal.removeEventListener("abort", abort);
    }
    return received ? "received" : "failed";
  }

  async #load(signal: AbortSignal): Promise<FeedSnapshot> {
    const state = await this.#getJson("/api/state", signal);
    const history = await this.#getJson(
      `/events/history?limit=${this.#historyLimit}`,
      signal,
    );
    const events = Array.isArray(history.events)
      ? history.events.filter(isRecord)
      : [];
    return { state, events };
  }

  async #getJson(
    path: string,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const response = await this.#fetch(`${this.#baseUrl}${path}`, {
      headers: this.#headers,
      signal,
    });
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok || !isRecord(body)) {
      throw new Error(`Cannot load ${path}: HTTP ${response.status}`);
    }
    return body;
  }

  #deliver(events: FeedEvent[]): void {
    const fresh = events.filter((event) => {
      if (typeof event.seq !== "number") return true;
      if (event.seq <= this.#lastSeq) return false;
      this.#lastSeq = event.seq;
      return true;
    });
    if (fresh.length > 0) this.#handlers.events(fresh);
  }
}

/** The seq a snapshot covers: the state's, or a newer history event's. */
function snapshotSeq(snapshot: FeedSnapshot): number {
  let seq = typeof snapshot.state.seq === "number" ? snapshot.state.seq : 0;
  for (const event of snapshot.events) {
    if (typeof event.seq === "number" && event.seq > seq) seq = event.seq;
  }
  return seq;
}

function parseEvent(data: string): FeedEvent | null {
  try {
    const value: unknown = JSON.parse(data);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
