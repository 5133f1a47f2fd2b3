/**
 * @module The schema of `hyperhive-turn-stats.sqlite` (SPEC §7): the columns with their types,
 * and the migrations that create the tables or adopt a file the Rust harness wrote (same table,
 * `user_version` 0, maybe without the `last_*` columns: columns are added, never dropped).
 */
import type { DatabaseSync } from "node:sqlite";
import type { Migration } from "../sqlite/migrate.ts";
import type { TurnStatsRow } from "./turn_stats_row.ts";

// Every §7 column but `id` as the code reads and writes it today, with its type. A file of any
// version reads a column it lacks as this DEFAULT (or NULL). Adding a column here takes a new
// migration step below as well: the steps are literals and never read this map.
const COLUMN_TYPES: Record<keyof TurnStatsRow, string> = {
  agent: "TEXT NOT NULL DEFAULT ''",
  role: "TEXT NOT NULL DEFAULT ''",
  model: "TEXT NOT NULL DEFAULT ''",
  "wake_from": "TEXT NOT NULL DEFAULT ''",
  "result_kind":
    "TEXT NOT NULL DEFAULT 'failed' CHECK (result_kind IN ('ok', 'failed', 'prompt_too_long'))",
  "started_at": "INTEGER NOT NULL DEFAULT 0",
  "ended_at": "INTEGER NOT NULL DEFAULT 0",
  "duration_ms": "INTEGER NOT NULL DEFAULT 0",
  "input_tokens": "INTEGER NOT NULL DEFAULT 0",
  "output_tokens": "INTEGER NOT NULL DEFAULT 0",
  "cache_read_input_tokens": "INTEGER NOT NULL DEFAULT 0",
  "cache_creation_input_tokens": "INTEGER NOT NULL DEFAULT 0",
  "last_input_tokens": "INTEGER",
  "last_output_tokens": "INTEGER",
  "last_cache_read_input_tokens": "INTEGER",
  "last_cache_creation_input_tokens": "INTEGER",
  "cost_usd": "REAL",
  "num_turns": "INTEGER",
  "session_id": "TEXT",
  "tool_call_count": "INTEGER NOT NULL DEFAULT 0",
  "tool_call_breakdown_json": "TEXT NOT NULL DEFAULT '{}'",
  "open_threads_count": "INTEGER",
  "open_reminders_count": "INTEGER",
  note: "TEXT",
};

/** The §7 columns but `id`, in table order. */
export const TURN_STATS_COLUMNS = Object.keys(
  COLUMN_TYPES,
) as (keyof TurnStatsRow)[];

/**
 * Migrations of the turn-stats file; pass to `openDatabase`. Literal and append-only: never
 * generated from {@linkcode TURN_STATS_COLUMNS}, so a column added there later must come with
 * its own step here (test/sqlite/upgrade_test.ts checks both agree). Never edit a landed step.
 */
