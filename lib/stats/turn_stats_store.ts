/**
 * @module The turn-stats store (SPEC §7): table `turn_stats`, one row per turn, plus the small
 * `turn_in_progress` table whose markers outlive a crash, so a turn under way when the harness
 * died becomes exactly one `failed` row at the next start. {@linkcode TurnStatsRows} reads any
 * version of the file (a Rust-written one lacking columns included) without writing;
 * {@linkcode TurnStatsStore} is the migrated, writing side.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import {
  hasTable,
  selectList,
  TURN_STATS_COLUMNS,
} from "./turn_stats_schema.ts";
import {
  restartRow,
  type StoredTurnStatsRow,
  type TurnStart,
  type TurnStatsRow,
} from "./turn_stats_row.ts";

export {
  TURN_STATS_COLUMNS,
  TURN_STATS_MIGRATIONS,
} from "./turn_stats_schema.ts";

/** Query of {@linkcode TurnStatsReader.list}. */
export interface TurnStatsListQuery {
  /** At most this many rows (default 100). */
  limit?: number;
  /** Only rows that ended at or after this unix second. */
  since?: number;
}

/** Reading turn-stats rows; what the HTTP routes and reports depend on. */
export interface TurnStatsReader {
  /** Rows newest first (by `ended_at`, then `id`). */
  list(query?: TurnStatsListQuery): StoredTurnStatsRow[];
  /** Rows with `from <= ended_at < until`, oldest first. */
  range(from: number, until: number): StoredTurnStatsRow[];
  /** Rows with `id > afterId` and `ended_at >= since`, by id, at most `limit`. */
  after(afterId: number, since: number, limit: number): StoredTurnStatsRow[];
  /** The largest id ever stored (0 when none). */
  maxId(): number;
}

/** Reads `turn_stats` of any schema version without writing: missing columns read as defaults. */
export class TurnStatsRows implements TurnStatsReader {
  #list: StatementSync;
  #range: StatementSync;
  #after: StatementSync;
  #maxId: StatementSync;

  constructor(db: DatabaseSync) {
    const select = `SELECT ${selectList(db)} FROM turn_stats`;
    this.#list = db.prepare(
      `${select} WHERE ended_at >= ? ORDER BY ended_at DESC, id DESC LIMIT ?`,
    );
    this.#range = db.prepare(
      `${select} WHERE ended_at >= ? AND ended_at < ? ORDER BY ended_at, id`,
    );
    this.#after = db.prepare(
      `${select} WHERE id > ? AND ended_at >= ? ORDER BY id LIMIT ?`,
    );
    // sqlite_sequence survives deletes, so ids never go back after a vacuum; a Rust table
    // without AUTOINCREMENT has no entry there and falls back to max(id).
    this.#maxId = db.prepare(
      hasTable(db, "sqlite_sequence")
        ? `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'turn_stats'), 0),
            coalesce((SELECT max(id) FROM turn_stats), 0)) AS id`
        : "SELECT coalesce(max(id), 0) AS id FROM turn_stats",
    );
  }

  /** Rows newest first. */
  list(query: TurnStatsListQuery = {}): StoredTurnStatsRow[] {
    const { limit = 100, since = Number.MIN_SAFE_INTEGER } = query;
    return this.#list.all(since, limit).map(toRow);
  }

  /** Rows with `from <= ended_at < until`, oldest first. */
  range(from: number, until: number): StoredTurnStatsRow[] {
    return this.#range.all(from, until).map(toRow);
  }

  /** Rows after an id, for incremental readers such as `/metrics`. */
  after(afterId: number, since: number, limit: number): StoredTurnStatsRow[] {
    return this.#after.all(afterId, since, limit).map(toRow);
  }

  /** The largest id ever stored. */
  maxId(): number {
    return Number(
      (this.#maxId.get() as { id: number | bigint } | undefined)?.id ?? 0,
    );
  }
}

/** Options of {@linkcode TurnStatsStore}. */
export interface TurnStatsStoreOptions {
  /** Who owns the markers this store writes; markers of other owners are leftovers. */
  owner?: string;
}

/** The writing side, on a database opened with {@linkcode TURN_STATS_MIGRATIONS}. */
export class TurnStatsStore extends TurnStatsRows {
  #db: DatabaseSync;
  #owner: string;
  #insert: StatementSync;
  #begin: StatementSync;
  #end: StatementSync;
  #leftovers: StatementSync;

  constructor(db: DatabaseSync, options: TurnStatsStoreOptions = {}) {
    super(db);
    this.#db = db;
    this.#owner = options.owner ?? crypto.randomUUID();
    const marks = TURN_STATS_COLUMNS.map(() => "?").join(", ");
    this.#insert = db.prepare(
      `INSERT INTO turn_stats (${
        TURN_STATS_COLUMNS.join(", ")
      }) VALUES (${marks})`,
    );
    this.#begin = db.prepare(
      `INSERT INTO turn_in_progress (owner, agent, role, model, wake_from, started_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#end = db.prepare("DELETE FROM turn_in_progress WHERE id = ?");
    this.#leftovers = db.prepare(
      `SELECT id, agent, role, model, wake_from, started_at FROM turn_in_progress
       WHERE owner != ? ORDER BY id`,
    );
  }

  /** Insert a row and return its id; with a marker, end that turn in the same transaction. */
  record(row: TurnStatsRow, marker: number | null = null): number {
    if (marker === null) return this.#insertRow(row);
    return this.#transaction(() => {
      const id = this.#insertRow(row);
      this.#end.run(marker);
      return id;
    });
  }

  /** Leave a marker saying a turn is under way; returns it for {@linkcode record}. */
  beginTurn(start: TurnStart): number {
    const result = this.#begin.run(
      this.#owner,
      start.agent,
      start.role,
      start.model,
      start.wake_from,
      start.started_at,
    );
    return Number(result.lastInsertRowid);
  }

  /** Remove a marker without recording a row. */
  endTurn(marker: number): void {
    this.#end.run(marker);
  }

  /** Turn other owners' leftover markers into `failed` rows ending at `endedAt`, once. */
  recoverInterrupted(endedAt: number): StoredTurnStatsRow[] {
    return this.#transaction(() => {
      const recovered: StoredTurnStatsRow[] = [];
      const markers = this.#leftovers.all(this.#owner) as MarkerRow[];
      for (const marker of markers) {
        const { id: markerId, ...start } = marker;
        const row = restartRow({ ...start }, endedAt);
        recovered.push({ id: this.#insertRow(row), ...row });
        this.#end.run(markerId);
      }
      return recovered;
    });
  }

  #insertRow(row: TurnStatsRow): number {
    const values: SQLInputValue[] = TURN_STATS_COLUMNS.map((name) => row[name]);
    return Number(this.#insert.run(...values).lastInsertRowid);
  }

  #transaction<T>(body: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = body();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }
}

type MarkerRow = TurnStart & { id: number };

// node:sqlite rows have a null prototype; reports and tests want plain objects.
function toRow(row: unknown): StoredTurnStatsRow {
  return { ...(row as StoredTurnStatsRow) };
}
