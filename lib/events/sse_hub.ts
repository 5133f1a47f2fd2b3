/**
 * @module Fan-out of already-encoded events to every SSE client. Each frame is encoded once and
 * the same bytes go to every client: per-client `writeSSE` calls cost ~4× more (issue 7). Each
 * client has a bounded queue of frames it has not read yet; a client that stops reading and
 * passes the bound is cut off (its stream ends) instead of growing memory without limit, and
 * gets `reset` or a replay when it comes back. Keep-alive comments run only while clients do.
 */
import type { Logger } from "../log.ts";

/** How often a comment goes to every client so proxies keep idle streams open (SPEC §6). */
export const KEEP_ALIVE_MS = 15_000;

/** Unread bytes a client may have queued before it is cut off. */
export const MAX_QUEUE_BYTES = 4 * 1024 * 1024;

/** Unread frames a client may have queued before it is cut off (bounds per-frame overhead). */
export const MAX_QUEUE_FRAMES = 16_384;

const encoder = new TextEncoder();

/** One SSE event frame: `id: <seq>` (omitted when null) and `data: <json>`. */
export function encodeSseEvent(seq: number | null, json: string): Uint8Array {
  // JSON.stringify escapes newlines, so the data always fits on one `data:` line.
  return encoder.encode(
    seq === null ? `data: ${json}\n\n` : `id: ${seq}\ndata: ${json}\n\n`,
  );
}

/** One SSE comment frame, ignored by clients. */
export function encodeSseComment(text: string): Uint8Array {
  return encoder.encode(`: ${text}\n\n`);
}

const KEEP_ALIVE_FRAME = encodeSseComment("keep-alive");

/**
 * Most bytes joined into one read of a client that fell behind. Unbounded, each lagging client
 * copied its whole backlog (MBs) per read: with 200 clients that copying was 64 % of the server's
 * CPU and the copies, one per client, multiplied memory that the shared frames had saved.
 */
const MAX_CHUNK_BYTES = 64 * 1024;

/** Joined chunks are cut from slabs this big: a fresh small buffer per read costs µs each. */
const SLAB_BYTES = 256 * 1024;

/**
 * Where joined chunks are copied to: views into one buffer, a new one when it is full. A view
 * keeps its slab alive only while the server still writes it, so at most a slab per client
 * that is mid-write is held.
 */
class ChunkSlab {
  #slab = new Uint8Array(0);
  #used = 0;

  /** The frames `[start, end)` of `frames` (`bytes` long) as one chunk. */
  join(
    frames: Uint8Array[],
    start: number,
    end: number,
    bytes: number,
  ): Uint8Array {
    if (this.#used + bytes > this.#slab.length) {
      this.#slab = new Uint8Array(Math.max(SLAB_BYTES, bytes));
      this.#used = 0;
    }
    const out = this.#slab.subarray(this.#used, this.#used + bytes);
    this.#used += bytes;
    let offset = 0;
    for (let i = start; i < end; i++) {
      out.set(frames[i]!, offset);
      offset += frames[i]!.byteLength;
    }
    return out;
  }
}

/**
 * Bytes handed to clients' streams before the hub lets the event loop run other work. Deno
 * pumps a response stream in microtasks for as long as data is ready, so 1,000 readers behind a
 * flood kept the loop busy for the whole flood: a new request (`/healthz`) waited ~14 s. At
 * 256 KiB a turn `/healthz`'s p99 under that load was 310–390 ms, at 64 KiB 180–300 ms, with
 * deliveries to 50 and 200 readers unchanged (`deno task bench --only readers,fan-out`).
 */
export const BYTES_PER_TURN = 64 * 1024;

/**
 * What all clients may hand out in one turn of the event loop; refilled in the next. The next
 * turn is a message on a MessageChannel: it lets pending I/O run first, like a timer, but is not
 * clamped to 4 ms as a chain of `setTimeout(0)` is (which held 200 readers to 64 MB/s).
 *
 * Clients held back wait in one queue and are let go in arrival order, only while the refilled
 * turn has budget left: letting every waiter go at once made each turn call every one of 1,000
 * lagging readers (a closure and a promise each, nearly all of them held back again), and that
 * churn, mostly garbage collection, kept a new request waiting for hundreds of ms.
 */