export const TURN_STATS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "turn_stats, adopting a Rust-written table",
    // The Rust harness left user_version at 0 and had no last_* columns: add, never drop.
    sql: [
      `
      CREATE TABLE IF NOT EXISTS turn_stats (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        agent TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        wake_from TEXT NOT NULL DEFAULT '',
        result_kind TEXT NOT NULL DEFAULT 'failed' CHECK (result_kind IN ('ok', 'failed', 'prompt_too_long')),
        started_at INTEGER NOT NULL DEFAULT 0,
        ended_at INTEGER NOT NULL DEFAULT 0,
        duration_ms INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cache_read_input_tokens INTEGER NOT NULL DEFAULT 0,
        cache_creation_input_tokens INTEGER NOT NULL DEFAULT 0,
        last_input_tokens INTEGER,
        last_output_tokens INTEGER,
        last_cache_read_input_tokens INTEGER,
        last_cache_creation_input_tokens INTEGER,
        cost_usd REAL,
        num_turns INTEGER,
        session_id TEXT,
        tool_call_count INTEGER NOT NULL DEFAULT 0,
        tool_call_breakdown_json TEXT NOT NULL DEFAULT '{}',
        open_threads_count INTEGER,
        open_reminders_count INTEGER,
        note TEXT
      )`,
      {
        table: "turn_stats",
        column: "agent",
        sql: "ALTER TABLE turn_stats ADD COLUMN agent TEXT NOT NULL DEFAULT ''",
      },
      {
        table: "turn_stats",
        column: "role",
        sql: "ALTER TABLE turn_stats ADD COLUMN role TEXT NOT NULL DEFAULT ''",
      },
      {
        table: "turn_stats",
        column: "model",
        sql: "ALTER TABLE turn_stats ADD COLUMN model TEXT NOT NULL DEFAULT ''",
      },
      {
        table: "turn_stats",
        column: "wake_from",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN wake_from TEXT NOT NULL DEFAULT ''",
      },
      {
        table: "turn_stats",
        column: "result_kind",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN result_kind TEXT NOT NULL DEFAULT 'failed' CHECK (result_kind IN ('ok', 'failed', 'prompt_too_long'))",
      },
      {
        table: "turn_stats",
        column: "started_at",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN started_at INTEGER NOT NULL DEFAULT 0",
      },
      {
        table: "turn_stats",
        column: "ended_at",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN ended_at INTEGER NOT NULL DEFAULT 0",
      },
      {
        table: "turn_stats",
        column: "duration_ms",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN duration_ms INTEGER NOT NULL DEFAULT 0",
      },
      {
        table: "turn_stats",
        column: "input_tokens",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0",
      },
      {
        table: "turn_stats",
        column: "output_tokens",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0",
      },
      {
        table: "turn_stats",
        column: "cache_read_input_tokens",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN cache_read_input_tokens INTEGER NOT NULL DEFAULT 0",
      },
      {
        table: "turn_stats",
        column: "cache_creation_input_tokens",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN cache_creation_input_tokens INTEGER NOT NULL DEFAULT 0",
      },
      {
        table: "turn_stats",
        column: "last_input_tokens",
        sql: "ALTER TABLE turn_stats ADD COLUMN last_input_tokens INTEGER",
      },
      {
        table: "turn_stats",
        column: "last_output_tokens",
        sql: "ALTER TABLE turn_stats ADD COLUMN last_output_tokens INTEGER",
      },
      {
        table: "turn_stats",
        column: "last_cache_read_input_tokens",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN last_cache_read_input_tokens INTEGER",
      },
      {
        table: "turn_stats",
        column: "last_cache_creation_input_tokens",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN last_cache_creation_input_tokens INTEGER",
      },
      {
        table: "turn_stats",
        column: "cost_usd",
        sql: "ALTER TABLE turn_stats ADD COLUMN cost_usd REAL",
      },
      {
        table: "turn_stats",
        column: "num_turns",
        sql: "ALTER TABLE turn_stats ADD COLUMN num_turns INTEGER",
      },
      {
        table: "turn_stats",
        column: "session_id",
        sql: "ALTER TABLE turn_stats ADD COLUMN session_id TEXT",
      },
      {
        table: "turn_stats",
        column: "tool_call_count",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN tool_call_count INTEGER NOT NULL DEFAULT 0",
      },
      {
        table: "turn_stats",
        column: "tool_call_breakdown_json",
        sql:
          "ALTER TABLE turn_stats ADD COLUMN tool_call_breakdown_json TEXT NOT NULL DEFAULT '{}'",
      },
      {
        table: "turn_stats",
        column: "open_threads_count",
        sql: "ALTER TABLE turn_stats ADD COLUMN open_threads_count INTEGER",
      },
      {
        table: "turn_stats",
        column: "open_reminders_count",
        sql: "ALTER TABLE turn_stats ADD COLUMN open_reminders_count INTEGER",
      },
      {
        table: "turn_stats",
        column: "note",
        sql: "ALTER TABLE turn_stats ADD COLUMN note TEXT",
      },
      "CREATE INDEX IF NOT EXISTS turn_stats_ended_at ON turn_stats (ended_at)",
    ],
  },
  {
    version: 2,
    name: "turn_in_progress markers",
    sql: `CREATE TABLE turn_in_progress (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      owner TEXT NOT NULL,
      agent TEXT NOT NULL,
      role TEXT NOT NULL,
      model TEXT NOT NULL,
      wake_from TEXT NOT NULL,
      started_at INTEGER NOT NULL
    )`,
  },
];

/** Whether the database has a table `name`. */
export function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
  ).get(name) !==
    undefined;
}

/** The select list of every column, reading a column the file lacks as its default. */
export function selectList(db: DatabaseSync): string {
  const present = new Set(
    (db.prepare("PRAGMA table_info(turn_stats)").all() as { name: string }[])
      .map((c) => c.name),
  );
  if (present.size === 0) {
    throw new Error("Cannot read turn stats: no turn_stats table");
  }
  return ["id", ...TURN_STATS_COLUMNS].map((name) => {
    if (present.has(name)) return name;
    const fallback = /DEFAULT ('[^']*'|\d+)/.exec(
      COLUMN_TYPES[name as keyof TurnStatsRow] ?? "",
    );
    return `${fallback?.[1] ?? "NULL"} AS ${name}`;
  }).join(", ");
}
