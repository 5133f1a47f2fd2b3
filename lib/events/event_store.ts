/**
 * @module The events table of `hyperhive-events.sqlite` (SPEC §3, §5): the newest events of every
 * boot, each row holding the event's JSON exactly as it went over SSE, so history can splice the
 * stored text instead of parsing it again. It adopts a file written by the Rust harness (same
 * table, `user_version` 0) by adding the `seq` / `boot_id` columns, and keeps the seq reservation
 * in a `meta` table so a restarted process starts above any seq its predecessor could have used.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Migration } from "../sqlite/migrate.ts";
import { EVENTS_KEPT } from "../wire/events.ts";

/**
 * Longest time between WAL checkpoints while events are written, in ms. sqlite's own
 * checkpoint every 1000 WAL pages made the pump pay a checkpoint (two fsyncs, ~1000 pages
 * copied) every ~1000 events; the table holds only 2000 rows, so one checkpoint a second copies
 * at most the whole (small) file. It also bounds what a power cut can take with
 * `synchronous=NORMAL`, where WAL frames reach the disk only at a checkpoint, to about this long.
 */
export const CHECKPOINT_INTERVAL_MS = 1000;

/** The schema steps of the events file, for `openDatabase(path, EVENT_STORE_MIGRATIONS)`. */
export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name:
      "events table (adopting the Rust harness's) with seq, boot_id and the seq reservation",
    sql: [
      // The Rust harness's DDL, verbatim: it created the table with no user_version, so a file
      // of its own is at version 0 and comes through here with its rows.
      `CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload_json TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS idx_events_ts ON events (ts);`,
      // Nullable: rows written by the Rust harness have neither.
      {
        table: "events",
        column: "seq",
        sql: "ALTER TABLE events ADD COLUMN seq INTEGER",
      },
      {
        table: "events",
        column: "boot_id",
        sql: "ALTER TABLE events ADD COLUMN boot_id TEXT",
      },
      `CREATE INDEX IF NOT EXISTS idx_events_seq ON events (seq);
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);`,
    ],
  },
  {
    version: 2,
    name:
      "drop idx_events_seq: it only served MAX(seq) over at most 2000 rows at start",
    // The bench measured it at 28–45 % of the store's write time; a scan of the kept window at
    // start costs nothing in comparison.
    sql: "DROP INDEX IF EXISTS idx_events_seq;",
  },
];

/** One row to append. `ts` is unix seconds, as the Rust harness wrote it. */
export interface EventRow {
  ts: number;
  kind: string;
  /** The event's JSON text, `{"seq":N,"kind":...}`. */
  "payload_json": string;
  /** Null only on rows the Rust harness wrote. */
  seq: number | null;
  "boot_id": string | null;
}

/** A row as read back, with its rowid. */
export interface StoredEvent extends EventRow {
  id: number;
}

/** How to open the file again after it was deleted or replaced under the store. */
export interface EventStoreReopen {
  path: string;
  open: () => DatabaseSync;
}

/** Options for {@linkcode EventStore}. */
export interface EventStoreOptions {
  /** Rows kept after each append; older ones are trimmed. */
  capacity?: number;
  /**
   * The file behind the database, and how to reopen it. In WAL mode sqlite goes on writing into a
   * deleted file without an error (everything lost at restart), so with this the store checks
   * the file before each batch, reports the loss once and writes to a fresh file.
   */
  reopen?: EventStoreReopen;
  /** Monotonic clock in ms, for the checkpoint interval. */
  monotonic?: () => number;
}

interface ReturnArrays {
  setReturnArrays(enabled: boolean): void;
}

type StoredTuple = [
  number,
  number,
  string,
  string,
  number | null,
  string | null,
];

const RESERVED_SEQ_KEY = "seq_reserved";

/** The events table and the seq reservation of one events file. */
export class EventStore {
  #db!: DatabaseSync;
  #capacity: number;
  #reopen: EventStoreReopen | undefined;
  #fileId: string | null = null;
  #fileGone = false;
  #begin!: StatementSync;
  #commit!: StatementSync;
  #rollback!: StatementSync;
  #insert!: StatementSync;
  #trim!: StatementSync;
  #recent!: StatementSync;
  #recentArrays = false;
  #maxSeq!: StatementSync;
  #reserve!: StatementSync;
  #reserved!: StatementSync;
  #checkpoint!: StatementSync;
  #monotonic: () => number;
  #lastCheckpoint = -Infinity;
  #checkpointFailures = 0;
  #lastCheckpointError: unknown = undefined;