class DeliveryBudget {
  #spent = 0;
  #limit: number;
  #waiting: (() => void)[] = [];
  /** Waiters before this index were let go already. */
  #head = 0;
  #channel: MessageChannel | undefined;
  #scheduled = false;
  #closed = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Spend `bytes` now if this turn has budget left; false = wait with {@linkcode whenAvailable}. */
  spend(bytes: number): boolean {
    if (this.#closed) return true;
    if (this.#spent >= this.#limit) return false;
    this.#spent += bytes;
    this.#scheduleRefill();
    return true;
  }

  /** Call `next` in a later turn that has budget for it (after those already waiting). */
  whenAvailable(next: () => void): void {
    if (this.#closed) return next();
    this.#waiting.push(next);
    this.#scheduleRefill();
  }

  /** Drop the channel; whoever waits is let go, and nothing waits from now on. */
  close(): void {
    this.#closed = true;
    this.#dropChannel();
    const waiting = this.#waiting.slice(this.#head);
    this.#waiting = [];
    this.#head = 0;
    for (const next of waiting) next();
  }

  #scheduleRefill(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    if (this.#channel === undefined) {
      const channel = new MessageChannel();
      // Kept until close(): the hub lives as long as the server does.
      channel.port1.onmessage = () => {
        this.#scheduled = false;
        this.#refill();
      };
      this.#channel = channel;
    }
    this.#channel.port2.postMessage(null);
  }

  #dropChannel(): void {
    this.#channel?.port1.close();
    this.#channel?.port2.close();
    this.#channel = undefined;
    this.#scheduled = false;
  }

  #refill(): void {
    this.#spent = 0;
    // Each waiter spends as it runs; one held back again queues at the end, which also stops
    // the loop (the budget is spent), so a turn's work is bounded by the budget, not the crowd.
    while (this.#head < this.#waiting.length && this.#spent < this.#limit) {
      this.#waiting[this.#head++]!();
    }
    if (this.#head >= this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    } else {
      if (this.#head >= 1024) {
        this.#waiting = this.#waiting.slice(this.#head);
        this.#head = 0;
      }
      this.#scheduleRefill();
    }
  }
}

/** Options for {@linkcode SseHub}. */
export interface SseHubOptions {
  log: Logger;
  keepAliveMs?: number;
  maxQueueBytes?: number;
  maxQueueFrames?: number;
  /** Bytes handed to clients per turn of the event loop. */
  bytesPerTurn?: number;
  /** Called when the last client has gone: what the readers held can be given back. */
  onEmpty?: () => void;
}

/** Options for {@linkcode SseHub.open}. */
export interface SseOpenOptions {
  /** Closes the client when aborted (the request's signal). */
  signal?: AbortSignal;
}

/** One connected client: its response body and what can be sent to it alone. */
export interface SseClient {
  /** The response body. */
  readonly stream: ReadableStream<Uint8Array>;
  readonly closed: boolean;
  /** Send an event to this client only (replay); later frames with seq ≤ this one are skipped. */
  sendEvent(seq: number, json: string): void;
  /** Send an already-encoded frame that carries no seq (a comment, `reset`). */
  sendFrame(frame: Uint8Array): void;
  /** End the stream now, dropping unread frames, and leave the hub. */
  close(): void;
}

/** The clients of `/events/stream` and the frames they all get. */
export class SseHub {
  #clients = new Set<HubClient>();
  #log: Logger;
  #keepAliveMs: number;
  #maxQueueBytes: number;
  #maxQueueFrames: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #cutOffs = 0;
  #slab = new ChunkSlab();
  #onEmpty: () => void;
  #budget: DeliveryBudget;

  constructor(options: SseHubOptions) {
    const { log, keepAliveMs = KEEP_ALIVE_MS } = options;
    const {
      maxQueueBytes = MAX_QUEUE_BYTES,
      maxQueueFrames = MAX_QUEUE_FRAMES,
    } = options;
    this.#log = log;
    this.#onEmpty = options.onEmpty ?? (() => {});
    this.#budget = new DeliveryBudget(options.bytesPerTurn ?? BYTES_PER_TURN);
    this.#keepAliveMs = keepAliveMs;
    this.#maxQueueBytes = maxQueueBytes;
    this.#maxQueueFrames = maxQueueFrames;
  }

  /**
   * Clients connected now. Only tests read it today (a client that leaves must leave the hub);
   * it stays as the hub's one observable figure for a health view.
   */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Clients cut off so far for not reading (read by tests: the slow-client bound holds). */
  get cutOffCount(): number {
    return this.#cutOffs;
  }

