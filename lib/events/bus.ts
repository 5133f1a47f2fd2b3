/**
 * @module The event bus: every event passes here once. It stamps the seq, serializes the event
 * once (that text goes to SSE, the ring and the events table alike), keeps this boot's newest
 * events in memory for `Last-Event-ID` replay, tells subscribers synchronously, and writes the
 * rows in batches so a slow or broken disk never stalls the pump. Seqs resume across restarts:
 * blocks are reserved in the events file before they are used.
 */
import { type BusEvent, EVENTS_KEPT, type LiveEvent } from "../wire/events.ts";
import { noteEvent } from "./note_event.ts";
import {
  type EventRow,
  type EventStore,
  storedEventText,
} from "./event_store.ts";
import type { Logger } from "../log.ts";
import { errorMessage } from "../error_message.ts";
import type { StoreHealth } from "../sqlite/store_health.ts";
import type { SecretValues } from "../security/secret_values.ts";

/** How far ahead seqs are reserved in the events file. */
export const SEQ_BLOCK = 10_000;

/** Failed attempts at one batch before it is dropped, so a dead disk cannot grow memory. */
export const MAX_WRITE_ATTEMPTS = 3;

/** Called with each event and its JSON text, synchronously from `emit`. */
export type BusListener = (event: BusEvent, json: string) => void;

/** What `history()` returns: `seq` read first, then up to `limit` events' JSON, oldest first. */
export interface BusHistory {
  seq: number;
  events: string[];
}

/** Options for {@linkcode Bus}. */
export interface BusOptions {
  /** The events file; null runs with the in-memory ring only. */
  store: EventStore | null;
  health: StoreHealth;
  log: Logger;
  bootId?: string;
  now?: () => number;
  /** Longest a row waits before it is written; 0 = only `flush()` and `maxBatch` write. */
  flushIntervalMs?: number;
  /** Pending rows that force a write at once. */
  maxBatch?: number;
  /** Events of this boot kept in memory for replay. */
  ringCapacity?: number;
  /** Known secrets: replaced in every event before it is kept, stored or sent. */
  secrets?: SecretValues;
}

const STORE = "events";

/** Stamps, encodes, keeps, fans out and persists events. */
export class Bus {
  /** This process's boot, stored with every row. */
  readonly bootId: string;
  #store: EventStore | null;
  #health: StoreHealth;
  #log: Logger;
  #now: () => number;
  #flushIntervalMs: number;
  #maxBatch: number;
  #firstSeq: number;
  #seq: number;
  #reservedUpTo = 0;
  #ring: string[];
  #ringSize = 0;
  #pending: EventRow[] = [];
  #attempts = 0;
  #storeOk = true;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #listeners = new Set<BusListener>();
  #delivering = false;
  #deferred: [BusEvent, string][] = [];
  #dropped = 0;
  #secrets: SecretValues | undefined;

