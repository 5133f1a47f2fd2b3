import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { createMemoryLogger } from "../../lib/log.ts";
import { openDatabase } from "../../lib/sqlite/open.ts";
import { StoreHealth } from "../../lib/sqlite/store_health.ts";
import { TurnStatsRecorder } from "../../lib/stats/turn_stats_recorder.ts";
import type { TurnStatsRow } from "../../lib/stats/turn_stats_row.ts";
import {
  TURN_STATS_MIGRATIONS,
  TurnStatsStore,
} from "../../lib/stats/turn_stats_store.ts";
import { UsageError } from "../../lib/commands/flags.ts";
import {
  type DirSweep,
  parseVacuumArgs,
  runVacuum,
  type VacuumOptions,
} from "../../lib/commands/vacuum_command.ts";
import { turnStatsRow } from "../fixtures/turn_stats_row.ts";

const NOW_S = Date.UTC(2026, 3, 1) / 1000;
const DAY = 86_400;

function row(endedAt: number): TurnStatsRow {
  return turnStatsRow({
    started_at: endedAt - 5,
    ended_at: endedAt,
    duration_ms: 5000,
    input_tokens: 1,
    output_tokens: 2,
    cache_read_input_tokens: 3,
    cache_creation_input_tokens: 4,
  });
}

/** alice: 30 rows 100 days old, 10 of 5 days, 2500 events; bob: events only; carol: nothing;
 * dave: a corrupt turn-stats file. */
function makeHost(): { root: string; dispose: () => void } {
  const root = Deno.makeTempDirSync({ prefix: "vacuum_command_" });
  for (const name of ["alice", "bob", "carol", "dave"]) {
    Deno.mkdirSync(join(root, name));
  }
  const db = openDatabase(
    join(root, "alice", "hyperhive-turn-stats.sqlite"),
    TURN_STATS_MIGRATIONS,
  );
  const store = new TurnStatsStore(db);
  for (let i = 0; i < 30; i++) store.record(row(NOW_S - 100 * DAY + i));
  for (let i = 0; i < 10; i++) store.record(row(NOW_S - 5 * DAY + i));
  db.close();
  makeEvents(join(root, "alice"), 2500);
  makeEvents(join(root, "bob"), 1200);
  Deno.writeTextFileSync(
    join(root, "dave", "hyperhive-turn-stats.sqlite"),
    "garbage ".repeat(600),
  );
  return { root, dispose: () => Deno.removeSync(root, { recursive: true }) };
}

function makeEvents(dir: string, count: number): void {
  const db = new DatabaseSync(join(dir, "hyperhive-events.sqlite"));
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(
    `CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER, kind TEXT,
    payload_json TEXT, seq INTEGER, boot_id TEXT)`,
  );
  const insert = db.prepare(
    "INSERT INTO events (ts, kind, payload_json, seq, boot_id) VALUES (?, ?, ?, ?, ?)",
  );
  db.exec("BEGIN");
  for (let i = 1; i <= count; i++) {
    insert.run(
      NOW_S,
      "stream",
      JSON.stringify({ pad: "x".repeat(500) }),
      i,
      "b",
    );
  }
  db.exec("COMMIT");
  db.close();
}

function countRows(path: string, sql: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number((db.prepare(sql).get() as { n: number }).n);
  } finally {
    db.close();
  }
}

async function run(
  options: VacuumOptions,
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runVacuum(options, {
    write: (text) => void (out += text),
    writeError: (text) => void (err += text),
    now: () => NOW_S * 1000,
  });
  return { code, out, err };
}

Deno.test("vacuum --dry-run counts what would go and writes nothing", async () => {
  const { root, dispose } = makeHost();
  try {
    const stats = join(root, "alice", "hyperhive-turn-stats.sqlite");
    const before = Deno.readFileSync(stats);
    const { code, out } = await run(
      parseVacuumArgs([join(root, "*"), "--dry-run", "--json"]),
    );
    assert.equal(code, 1);
    const report = JSON.parse(out);
    const alice = report.dirs[0];
    assert.equal(alice.turn_stats.removed, 30);
    assert.equal(alice.events.removed, 500);
    assert.equal(report.dirs[1].events.removed, 0);
    assert.deepEqual(Deno.readFileSync(stats), before);
    assert.equal(countRows(stats, "SELECT count(*) AS n FROM turn_stats"), 40);
  } finally {
    dispose();
  }
});

