/**
 * @module Fan-out of already-encoded events to every SSE client. Each frame is encoded once and
 * the same bytes go to every client: per-client `writeSSE` calls cost ~4× more (issue 7). The hub
 * keeps each frame once, in one log every client reads with a cursor of its own; a client that
 * stops reading and falls more than a bound behind is cut off (its stream ends) instead of
 * holding memory without limit, and gets `reset` or a replay when it comes back. Keep-alive
 * comments run only while clients do.
 */
import type { Logger } from "../log.ts";

/** How often a comment goes to every client so proxies keep idle streams open (SPEC §6). */
export const KEEP_ALIVE_MS = 15_000;

/**
 * Unread bytes a client may fall behind before it is cut off. The hub looks once a quarter more
 * than this has been published, so a client is cut off between 1× and 1.25× this far behind.
 */
export const MAX_QUEUE_BYTES = 4 * 1024 * 1024;

/** Unread frames a client may fall behind before it is cut off (bounds per-frame overhead). */
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

/** Most bytes handed to a lagging client in one read (one write to its socket). */
const MAX_CHUNK_BYTES = 64 * 1024;

/**
 * Published frames are copied into segments this big, so a lagging client's read is a view. A
 * view keeps its whole segment alive while its write is pending, so a segment is one read's size:
 * 1,000 readers mid-write hold at most 64 MB of segments, not 256 MB.
 */
const SEGMENT_BYTES = 64 * 1024;

/**
 * Every frame published while clients are connected, once, in order: clients keep a cursor into
 * it instead of a queue of their own. Publishing is one copy whatever the number of clients, and a
 * lagging client's read is a view of frames that lie next to each other in a segment.
 *
 * Before, each client queued every frame: with 1,000 lagging readers a flood made 1,000 array
 * pushes per event and a 64 KiB copy per read, and that work and its garbage kept `/healthz`
 * waiting for hundreds of ms.
 */
class FrameLog {
  /** The absolute index of `#frames[0]`. */
  #first = 0;
  #frames: Uint8Array[] = [];
  #seqs: number[] = [];
  /** Absolute byte offset of each frame's start. */
  #offsets: number[] = [];
  #endBytes = 0;
  #segment = new Uint8Array(0);
  #segmentUsed = 0;
  /** The newest non-zero seq published, and its absolute index. */
  #lastSeq = 0;
  #lastSeqAt = -1;

  /** The absolute index the next frame gets. */
  get end(): number {
    return this.#first + this.#frames.length;
  }

  get first(): number {
    return this.#first;
  }

  /** Bytes from frame `at` (absolute) to the end. */
  bytesFrom(at: number): number {
    const index = at - this.#first;
    return index >= this.#frames.length
      ? 0
      : this.#endBytes - this.#offsets[index]!;
  }

  /** Bytes held from the oldest frame kept to the end. */
  get retainedBytes(): number {
    return this.bytesFrom(this.#first);
  }

  get retainedFrames(): number {
    return this.#frames.length;
  }

  /** The newest seq published at or after absolute index `at`, 0 when none was. */
  lastSeqSince(at: number): number {
    return this.#lastSeqAt >= at ? this.#lastSeq : 0;
  }

  seqAt(at: number): number {
    return this.#seqs[at - this.#first]!;
  }

  frameAt(at: number): Uint8Array {
    return this.#frames[at - this.#first]!;
  }

  append(frame: Uint8Array, seq: number): void {
    const bytes = frame.byteLength;
    if (this.#segmentUsed + bytes > this.#segment.length) {
      this.#segment = new Uint8Array(Math.max(SEGMENT_BYTES, bytes));
      this.#segmentUsed = 0;
    }
    const view = this.#segment.subarray(
      this.#segmentUsed,
      this.#segmentUsed + bytes,
    );
    view.set(frame);
    this.#segmentUsed += bytes;
    if (seq !== 0) {
      this.#lastSeq = seq;
      this.#lastSeqAt = this.end;
    }
    this.#frames.push(view);
    this.#seqs.push(seq);
    this.#offsets.push(this.#endBytes);
    this.#endBytes += bytes;
  }

