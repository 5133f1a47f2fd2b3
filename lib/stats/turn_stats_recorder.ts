/**
 * @module Best-effort turn-stats recording for the turn loop: {@linkcode TurnStatsRecorder}
 * never throws and never waits longer than a short busy timeout, yet is never silent. A failed
 * write (locked, read-only, full, deleted, corrupt file) goes to {@linkcode StoreHealth} (logged
 * once per cause, counted, shown in `/api/state.stores`), the connection is dropped so the next
 * write reopens the file, and the row waits in a small bounded queue that is retried, oldest
 * first, at every later call: rows land once the file is fixed.
 */
import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "../log.ts";
import { openDatabase } from "../sqlite/open.ts";
import type { StoreHealth } from "../sqlite/store_health.ts";
import type {
  StoredTurnStatsRow,
  TurnStart,
  TurnStatsRow,
} from "./turn_stats_row.ts";
import {
  changeOnDisk,
  checkIntegrity,
  fileIdentity,
} from "../sqlite/file_check.ts";
import {
  TURN_STATS_MIGRATIONS,
  type TurnStatsListQuery,
  type TurnStatsReader,
  TurnStatsStore,
} from "./turn_stats_store.ts";

/** The store's name in `/api/state.stores`. */
export const TURN_STATS_STORE = "turn_stats";

/** Options of {@linkcode TurnStatsRecorder}. */
export interface TurnStatsRecorderOptions {
  health: StoreHealth;
  log: Logger;
  /** How long a write waits for another writer's lock (default 150 ms: a turn never stalls). */
  busyTimeoutMs?: number;
  /** How many unwritten rows are kept for retry (default 100); the oldest go first. */
  queueCapacity?: number;
  now?: () => number;
  /** Called for every row that lands: at once, after a retry, or recovered at start. */
  onRecorded?: (row: StoredTurnStatsRow) => void;
}

/** What {@linkcode TurnStatsRecorder.beginTurn} hands back, to give to `record`. */
export interface TurnTicket {
  /** The `turn_in_progress` marker, or null when it could not be written. */
  readonly marker: number | null;
  /** Which file the marker is in (device and inode). */
  readonly file: string | null;
}

/** The ticket of a turn whose start could not be marked: its row is recorded all the same. */
export const NO_TICKET: TurnTicket = Object.freeze({
  marker: null,
  file: null,
});

/** Where the turn loop records its turns; {@linkcode TurnStatsRecorder} is one. Never throws. */
export interface TurnStatsSink {
  /** Note that a turn started, so a crash mid-turn is recorded at the next start. */
  beginTurn(start: TurnStart): TurnTicket;
  /** Record a finished turn's row (ending its marker); the stored row, if it landed. */
  record(row: TurnStatsRow, ticket: TurnTicket): { id: number } | null;
}

interface Pending {
  row: TurnStatsRow;
  ticket: TurnTicket | null;
  stored?: StoredTurnStatsRow;
}

/** Records rows for the turn loop without ever failing it; also reads them back. */
export class TurnStatsRecorder implements TurnStatsReader, TurnStatsSink {
  #path: string;
  #health: StoreHealth;
  #log: Logger;
  #busyTimeoutMs: number;
  #capacity: number;
  #now: () => number;
  #onRecorded: (row: StoredTurnStatsRow) => void;
  // A fresh owner per process: markers of any other owner are a dead process's turns.
  #owner = crypto.randomUUID();
  #db: DatabaseSync | null = null;
  #store: TurnStatsStore | null = null;
  #file: string | null = null;
  #recovered = false;
  #suspect = false;
  #queue: Pending[] = [];

  constructor(path: string, options: TurnStatsRecorderOptions) {
    this.#path = path;
    this.#health = options.health;
    this.#log = options.log;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 150;
    this.#capacity = options.queueCapacity ?? 100;
    this.#now = options.now ?? Date.now;
    this.#onRecorded = options.onRecorded ?? (() => {});
    this.#health.register(TURN_STATS_STORE, path);
  }

  /** Rows waiting to be retried. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Open the file and record turns a dead process left unfinished; returns those rows. */
  start(): StoredTurnStatsRow[] {
    const recovered: StoredTurnStatsRow[] = [];
    try {
      this.#ensure(recovered);
    } catch (error) {
      this.#fail("open the file", error);
    }
    return recovered;
  }

