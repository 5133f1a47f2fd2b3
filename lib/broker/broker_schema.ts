/**
 * @module The schema of `hyperhive-broker.sqlite` (SPEC §3, §8) as forward-only migrations.
 * Times are unix seconds. A message is claimed (`claimed_at`) when a turn takes it and delivered
 * (`delivered_at`) when that turn ends, so a crash between the two re-offers it. Few indexes,
 * since each one is written on every message: `messages_inbox` serves both an agent's pending
 * messages (`delivered_at IS NULL`) and its history; the partial ones hold only what is pending.
 */
import type { Migration } from "../sqlite/migrate.ts";

// Version 1's tables, as the Rust harness created them (plus the claim column).
const V1_SQL = `
      CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        "from" TEXT NOT NULL,
        "to" TEXT NOT NULL,
        body TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        claimed_at INTEGER,
        delivered_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS messages_inbox ON messages ("to", delivered_at, id);
      CREATE INDEX IF NOT EXISTS messages_from ON messages ("from", id);

      CREATE TABLE IF NOT EXISTS questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        asker TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT 'operator',
        question TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '[]',
        multi INTEGER NOT NULL DEFAULT 0,
        asked_at INTEGER NOT NULL,
        deadline INTEGER,
        answer TEXT,
        answered_at INTEGER,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'expired', 'cancelled'))
      );
      CREATE INDEX IF NOT EXISTS questions_open ON questions (deadline) WHERE state = 'open';

      CREATE TABLE IF NOT EXISTS reminders (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        agent TEXT NOT NULL,
        message TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        fired_at INTEGER,
        cancelled_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS reminders_pending ON reminders (due_at)
        WHERE fired_at IS NULL AND cancelled_at IS NULL;

      CREATE TABLE IF NOT EXISTS statuses (
        agent TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE IF NOT EXISTS agents (
        name TEXT PRIMARY KEY,
        added_at INTEGER NOT NULL
      );
`;

// Version 2, the fleet (SPEC §11): each harness's last report, and the controls the host page
// sent it. A control is taken once by the harness's long-poll (`taken_at`); the partial index
// holds only the ones still waiting.
const V2_SQL = `
      CREATE TABLE IF NOT EXISTS agent_reports (
        agent TEXT PRIMARY KEY,
        report_json TEXT NOT NULL,
        reported_at_ms INTEGER NOT NULL
      );

      CREATE TABLE IF NOT EXISTS agent_controls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        agent TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('pause', 'resume', 'budget')),
        daily_usd REAL,
        requested_at INTEGER NOT NULL,
        taken_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS agent_controls_pending ON agent_controls (agent, id)
        WHERE taken_at IS NULL;
`;

/** The broker store's migrations, applied by `openDatabase(path, BROKER_MIGRATIONS)`. Literal and append-only: never edit a landed step. */
export const BROKER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "messages, questions, reminders, statuses, agents",
    sql: [
      V1_SQL,
      // A file from the Rust harness has the tables but may lack the claim column.
      {
        table: "messages",
        column: "claimed_at",
        sql: "ALTER TABLE messages ADD COLUMN claimed_at INTEGER",
      },
    ],
  },
  {
    version: 2,
    name: "fleet: agent reports and controls",
    sql: V2_SQL,
  },
  {
    version: 3,
    name: "messages held while a recv answer is written",
    // A `recv` over a socket holds what it takes until its answer is written, then marks it
    // delivered; a broker killed in between releases the hold at its next start.
    sql: [
      {
        table: "messages",
        column: "held_at",
        sql: "ALTER TABLE messages ADD COLUMN held_at INTEGER",
      },
    ],
  },
];
