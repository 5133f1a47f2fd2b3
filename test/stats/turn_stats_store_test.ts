import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { turnStatsRow } from "../fixtures/turn_stats_row.ts";
import { join } from "node:path";
import { schemaVersion } from "../../lib/sqlite/migrate.ts";
import { openDatabase } from "../../lib/sqlite/open.ts";
import {
  RESTART_NOTE,
  type TurnStatsRow,
} from "../../lib/stats/turn_stats_row.ts";
import {
  TURN_STATS_MIGRATIONS,
  TurnStatsRows,
  TurnStatsStore,
} from "../../lib/stats/turn_stats_store.ts";

function sampleRow(overrides: Partial<TurnStatsRow> = {}): TurnStatsRow {
  return turnStatsRow({
    started_at: 1_700_000_000,
    ended_at: 1_700_000_012,
    duration_ms: 12_345,
    input_tokens: 10,
    output_tokens: 200,
    cache_read_input_tokens: 3000,
    cache_creation_input_tokens: 400,
    last_input_tokens: 5,
    last_output_tokens: 50,
    last_cache_read_input_tokens: 2900,
    last_cache_creation_input_tokens: 100,
    cost_usd: 0.012345,
    num_turns: 3,
    session_id: "0f6c9a7e-session",
    tool_call_count: 4,
    tool_call_breakdown_json: '{"Bash":3,"Read":1}',
    open_threads_count: 2,
    ...overrides,
  });
}