  constructor(options: BusOptions) {
    const { store, health, log, bootId = crypto.randomUUID(), now = Date.now } =
      options;
    const {
      flushIntervalMs = 50,
      maxBatch = 1024,
      ringCapacity = EVENTS_KEPT,
    } = options;
    this.bootId = bootId;
    this.#secrets = options.secrets;
    this.#store = store;
    this.#health = health;
    this.#log = log;
    this.#now = now;
    this.#flushIntervalMs = flushIntervalMs;
    this.#maxBatch = Math.max(1, maxBatch);
    this.#ring = new Array<string>(Math.max(1, ringCapacity));
    let last = 0;
    if (store) {
      try {
        this.#reservedUpTo = store.reservedSeq();
        last = Math.max(store.maxSeq(), this.#reservedUpTo);
      } catch (error) {
        // Without the file's figures seqs restart at 1; the boot_id still tells boots apart.
        health.failed(STORE, "read seq", error);
      }
    }
    this.#firstSeq = last + 1;
    this.#seq = last;
  }

  /** The seq of the newest event emitted, so clients can drop live events at or below it. */
  currentSeq(): number {
    return this.#seq;
  }

  /**
   * Events that could not be written and were dropped after retries. Each drop is also logged
   * and reported to StoreHealth (so `/api/state.stores` shows it); this count is what tests
   * check the drop against.
   */
  get droppedEvents(): number {
    return this.#dropped;
  }

  /** Stamp, encode, keep and publish one event. Never throws for a bad event: it becomes a note. */
  emit(event: LiveEvent): BusEvent {
    const seq = this.#seq + 1;
    if (seq > this.#reservedUpTo) this.#reserve(seq);
    let stamped = stamp(seq, event);
    let json: string;
    try {
      json = JSON.stringify(stamped);
    } catch (error) {
      // The Rust harness dropped such events silently and lost a whole kind; say what broke.
      stamped = stamp(
        seq,
        noteEvent(
          `Cannot serialize ${event.kind} event: ${errorMessage(error)}`,
        ),
      );
      json = JSON.stringify(stamped);
    }
    if (this.#secrets !== undefined && this.#secrets.size > 0) {
      // The one choke point: a key claude printed (a Bash `env`) leaves here redacted, for the
      // ring, the events file, SSE and every listener alike.
      const clean = this.#secrets.redact(json);
      if (clean !== json) {
        json = clean;
        stamped = JSON.parse(clean) as BusEvent;
      }
    }
    this.#seq = seq;
    this.#ring[(seq - this.#firstSeq) % this.#ring.length] = json;
    this.#ringSize = Math.min(this.#ringSize + 1, this.#ring.length);
    this.#publish(stamped, json);
    if (this.#store) {
      this.#queue({
        ts: Math.floor(this.#now() / 1000),
        kind: stamped.kind,
        payload_json: json,
        seq,
        boot_id: this.bootId,
      });
    }
    return stamped;
  }

  /** Listen to every event from now on; returns the unsubscribe. */
  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /**
   * This boot's events after `seq`, oldest first, or null when the ring cannot give exactly the
   * missing ones (an id of another boot, newer than now, or older than the ring). Seqs of one boot
   * are contiguous, so entry `i` has seq `seq + 1 + i`.
   */
  replaySince(seq: number): string[] | null {
    const oldest = this.#seq - this.#ringSize + 1;
    if (
      !Number.isInteger(seq) || seq < this.#firstSeq || seq > this.#seq ||
      seq < oldest - 1
    ) return null;
    return this.#ringSlice(this.#seq - seq);
  }

  /**
   * The newest `limit` events, oldest first: this boot's from the ring (which also holds rows not
   * yet written or dropped by a failing disk), earlier ones from the events file as stored text.
   */
  history(limit: number = EVENTS_KEPT): BusHistory {
    if (!Number.isInteger(limit) || limit < 1 || limit > EVENTS_KEPT) {
      throw new RangeError(
        `Cannot read history: limit must be an integer 1..${EVENTS_KEPT}, got ${limit}`,
      );
    }
    const seq = this.#seq;
    const fromRing = this.#ringSlice(Math.min(limit, this.#ringSize));
    if (fromRing.length === limit || !this.#store) {
      return { seq, events: fromRing };
    }
    const ringFirst = seq - fromRing.length + 1;
    const older: string[] = [];
    try {
      for (const row of this.#store.recent(limit)) {
        if (
          row.boot_id === this.bootId && row.seq !== null &&
          row.seq >= ringFirst
        ) continue;
        const text = storedEventText(row);
        if (text !== null) older.push(text);
      }
    } catch (error) {
      this.#storeOk = false;
      this.#health.failed(STORE, "read history", error);
    }
    // Rows of this boot older than the ring that are still waiting to be written.
    for (const row of this.#pending) {
      if (row.seq !== null && row.seq < ringFirst) older.push(row.payload_json);
    }
    const events = older.concat(fromRing);
    return {
      seq,
      events: events.length > limit
        ? events.slice(events.length - limit)
        : events,
    };
  }

  /** Write every pending row now. A failure is counted in health; the rows are retried later. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#store || this.#pending.length === 0) return;
    const batch = this.#pending;
    try {
      this.#store.appendBatch(batch);
      this.#pending = [];
      this.#attempts = 0;
      if (!this.#storeOk) this.#recovered();
    } catch (error) {
      this.#storeOk = false;
      this.#health.failed(STORE, "append events", error);
      if (++this.#attempts >= MAX_WRITE_ATTEMPTS) {
        this.#dropped += batch.length;
        this.#pending = [];
        this.#attempts = 0;
        this.#log.warn("Dropped events the events store could not take", {
          count: batch.length,
          dropped: this.#dropped,
        });
      } else {
        this.#schedule();
      }
    }
  }

  /** Write what is pending and stop the timer; emits after this wait for an explicit `flush()`. */
  close(): void {
    this.#closed = true;
    this.flush();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #queue(row: EventRow): void {
    this.#pending.push(row);
    if (this.#pending.length >= this.#maxBatch) this.flush();
    else this.#schedule();
  }

  #schedule(): void {
    if (
      this.#timer !== undefined || this.#closed || this.#flushIntervalMs <= 0
    ) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#flushIntervalMs);
  }

  /** Reserve a block before crossing the reservation, so a restart starts above this seq. */
  #reserve(seq: number): void {
    // Move on even when the write fails: retrying on every emit would stall the pump.
    this.#reservedUpTo = seq - 1 + SEQ_BLOCK;
    if (!this.#store) return;
    try {
      this.#store.reserveSeq(this.#reservedUpTo);
    } catch (error) {
      this.#storeOk = false;
      this.#health.failed(STORE, "reserve seq", error);
    }
  }

  #recovered(): void {
    this.#storeOk = true;
    try {
      // The reservation may have missed the file while it failed (or the file is new).
      this.#store?.reserveSeq(this.#reservedUpTo);
      this.#health.succeeded(STORE);
    } catch (error) {
      this.#storeOk = false;
      this.#health.failed(STORE, "reserve seq", error);
    }
  }

  #publish(event: BusEvent, json: string): void {
    // An event emitted by a listener waits its turn, so every listener sees seqs in order.
    this.#deferred.push([event, json]);
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (
        let next = this.#deferred.shift();
        next;
        next = this.#deferred.shift()
      ) {
        for (const listener of this.#listeners) {
          try {
            listener(next[0], next[1]);
          } catch (error) {
            this.#log.error("Event listener failed", {
              seq: next[0].seq,
              error: errorMessage(error),
            });
          }
        }
      }
    } finally {
      this.#delivering = false;
    }
  }

  #ringSlice(count: number): string[] {
    const out = new Array<string>(count);
    const capacity = this.#ring.length;
    for (let i = 0; i < count; i++) {
      out[i] = this
        .#ring[(this.#seq - count + 1 + i - this.#firstSeq) % capacity]!;
    }
    return out;
  }
}

function stamp(seq: number, event: LiveEvent): BusEvent {
  // seq first in the JSON text, and the bus's seq wins over any the event carries.
  const stamped = { seq, ...event } as BusEvent;
  stamped.seq = seq;
  return stamped;
}