  /**
   * Frames `[from, until)` as one chunk: as many as lie next to each other in one segment, up to
   * `maxBytes` (at least one). A single frame is handed out as the very view every client gets.
   */
  chunk(
    from: number,
    until: number,
    maxBytes: number,
  ): { chunk: Uint8Array; next: number } {
    const frames = this.#frames;
    const start = from - this.#first;
    const stop = until - this.#first;
    const head = frames[start]!;
    let bytes = head.byteLength;
    let index = start + 1;
    while (index < stop) {
      const frame = frames[index]!;
      if (
        frame.buffer !== head.buffer || bytes + frame.byteLength > maxBytes
      ) break;
      bytes += frame.byteLength;
      index++;
    }
    const chunk = index === start + 1
      ? head
      : new Uint8Array(head.buffer, head.byteOffset, bytes);
    return { chunk, next: index + this.#first };
  }

  /** Forget frames before absolute index `at` (every client is past them). */
  trimTo(at: number): void {
    const drop = Math.min(at - this.#first, this.#frames.length);
    if (drop <= 0) return;
    this.#frames = this.#frames.slice(drop);
    this.#seqs = this.#seqs.slice(drop);
    this.#offsets = this.#offsets.slice(drop);
    this.#first += drop;
  }

  /** Forget everything, segment included (the last client left). */
  clear(): void {
    this.trimTo(this.end);
    this.#segment = new Uint8Array(0);
    this.#segmentUsed = 0;
  }
}

/**
 * Bytes handed to clients' streams before the hub lets the event loop run other work. Deno
 * pumps a response stream in microtasks for as long as data is ready, so 1,000 readers behind a
 * flood kept the loop busy for the whole flood: a new request (`/healthz`) waited ~14 s. At
 * 256 KiB a turn `/healthz`'s p99 under that load was 310–390 ms, at 64 KiB 180–300 ms, with
 * deliveries to 50 and 200 readers unchanged (`deno task bench --only readers,fan-out`); with
 * the shared frame log instead of a queue per client, 40–70 ms.
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
  /** Clients whose reader waits for the next frame. */
  #waiting = new Set<HubClient>();
  #log: Logger;
  #keepAliveMs: number;
  #maxQueueBytes: number;
  #maxQueueFrames: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #cutOffs = 0;
  #frames = new FrameLog();
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
      frames: this.#frames,
      maxBytes: this.#maxQueueBytes,
      maxFrames: this.#maxQueueFrames,
      budget: this.#budget,
      onWaiting: () => this.#waiting.add(client),
      onClose: (cutOff) => {
        this.#clients.delete(client);
        this.#waiting.delete(client);
        signal?.removeEventListener("abort", onAbort);
        if (cutOff) {
          this.#cutOffs++;
          this.#log.warn("Cut off an SSE client that stopped reading", {
            cut_offs: this.#cutOffs,
          });
        }
        if (this.#clients.size === 0) {
          this.#stopKeepAlive();
          // Nobody reads: every frame, and the segment they were copied to, can be freed.
          this.#frames.clear();
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
    if (this.#clients.size === 0) return;
    this.#frames.append(frame, seq);
    if (this.#waiting.size > 0) {
      // A fresh set: a client that still has nothing to read joins it again as it is woken.
      const waiting = this.#waiting;
      this.#waiting = new Set();
      for (const client of waiting) client.wake();
    }
    const frames = this.#frames;
    if (
      frames.retainedBytes > this.#maxQueueBytes * 1.25 ||
      frames.retainedFrames > this.#maxQueueFrames * 1.25
    ) this.#sweep();
  }

  /**
   * Cut off the clients more than the bound behind and forget the frames every other client is
   * past. It runs once the log holds a quarter more than one client may lag, so its cost (a look
   * at each client) comes once per quarter of the bound published, not once per frame.
   */
  #sweep(): void {
    let oldest = this.#frames.end;
    for (const client of [...this.#clients]) {
      if (client.overBound()) client.cutOff();
      else oldest = Math.min(oldest, client.cursor);
    }
    this.#frames.trimTo(oldest);
  }

  #stopKeepAlive(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** A frame sent to one client alone, due once its cursor reaches `at`. */
interface OwnFrame {
  frame: Uint8Array;
  seq: number;
  at: number;
}

/**
 * One client: a cursor into the hub's frames plus the few frames sent to it alone (the hello, a
 * replay, `reset`), each in its place among the shared ones. Nothing is queued per published
 * frame, so a cut-off or a slow client costs the hub nothing per event.
 */
class HubClient implements SseClient {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #frames: FrameLog;
  /** The next shared frame to hand out (absolute index). */
  #cursor: number;
  /** Where the client joined: seqs published since count as sent to it. */
  #joinedAt: number;
  #own: OwnFrame[] = [];
  #ownHead = 0;
  #ownBytes = 0;
  /** The newest seq sent to this client alone. */
  #ownSeq = 0;
  /** Shared frames at or below this seq are skipped: the client got them by replay. */
  #skipThroughSeq = 0;
  #skipping = false;
  #reading = false;
  #waking = false;
  #closed = false;
  #maxBytes: number;
  #maxFrames: number;
  #budget: DeliveryBudget;
  #onWaiting: () => void;
  #onClose: (cutOff: boolean) => void;

  constructor(options: {
    frames: FrameLog;
    maxBytes: number;
    maxFrames: number;
    budget: DeliveryBudget;
    onWaiting: () => void;
    onClose: (cutOff: boolean) => void;
  }) {
    this.#frames = options.frames;
    this.#cursor = this.#joinedAt = options.frames.end;
    this.#maxBytes = options.maxBytes;
    this.#maxFrames = options.maxFrames;
    this.#budget = options.budget;
    this.#onWaiting = options.onWaiting;
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

  /** The next shared frame this client needs. */
  get cursor(): number {
    return this.#cursor;
  }

  sendEvent(seq: number, json: string): void {
    // A seq at or below one already sent (or published since the client joined) is a duplicate.
    const sent = Math.max(
      this.#ownSeq,
      this.#frames.lastSeqSince(this.#joinedAt),
    );
    if (this.#closed || seq <= sent) return;
    this.#ownSeq = seq;
    this.#sendOwn(encodeSseEvent(seq, json), seq);
  }

  sendFrame(frame: Uint8Array): void {
    if (!this.#closed) this.#sendOwn(frame, 0);
  }

  close(): void {
    this.#end(false, true);
  }

  /** More unread than the bound allows. */
  overBound(): boolean {
    const ownFrames = this.#own.length - this.#ownHead;
    return this.#frames.bytesFrom(this.#cursor) + this.#ownBytes >
        this.#maxBytes ||
      this.#frames.end - this.#cursor + ownFrames > this.#maxFrames;
  }

  cutOff(): void {
    this.#end(true, true);
  }

  /** A frame was published while the reader waited. */
  wake(): void {
    if (!this.#reading || this.#closed) return;
    this.#reading = false;
    const outcome = this.#next();
    if (outcome === "held") {
      this.#reading = true;
      this.#wakeNextTurn();
    } else if (outcome === "empty") {
      // Only frames the client had by replay came: it still waits.
      this.#reading = true;
      this.#onWaiting();
    }
  }

  #sendOwn(frame: Uint8Array, seq: number): void {
    this.#own.push({ frame, seq, at: this.#frames.end });
    this.#ownBytes += frame.byteLength;
    if (this.overBound()) return this.cutOff();
    this.wake();
  }

  /** A waiting reader whose frame the budget held back gets it in a later turn. */
  #wakeNextTurn(): void {
    if (this.#waking) return;
    this.#waking = true;
    this.#budget.whenAvailable(() => {
      this.#waking = false;
      this.wake();
    });
  }

  #pull(): void | Promise<void> {
    if (this.#closed) return;
    const outcome = this.#next();
    if (outcome === "held") {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#budget.whenAvailable(() => resolve(this.#pull()));
      return promise;
    }
    if (outcome === "empty") {
      this.#reading = true;
      this.#onWaiting();
    }
  }

  /**
   * Hand the reader its next chunk: the shared frames up to the next frame of its own, or that
   * frame. "held" when this turn's budget is spent, "empty" when there is nothing to send.
   */
  #next(): "sent" | "held" | "empty" {
    const frames = this.#frames;
    const own = this.#own[this.#ownHead];
    const until = own === undefined ? frames.end : Math.min(own.at, frames.end);
    // After a replay, shared frames the replay already carried are passed over.
    while (this.#skipping && this.#cursor < until) {
      const seq = frames.seqAt(this.#cursor);
      if (seq > this.#skipThroughSeq) this.#skipping = false;
      else this.#cursor++;
    }
    if (this.#cursor < until) {
      const { chunk, next } = frames.chunk(
        this.#cursor,
        until,
        MAX_CHUNK_BYTES,
      );
      if (!this.#budget.spend(chunk.byteLength)) return "held";
      this.#cursor = next;
      this.#controller.enqueue(chunk);
      return "sent";
    }
    if (own === undefined) return "empty";
    if (!this.#budget.spend(own.frame.byteLength)) return "held";
    this.#ownHead++;
    this.#ownBytes -= own.frame.byteLength;
    if (this.#ownHead === this.#own.length) {
      this.#own = [];
      this.#ownHead = 0;
    }
    if (own.seq > this.#skipThroughSeq) {
      this.#skipThroughSeq = own.seq;
      this.#skipping = true;
    }
    this.#controller.enqueue(own.frame);
    return "sent";
  }

  #end(cutOff: boolean, closeStream: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#own = [];
    this.#ownHead = 0;
    this.#ownBytes = 0;
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