  constructor(db: DatabaseSync, options: EventStoreOptions = {}) {
    const {
      capacity = EVENTS_KEPT,
      reopen,
      monotonic = () => performance.now(),
    } = options;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create event store: capacity must be a positive integer, got ${capacity}`,
      );
    }
    this.#capacity = capacity;
    this.#reopen = reopen;
    this.#monotonic = monotonic;
    this.#use(db);
  }

  /** Append rows in one transaction, then trim the table to the newest `capacity` rows. */
  appendBatch(rows: readonly EventRow[]): void {
    if (rows.length === 0) return;
    this.#checkFile();
    this.#begin.run();
    try {
      for (const row of rows) {
        this.#insert.run(
          row.ts,
          row.kind,
          row.payload_json,
          row.seq,
          row.boot_id,
        );
      }
      this.#trim.run(this.#capacity);
      this.#commit.run();
    } catch (error) {
      try {
        this.#rollback.run();
      } catch {
        // No transaction left to roll back (sqlite already did); the real cause is rethrown.
      }
      throw error;
    }
    const now = this.#monotonic();
    if (now - this.#lastCheckpoint >= CHECKPOINT_INTERVAL_MS) {
      this.#lastCheckpoint = now;
      try {
        // PASSIVE: never waits for a reader; what a reader holds is copied at the next one.
        this.#checkpoint.get();
      } catch (error) {
        // The rows are committed: throwing now would make the caller write them again. Counted
        // here; the next interval tries again, and a disk that is really gone fails the next
        // append, which the caller reports.
        this.#checkpointFailures++;
        this.#lastCheckpointError = error;
      }
    }
  }

  /**
   * Checkpoints that failed after their batch was committed (retried at the next interval). No
   * caller reads it yet: a failed checkpoint loses nothing (the rows are committed), and a disk
   * that is really gone fails the next append, which does reach `/api/state.stores`.
   */
  get checkpointFailures(): number {
    return this.#checkpointFailures;
  }

  /** Why the last checkpoint failed, if one did (beside {@linkcode checkpointFailures}). */
  get lastCheckpointError(): unknown {
    return this.#lastCheckpointError;
  }

  /** The newest `limit` rows, oldest first. */
  recent(limit: number): StoredEvent[] {
    if (!this.#recentArrays) {
      return (this.#recent.all(limit) as unknown as StoredEvent[]).reverse();
    }
    const rows = this.#recent.all(limit) as unknown as StoredTuple[];
    const out = new Array<StoredEvent>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [id, ts, kind, payloadJson, seq, bootId] =
        rows[rows.length - 1 - i]!;
      out[i] = {
        id,
        ts,
        kind,
        "payload_json": payloadJson,
        seq,
        "boot_id": bootId,
      };
    }
    return out;
  }

  /** The highest seq stored, 0 when none. */
  maxSeq(): number {
    const row = this.#maxSeq.get() as { seq: number | null } | undefined;
    return row?.seq ?? 0;
  }

  /** Record that seqs up to `upTo` may be in use. Never lowers the reservation. */
  reserveSeq(upTo: number): void {
    this.#checkFile();
    this.#reserve.run(RESERVED_SEQ_KEY, upTo);
  }

  /** The highest seq reserved so far, 0 when none. */
  reservedSeq(): number {
    const row = this.#reserved.get(RESERVED_SEQ_KEY) as
      | { value: unknown }
      | undefined;
    return typeof row?.value === "number" ? row.value : 0;
  }

  /** Close the database in use (a reopened one included). */
  close(): void {
    this.#db.close();
  }

  #use(db: DatabaseSync): void {
    this.#db = db;
    this.#fileId = this.#reopen ? fileId(this.#reopen.path) : null;
    // Checkpoints are this store's (see CHECKPOINT_INTERVAL_MS), not sqlite's every 1000 pages.
    db.exec("PRAGMA wal_autocheckpoint = 0");
    // After a checkpoint of a burst, the WAL file shrinks back to this instead of keeping its size.
    db.exec(`PRAGMA journal_size_limit = ${8 * 1024 * 1024}`);
    // Appending and trimming touch the whole (small) table: with sqlite's default 2 MiB cache
    // pages were read again on every batch (+24 % rows/s with the table's pages all cached).
    db.exec(`PRAGMA cache_size = -${8 * 1024}`);
    this.#checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#commit = db.prepare("COMMIT");
    this.#rollback = db.prepare("ROLLBACK");
    this.#insert = db.prepare(
      "INSERT INTO events (ts, kind, payload_json, seq, boot_id) VALUES (?, ?, ?, ?, ?)",
    );
    // Ids only grow (AUTOINCREMENT), so "newest" is "highest id" and the cut is one PK lookup.
    this.#trim = db.prepare(
      "DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)",
    );
    this.#recent = db.prepare(
      "SELECT id, ts, kind, payload_json, seq, boot_id FROM events ORDER BY id DESC LIMIT ?",
    );
    // Rows as arrays: node:sqlite builds row objects ~8× slower than JS does (history of 2000).
    // Not in Deno's node:sqlite types yet, hence the check.
    const arrays = this.#recent as Partial<ReturnArrays>;
    this.#recentArrays = typeof arrays.setReturnArrays === "function";
    if (this.#recentArrays) arrays.setReturnArrays!(true);
    this.#maxSeq = db.prepare("SELECT MAX(seq) AS seq FROM events");
    this.#reserve = db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
    );
    this.#reserved = db.prepare("SELECT value FROM meta WHERE key = ?");
  }

  /** Throw once when the file went away, and write to a fresh one from the next call on. */
  #checkFile(): void {
    if (!this.#reopen) return;
    const { path, open } = this.#reopen;
    if (this.#fileGone) {
      const old = this.#db;
      this.#use(open());
      this.#fileGone = false;
      try {
        old.close();
      } catch {
        // The old handle points at a deleted file; nothing of it is worth an error.
      }
      return;
    }
    if (fileId(path) === this.#fileId) return;
    this.#fileGone = true;
    throw new Error(
      `Cannot write events: "${path}" was deleted or replaced; reopening it`,
    );
  }
}

/**
 * A stored row as event JSON, spliced rather than parsed (issue 7). Rows of the Rust harness carry
 * no seq and get `"seq":0`, below every real one; those it stored as `null` (its serializer failed
 * on every note) hold nothing to show and give null.
 */
export function storedEventText(row: EventRow): string | null {
  const text = row.payload_json;
  if (!text.startsWith("{")) return null;
  if (row.seq !== null) return text;
  return text === "{}" ? '{"seq":0}' : `{"seq":0,${text.slice(1)}`;
}

function fileId(path: string): string | null {
  try {
    const info = Deno.statSync(path);
    return `${info.dev}:${info.ino}`;
  } catch {
    return null;
  }
}