function withDatabase(body: (path: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "turn_stats_store_" });
  try {
    body(join(dir, "hyperhive-turn-stats.sqlite"));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

// The table as the Rust harness wrote it: §7 without the last_* columns, user_version 0.
const RUST_TABLE = `CREATE TABLE turn_stats (
  id INTEGER PRIMARY KEY, agent TEXT NOT NULL, role TEXT NOT NULL, model TEXT NOT NULL,
  wake_from TEXT NOT NULL, result_kind TEXT NOT NULL, started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL, duration_ms INTEGER NOT NULL, input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL, cache_read_input_tokens INTEGER NOT NULL,
  cache_creation_input_tokens INTEGER NOT NULL, cost_usd REAL, num_turns INTEGER,
  session_id TEXT, tool_call_count INTEGER NOT NULL, tool_call_breakdown_json TEXT NOT NULL,
  open_threads_count INTEGER, open_reminders_count INTEGER, note TEXT)`;
const RUST_INSERT =
  `INSERT INTO turn_stats VALUES (7, 'bob', 'manager', 'sonnet', 'reminder',
  'failed', 1600000000, 1600000009, 9000, 1, 2, 3, 4, NULL, NULL, NULL, 0, '{}', NULL, NULL,
  'claude exited 1')`;

Deno.test("TurnStatsStore.record() round-trips exact rows, newest first", () => {
  withDatabase((path) => {
    const db = openDatabase(path, TURN_STATS_MIGRATIONS);
    const store = new TurnStatsStore(db);
    const first = sampleRow();
    const second = sampleRow({
      result_kind: "prompt_too_long",
      ended_at: 1_700_000_100,
      last_input_tokens: null,
      last_output_tokens: null,
      last_cache_read_input_tokens: null,
      last_cache_creation_input_tokens: null,
      cost_usd: null,
      num_turns: null,
      session_id: null,
      tool_call_count: 0,
      tool_call_breakdown_json: "{}",
      open_threads_count: null,
      note: "Prompt is too long",
    });
    const firstId = store.record(first);
    const secondId = store.record(second);
    assert.deepEqual(store.list(), [
      { id: secondId, ...second },
      { id: firstId, ...first },
    ]);
    db.close();
  });
});

Deno.test("TurnStatsStore.list() honours limit and since; range() is half-open", () => {
  withDatabase((path) => {
    const db = openDatabase(path, TURN_STATS_MIGRATIONS);
    const store = new TurnStatsStore(db);
    for (const endedAt of [100, 200, 300, 400]) {
      store.record(sampleRow({ ended_at: endedAt }));
    }
    assert.deepEqual(store.list({ limit: 2 }).map((r) => r.ended_at), [
      400,
      300,
    ]);
    assert.deepEqual(store.list({ since: 300 }).map((r) => r.ended_at), [
      400,
      300,
    ]);
    assert.deepEqual(store.range(200, 400).map((r) => r.ended_at), [200, 300]);
    assert.deepEqual(store.after(2, 0, 10).map((r) => r.id), [3, 4]);
    assert.deepEqual(store.after(0, 300, 1).map((r) => r.id), [3]);
    db.close();
  });
});

Deno.test("TurnStatsStore rejects a result_kind outside ok, failed, prompt_too_long", () => {
  withDatabase((path) => {
    const db = openDatabase(path, TURN_STATS_MIGRATIONS);
    const store = new TurnStatsStore(db);
    const bad = sampleRow({
      result_kind: "weird" as TurnStatsRow["result_kind"],
    });
    assert.throws(() => store.record(bad), /CHECK constraint failed/);
    db.close();
  });
});

Deno.test("TurnStatsStore.maxId() does not go back after old rows are deleted", () => {
  withDatabase((path) => {
    const db = openDatabase(path, TURN_STATS_MIGRATIONS);
    const store = new TurnStatsStore(db);
    store.record(sampleRow());
    store.record(sampleRow());
    db.exec("DELETE FROM turn_stats");
    assert.equal(store.maxId(), 2);
    assert.equal(store.record(sampleRow()), 3);
    db.close();
  });
});

Deno.test("migrations adopt a Rust-written file: columns added, rows kept", () => {
  withDatabase((path) => {
    const rust = new DatabaseSync(path);
    rust.exec(RUST_TABLE);
    rust.exec(RUST_INSERT);
    rust.close();

    const db = openDatabase(path, TURN_STATS_MIGRATIONS);
    assert.equal(schemaVersion(db), TURN_STATS_MIGRATIONS.length);
    const store = new TurnStatsStore(db);
    const [old] = store.list();
    assert.equal(old?.id, 7);
    assert.equal(old?.note, "claude exited 1");
    assert.equal(old?.last_input_tokens, null);
    const row = sampleRow({ ended_at: 1_700_000_000 });
    const id = store.record(row);
    assert.deepEqual(store.list({ limit: 1 }), [{ id, ...row }]);
    db.close();
  });
});

Deno.test("TurnStatsRows reads a Rust-written file without migrating it", () => {
  withDatabase((path) => {
    const rust = new DatabaseSync(path);
    rust.exec(RUST_TABLE);
    rust.exec(RUST_INSERT);
    rust.close();

    const db = new DatabaseSync(path, { readOnly: true });
    const [row] = new TurnStatsRows(db).list();
    assert.equal(row?.agent, "bob");
    assert.equal(row?.last_cache_creation_input_tokens, null);
    assert.equal(schemaVersion(db), 0);
    db.close();
  });
});

Deno.test("recoverInterrupted() records a dead owner's turn as failed, exactly once", () => {
  withDatabase((path) => {
    const start = {
      agent: "alice",
      role: "agent",
      model: "haiku",
      "wake_from": "bob",
      "started_at": 1_700_000_000,
    };
    const dead = openDatabase(path, TURN_STATS_MIGRATIONS);
    new TurnStatsStore(dead, { owner: "dead" }).beginTurn(start);
    dead.close();

    const db = openDatabase(path, TURN_STATS_MIGRATIONS);
    const store = new TurnStatsStore(db, { owner: "next" });
    const recovered = store.recoverInterrupted(1_700_000_500);
    assert.equal(recovered.length, 1);
    assert.deepEqual(store.list(), recovered);
    assert.deepEqual(
      {
        ...start,
        result_kind: recovered[0]?.result_kind,
        ended_at: recovered[0]?.ended_at,
        note: recovered[0]?.note,
      },
      {
        ...start,
        result_kind: "failed",
        ended_at: 1_700_000_500,
        note: RESTART_NOTE,
      },
    );
    assert.deepEqual(store.recoverInterrupted(1_700_000_600), []);
    const later = new TurnStatsStore(db, { owner: "third" });
    assert.deepEqual(later.recoverInterrupted(1_700_000_700), []);
    assert.equal(store.list().length, 1);
    db.close();
  });
});

Deno.test("record() with the turn's marker leaves nothing to recover; own markers are kept", () => {
  withDatabase((path) => {
    const db = openDatabase(path, TURN_STATS_MIGRATIONS);
    const store = new TurnStatsStore(db, { owner: "me" });
    const row = sampleRow();
    store.record(row, store.beginTurn(row));
    const running = store.beginTurn(row);
    assert.deepEqual(store.recoverInterrupted(1), []);
    const next = new TurnStatsStore(db, { owner: "next" });
    assert.equal(next.recoverInterrupted(2).length, 1);
    store.endTurn(running);
    assert.equal(store.list().length, 2);
    db.close();
  });
});