  /** Mark a turn as under way, so a crash leaves a trace; never throws. */
  beginTurn(start: TurnStart): TurnTicket {
    // Retry waiting rows first; if that failed, the file is still broken: don't wait twice.
    this.flush();
    if (this.#queue.length > 0) return NO_TICKET;
    try {
      const marker = this.#ensure().beginTurn(start);
      this.#health.succeeded(TURN_STATS_STORE);
      return { marker, file: this.#file };
    } catch (error) {
      this.#fail("mark a turn as started", error);
      return NO_TICKET;
    }
  }

  /** Record a finished turn (ending its marker); the stored row, or null when it must wait. */
  record(
    row: TurnStatsRow,
    ticket: TurnTicket | null = null,
  ): StoredTurnStatsRow | null {
    const entry: Pending = { row, ticket };
    this.#queue.push(entry);
    if (this.#queue.length > this.#capacity) {
      this.#queue.shift();
      this.#health.failed(
        TURN_STATS_STORE,
        "keep a turn for retry",
        new Error(
          `retry queue is full (${this.#capacity} rows): dropped the oldest`,
        ),
      );
    }
    this.flush();
    return entry.stored ?? null;
  }

  /** Retry waiting rows, oldest first; returns how many landed. Never throws. */
  flush(): number {
    if (this.#queue.length === 0) return 0;
    let landed = 0;
    try {
      const store = this.#ensure();
      for (let entry = this.#queue[0]; entry; entry = this.#queue[0]) {
        const id = store.record(entry.row, this.#markerIn(entry.ticket));
        this.#queue.shift();
        entry.stored = { id, ...entry.row };
        landed++;
        this.#notify(entry.stored);
      }
      this.#health.succeeded(TURN_STATS_STORE);
    } catch (error) {
      this.#fail("record a turn", error);
    }
    return landed;
  }

  /** Rows newest first; throws when the file cannot be read. */
  list(query: TurnStatsListQuery = {}): StoredTurnStatsRow[] {
    return this.#ensure().list(query);
  }

  /** Rows with `from <= ended_at < until`, oldest first; throws when unreadable. */
  range(from: number, until: number): StoredTurnStatsRow[] {
    return this.#ensure().range(from, until);
  }

  /** Rows after an id, by id; throws when unreadable. */
  after(afterId: number, since: number, limit: number): StoredTurnStatsRow[] {
    return this.#ensure().after(afterId, since, limit);
  }

  /** The largest id ever stored; throws when unreadable. */
  maxId(): number {
    return this.#ensure().maxId();
  }

  /** Try once more to write waiting rows, then close; rows still waiting are logged as lost. */
  close(): void {
    this.flush();
    if (this.#queue.length > 0) {
      this.#log.error("Losing turn-stats rows that could not be written", {
        store: TURN_STATS_STORE,
        path: this.#path,
        rows: this.#queue.length,
      });
      this.#queue = [];
    }
    this.#close();
  }

  #ensure(recovered: StoredTurnStatsRow[] = []): TurnStatsStore {
    const store = this.#open();
    // Retried on every use until it commits: a lock at start must not lose the markers.
    if (!this.#recovered) this.#recover(store, recovered);
    return store;
  }

  #open(): TurnStatsStore {
    if (this.#store !== null) {
      const change = changeOnDisk(this.#path, this.#file);
      if (change === null) return this.#store;
      // Closing first lets sqlite fold and remove the old -wal, so the new file starts clean.
      this.#close();
      this.#suspect = true;
      this.#health.failed(
        TURN_STATS_STORE,
        "keep the file open",
        new Error(change),
      );
    }
    const db = openDatabase(this.#path, TURN_STATS_MIGRATIONS, {
      busyTimeoutMs: this.#busyTimeoutMs,
    });
    try {
      // Once the file has been seen to change under us, check it before trusting it.
      if (this.#suspect) checkIntegrity(db);
      this.#store = new TurnStatsStore(db, { owner: this.#owner });
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    this.#suspect = false;
    this.#file = fileIdentity(this.#path);
    return this.#store;
  }

  #recover(store: TurnStatsStore, recovered: StoredTurnStatsRow[]): void {
    try {
      const rows = store.recoverInterrupted(Math.floor(this.#now() / 1000));
      this.#recovered = true;
      if (rows.length > 0) {
        this.#log.warn("Recorded turns a previous process left unfinished", {
          store: TURN_STATS_STORE,
          rows: rows.length,
        });
      }
      for (const row of rows) this.#notify(row);
      recovered.push(...rows);
    } catch (error) {
      // The markers stay until a recovery commits.
      this.#health.failed(TURN_STATS_STORE, "recover interrupted turns", error);
    }
  }

  #markerIn(ticket: TurnTicket | null): number | null {
    // A marker in a file since replaced is gone with it; its id could name another marker.
    return ticket?.file === this.#file && ticket.file !== null
      ? ticket.marker
      : null;
  }

  #notify(row: StoredTurnStatsRow): void {
    try {
      this.#onRecorded(row);
    } catch (error) {
      this.#log.error("turn_stats onRecorded callback failed", { error });
    }
  }

  #fail(action: string, error: unknown): void {
    this.#health.failed(TURN_STATS_STORE, action, error);
    // Reopen next time: a read-only fallback or a corrupted handle does not heal in place.
    this.#close();
  }

  #close(): void {
    try {
      this.#db?.close();
    } catch {
      // Nothing more to lose: the handle is dropped either way.
    }
    this.#db = null;
    this.#store = null;
    this.#file = null;
  }
}