Deno.test("vacuum removes old turn stats and surplus events per dir, missing and corrupt named", async () => {
  const { root, dispose } = makeHost();
  try {
    const { code, out, err } = await run(
      parseVacuumArgs([join(root, "*"), "--json"]),
    );
    assert.equal(code, 1);
    const report = JSON.parse(out);
    assert.equal(report.keep_days, 90);
    const summary = (report.dirs as DirSweep[]).map((d) => [
      d.dir.slice(root.length + 1),
      d.turn_stats.status,
      d.turn_stats.removed,
      d.events.status,
      d.events.removed,
    ]);
    assert.deepEqual(summary, [
      ["alice", "ok", 30, "ok", 500],
      ["bob", "missing", 0, "ok", 0],
      ["carol", "missing", 0, "missing", 0],
      ["dave", "bad", 0, "missing", 0],
    ]);
    const alice = report.dirs[0];
    assert.ok(alice.events.vacuumed);
    assert.ok(alice.events.bytes_after < alice.events.bytes_before);
    assert.match(err, /dave: turn_stats: cannot sweep .*not a database/);
    assert.match(err, /carol: events: no store/);

    const stats = join(root, "alice", "hyperhive-turn-stats.sqlite");
    const events = join(root, "alice", "hyperhive-events.sqlite");
    assert.equal(
      countRows(
        stats,
        `SELECT count(*) AS n FROM turn_stats WHERE ended_at < ${
          NOW_S - 90 * DAY
        }`,
      ),
      0,
    );
    assert.equal(countRows(stats, "SELECT count(*) AS n FROM turn_stats"), 10);
    assert.equal(countRows(events, "SELECT count(*) AS n FROM events"), 2000);
    assert.equal(countRows(events, "SELECT min(id) AS n FROM events"), 501);
  } finally {
    dispose();
  }
});

Deno.test("vacuum prints what it removed per dir", async () => {
  const { root, dispose } = makeHost();
  try {
    const { out } = await run(
      parseVacuumArgs([join(root, "alice"), "--keep-days", "1"]),
    );
    assert.match(out, new RegExp(`^${join(root, "alice")}$`, "m"));
    assert.match(
      out,
      /^ {2}turn_stats: removed 40 turn-stats rows that ended before 2026-03-31 \(keeping 1 days\) {2}\(\d+\.\d\d MB → \d+\.\d\d MB\)$/m,
    );
    assert.match(
      out,
      /^ {2}events: removed 500 events beyond the newest 2000 /m,
    );
  } finally {
    dispose();
  }
});

Deno.test("vacuum is safe beside a running harness: its rows still land, readers keep reading", async () => {
  const { root, dispose } = makeHost();
  const path = join(root, "alice", "hyperhive-turn-stats.sqlite");
  const log = createMemoryLogger();
  const recorder = new TurnStatsRecorder(path, {
    health: new StoreHealth(log),
    log,
  });
  const reader = new DatabaseSync(path, { readOnly: true });
  try {
    recorder.start();
    reader.exec("BEGIN");
    assert.equal(countRowsIn(reader), 40);
    const started = performance.now();
    const { code, out } = await run(
      parseVacuumArgs([join(root, "alice"), "--json"]),
    );
    assert.equal(code, 0);
    assert.ok(
      performance.now() - started < 3000,
      "vacuum waited on the reader",
    );
    // The reader holds the WAL: rows are deleted, but VACUUM waits for a later sweep.
    const sweep = JSON.parse(out).dirs[0].turn_stats;
    assert.deepEqual([sweep.removed, sweep.vacuumed, sweep.checkpointed], [
      30,
      false,
      false,
    ]);
    assert.equal(countRowsIn(reader), 40);
    reader.exec("COMMIT");
    assert.ok(recorder.record(row(NOW_S)));
    assert.equal(recorder.list({ limit: 1000 }).length, 11);
    assert.equal(recorder.pending, 0);
  } finally {
    reader.close();
    recorder.close();
    dispose();
  }
});

function countRowsIn(db: DatabaseSync): number {
  return Number(
    (db.prepare("SELECT count(*) AS n FROM turn_stats").get() as { n: number })
      .n,
  );
}

Deno.test("parseVacuumArgs() defaults to 90 days and names a bad flag", () => {
  assert.deepEqual(parseVacuumArgs([]), {
    dirs: [],
    keepDays: 90,
    dryRun: false,
    json: false,
  });
  assert.deepEqual(parseVacuumArgs(["a", "--keep-days", "7", "--dry-run"]), {
    dirs: ["a"],
    keepDays: 7,
    dryRun: true,
    json: false,
  });
  for (
    const [args, flag] of [[["--keep-days", "-1"], "--keep-days"], [[
      "--keep-days",
      "1.5",
    ], "--keep-days"], [["--force"], "--force"]] as const
  ) {
    assert.throws(
      () => parseVacuumArgs(args),
      (error) => error instanceof UsageError && error.flag === flag,
    );
  }
});