  /** Connect a client: it gets every frame published from now on. */
  open(options: SseOpenOptions = {}): SseClient {
    const { signal } = options;
    const onAbort = () => client.close();
    const client = new HubClient({
      maxBytes: this.#maxQueueBytes,
      maxFrames: this.#maxQueueFrames,
      slab: this.#slab,
      budget: this.#budget,
      onClose: (cutOff) => {
        this.#clients.delete(client);
        signal?.removeEventListener("abort", onAbort);
        if (cutOff) {
          this.#cutOffs++;
          this.#log.warn("Cut off an SSE client that stopped reading", {
            cut_offs: this.#cutOffs,
          });
        }
        if (this.#clients.size === 0) {
          this.#stopKeepAlive();
          // A fresh slab: the last one, and every client chunk cut from it, can be freed.
          this.#slab = new ChunkSlab();
          this.#onEmpty();
        }
      },
    });
    if (signal?.aborted) {
      client.close();
      return client;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#clients.add(client);
    if (this.#timer === undefined && this.#keepAliveMs > 0) {
      this.#timer = setInterval(
        () => this.#broadcast(KEEP_ALIVE_FRAME, 0),
        this.#keepAliveMs,
      );
    }
    return client;
  }

  /** Send one event to every client, encoded once. */
  publish(seq: number, json: string): void {
    if (this.#clients.size > 0) this.#broadcast(encodeSseEvent(seq, json), seq);
  }

  /** End every client's stream now, dropping unread frames (shutdown). */
  close(): void {
    for (const client of this.#clients) client.close();
    this.#stopKeepAlive();
    this.#budget.close();
  }

  #broadcast(frame: Uint8Array, seq: number): void {
    for (const client of this.#clients) client.offer(frame, seq);
  }

  #stopKeepAlive(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** A client's queue. Frames wait here, not in the stream, so a cut-off frees them at once. */
class HubClient implements SseClient {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #queue: Uint8Array[] = [];
  /** Frames before this index were handed out already. */
  #head = 0;
  #queuedBytes = 0;
  #reading = false;
  #waking = false;
  #lastSeq = 0;
  #closed = false;
  #maxBytes: number;
  #maxFrames: number;
  #slab: ChunkSlab;
  #budget: DeliveryBudget;
  #onClose: (cutOff: boolean) => void;

  constructor(options: {
    maxBytes: number;
    maxFrames: number;
    slab: ChunkSlab;
    budget: DeliveryBudget;
    onClose: (cutOff: boolean) => void;
  }) {
    this.#maxBytes = options.maxBytes;
    this.#maxFrames = options.maxFrames;
    this.#slab = options.slab;
    this.#budget = options.budget;
    this.#onClose = options.onClose;
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => void (this.#controller = controller),
      pull: () => this.#pull(),
      cancel: () => this.#end(false, false),
    }, { highWaterMark: 0 });
  }

  get closed(): boolean {
    return this.#closed;
  }

  sendEvent(seq: number, json: string): void {
    this.offer(encodeSseEvent(seq, json), seq);
  }

  sendFrame(frame: Uint8Array): void {
    this.offer(frame, 0);
  }

  /** Queue a frame; seq 0 = no seq. Frames at or below the last seq sent are duplicates. */
  offer(frame: Uint8Array, seq: number): void {
    if (this.#closed) return;
    if (seq !== 0) {
      if (seq <= this.#lastSeq) return;
      this.#lastSeq = seq;
    }
    if (this.#reading && this.#budget.spend(frame.byteLength)) {
      // The reader is already waiting: hand the frame over without queuing it.
      this.#reading = false;
      this.#controller.enqueue(frame);
      return;
    }
    this.#queue.push(frame);
    this.#queuedBytes += frame.byteLength;
    if (this.#reading) this.#wakeNextTurn();
    if (
      this.#queuedBytes > this.#maxBytes ||
      this.#queue.length - this.#head > this.#maxFrames
    ) this.#end(true, true);
  }

  close(): void {
    this.#end(false, true);
  }

  /** A waiting reader whose frame the budget held back gets it in the next turn. */
  #wakeNextTurn(): void {
    if (this.#waking) return;
    this.#waking = true;
    this.#budget.whenAvailable(() => {
      this.#waking = false;
      if (this.#reading && !this.#closed) {
        this.#reading = false;
        void this.#pull();
      }
    });
  }

  #pull(): void | Promise<void> {
    if (this.#closed) return;
    const queue = this.#queue;
    const head = this.#head;
    if (head >= queue.length) {
      this.#reading = true;
      return;
    }
    // Frames joined into one chunk (one write) when the client fell behind, up to a bound.
    let end = head + 1;
    let bytes = queue[head]!.byteLength;
    while (
      end < queue.length && bytes + queue[end]!.byteLength <= MAX_CHUNK_BYTES
    ) bytes += queue[end++]!.byteLength;
    if (!this.#budget.spend(bytes)) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#budget.whenAvailable(() => resolve(this.#pull()));
      return promise;
    }
    const chunk = end === head + 1
      ? queue[head]!
      : this.#slab.join(queue, head, end, bytes);
    this.#queuedBytes -= bytes;
    if (end >= queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (end >= 1024 && end * 2 >= queue.length) {
      // Drop what was handed out, now and then, so the array does not keep it all.
      this.#queue = queue.slice(end);
      this.#head = 0;
    } else {
      this.#head = end;
    }
    this.#controller.enqueue(chunk);
  }

  #end(cutOff: boolean, closeStream: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    if (closeStream) {
      try {
        this.#controller.close();
      } catch {
        // Already cancelled by the reader.
      }
    }
    this.#onClose(cutOff);
  }
}
