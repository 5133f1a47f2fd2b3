import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { createMemoryLogger } from "../../lib/log.ts";
import { StoreHealth } from "../../lib/sqlite/store_health.ts";
import {
  RESTART_NOTE,
  type StoredTurnStatsRow,
  type TurnStatsRow,
} from "../../lib/stats/turn_stats_row.ts";
import {
  TURN_STATS_STORE,
  TurnStatsRecorder,
  type TurnStatsRecorderOptions,
} from "../../lib/stats/turn_stats_recorder.ts";
import {
  TURN_STATS_MIGRATIONS,
  TurnStatsStore,
} from "../../lib/stats/turn_stats_store.ts";
import { openDatabase } from "../../lib/sqlite/open.ts";
import { turnStatsRow } from "../fixtures/turn_stats_row.ts";

function sampleRow(n: number): TurnStatsRow {
  return turnStatsRow({
    started_at: 1_700_000_000 + n,
    ended_at: 1_700_000_010 + n,
    duration_ms: 10_000,
    input_tokens: n,
    output_tokens: 2,
    cache_read_input_tokens: 3,
    cache_creation_input_tokens: 4,
    last_input_tokens: 1,
    last_output_tokens: 2,
    last_cache_read_input_tokens: 3,
    last_cache_creation_input_tokens: 4,
    cost_usd: 0.5,
    num_turns: 1,
    session_id: "s",
    tool_call_count: 1,
    tool_call_breakdown_json: '{"Bash":1}',
    open_threads_count: 0,
    open_reminders_count: 0,
  });
}

interface Rig {
  path: string;
  recorder: TurnStatsRecorder;
  health: StoreHealth;
  log: ReturnType<typeof createMemoryLogger>;
  landed: StoredTurnStatsRow[];
}

function withRecorder(
  body: (rig: Rig) => void | Promise<void>,
  options: Partial<TurnStatsRecorderOptions> = {},
  prepare: (path: string) => void = () => {},
): () => Promise<void> {
  return async () => {
    const dir = Deno.makeTempDirSync({ prefix: "turn_stats_recorder_" });
    const path = join(dir, "hyperhive-turn-stats.sqlite");
    const log = createMemoryLogger();
    const health = new StoreHealth(log);
    const landed: StoredTurnStatsRow[] = [];
    prepare(path);
    const recorder = new TurnStatsRecorder(path, {
      health,
      log,
      onRecorded: (row) => landed.push(row),
      ...options,
    });
    try {
      await body({ path, recorder, health, log, landed });
    } finally {
      recorder.close();
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

function errorLogs(log: Rig["log"]): string[] {
  return log.records.filter((r) => r.level === "error").map((r) =>
    String(r.error)
  );
}

function inputsOf(rows: StoredTurnStatsRow[]): number[] {
  return rows.map((row) => row.input_tokens);
}

function timed<T>(body: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = body();
  return { value, ms: performance.now() - started };
}

Deno.test(
  "TurnStatsRecorder records rows and ends their markers",
  withRecorder(({ recorder, health, landed }) => {
    assert.deepEqual(recorder.start(), []);
    const row = sampleRow(1);
    const stored = recorder.record(row, recorder.beginTurn(row));
    assert.deepEqual(stored, { id: 1, ...row });
    assert.deepEqual(landed, [stored]);
    assert.deepEqual(recorder.list(), [stored]);
    assert.equal(health.report()[TURN_STATS_STORE]?.ok, true);
  }),
);

Deno.test(
  "TurnStatsRecorder waits out a writer holding the lock longer than a turn, then lands rows",
  withRecorder(({ path, recorder, health, log }) => {
    recorder.start();
    const other = new DatabaseSync(path);
    other.exec("BEGIN IMMEDIATE");
    for (const n of [1, 2, 3]) {
      const row = sampleRow(n);
      const { value, ms } = timed(() =>
        recorder.record(row, recorder.beginTurn(row))
      );
      assert.equal(value, null);
      assert.ok(ms < 1000, `record() took ${ms} ms under a lock`);
    }
    assert.equal(recorder.pending, 3);
    const report = health.report()[TURN_STATS_STORE];
    assert.equal(report?.ok, false);
    assert.match(report?.error ?? "", /database is locked/);
    assert.deepEqual(errorLogs(log), ["database is locked"]);

    other.exec("COMMIT");
    other.close();
    assert.equal(recorder.record(sampleRow(4))?.input_tokens, 4);
    assert.deepEqual(inputsOf(recorder.list()), [4, 3, 2, 1]);
    assert.equal(health.report()[TURN_STATS_STORE]?.ok, true);
    assert.ok(log.records.some((r) => r.msg === "turn_stats store recovered"));
  }),
);

Deno.test(
  "TurnStatsRecorder survives a read-only file and lands rows once it is writable",
  withRecorder(
    ({ path, recorder, health, log }) => {
      const writable = makeReadOnly(path);
      try {
        recorder.start();
        assert.equal(recorder.record(sampleRow(1)), null);
        assert.equal(recorder.record(sampleRow(2)), null);
        assert.match(
          health.report()[TURN_STATS_STORE]?.error ?? "",
          /readonly/,
        );
        assert.equal(errorLogs(log).length, 1);
      } finally {
        writable();
      }
      assert.equal(recorder.record(sampleRow(3))?.input_tokens, 3);
      assert.deepEqual(inputsOf(recorder.list()), [3, 2, 1]);
    },
    {},
    (path) => {
      const db = new DatabaseSync(path);
      db.exec("PRAGMA journal_mode = WAL; CREATE TABLE placeholder (x)");
      db.close();
    },
  ),
);

Deno.test(
  "TurnStatsRecorder reopens a file deleted under it; later rows land in the new file",
  withRecorder(({ path, recorder, health, log }) => {
    recorder.start();
    assert.ok(recorder.record(sampleRow(1)));
    for (const suffix of ["", "-wal", "-shm"]) Deno.removeSync(path + suffix);
    assert.equal(recorder.record(sampleRow(2))?.input_tokens, 2);
    assert.ok(Deno.statSync(path).isFile);
    assert.deepEqual(inputsOf(recorder.list()), [2]);
    const report = health.report()[TURN_STATS_STORE];
    assert.equal(report?.failures, 1);
    assert.equal(report?.ok, true);
    assert.deepEqual(errorLogs(log), ["file was deleted while open"]);
  }),
);

Deno.test(
  "TurnStatsRecorder survives a corrupt file and lands rows once it is fixed",
  withRecorder(
    ({ path, recorder, health, log }) => {
      assert.deepEqual(recorder.start(), []);
      assert.equal(recorder.record(sampleRow(1)), null);
      assert.equal(recorder.record(sampleRow(2)), null);
      assert.match(
        health.report()[TURN_STATS_STORE]?.error ?? "",
        /not a database/,
      );
      assert.equal(errorLogs(log).length, 1);
      Deno.removeSync(path);
      assert.equal(recorder.record(sampleRow(3))?.input_tokens, 3);
      assert.deepEqual(inputsOf(recorder.list()), [3, 2, 1]);
      assert.equal(health.report()[TURN_STATS_STORE]?.ok, true);
    },
    {},
    (path) => Deno.writeTextFileSync(path, "garbage bytes ".repeat(512)),
  ),
);

Deno.test(
  "TurnStatsRecorder notices a file overwritten with garbage while open",
  withRecorder(({ path, recorder, health, log }) => {
    recorder.start();
    assert.ok(recorder.record(sampleRow(1)));
    Deno.writeTextFileSync(path, "garbage bytes ".repeat(512));
    // Closing folds the -wal back into the file, which can be enough to repair it: either
    // way the change is reported once and no row is lost.
    recorder.record(sampleRow(2));
    assert.equal(health.report()[TURN_STATS_STORE]?.failures, 1);
    assert.equal(
      errorLogs(log)[0],
      "file was overwritten with non-sqlite bytes",
    );
    if (recorder.pending > 0) {
      for (const suffix of ["", "-wal", "-shm"]) Deno.removeSync(path + suffix);
    }
    assert.ok(recorder.record(sampleRow(3)));
    assert.equal(recorder.pending, 0);
    assert.deepEqual(inputsOf(recorder.list()).slice(0, 2), [3, 2]);
  }),
);

Deno.test(
  "TurnStatsRecorder keeps at most queueCapacity rows for retry, dropping the oldest",
  withRecorder(({ path, recorder, health, log }) => {
    recorder.start();
    const other = new DatabaseSync(path);
    other.exec("BEGIN IMMEDIATE");
    for (const n of [1, 2, 3]) recorder.record(sampleRow(n));
    assert.equal(recorder.pending, 2);
    assert.equal(health.report()[TURN_STATS_STORE]?.failures, 4);
    assert.ok(errorLogs(log).some((e) => e.startsWith("retry queue is full")));
    other.exec("ROLLBACK");
    other.close();
    assert.equal(recorder.flush(), 2);
    assert.deepEqual(inputsOf(recorder.list()), [3, 2]);
  }, { queueCapacity: 2 }),
);

Deno.test(
  "TurnStatsRecorder never throws into the loop, even from its callback",
  withRecorder(({ recorder, log }) => {
    recorder.start();
    assert.ok(recorder.record(sampleRow(1)));
    assert.ok(
      log.records.some((r) =>
        r.msg === "turn_stats onRecorded callback failed"
      ),
    );
  }, {
    onRecorded: () => {
      throw new Error("listener broke");
    },
  }),
);

Deno.test(
  "a turn under way when the process is SIGKILLed is recorded failed once at the next start",
  withRecorder(async ({ path, recorder, landed }) => {
    const module =
      new URL("../../lib/stats/turn_stats_recorder.ts", import.meta.url).href;
    const health =
      new URL("../../lib/sqlite/store_health.ts", import.meta.url).href;
    const log = new URL("../../lib/log.ts", import.meta.url).href;
    const script = `
      import { TurnStatsRecorder } from ${JSON.stringify(module)};
      import { StoreHealth } from ${JSON.stringify(health)};
      import { createMemoryLogger } from ${JSON.stringify(log)};
      const log = createMemoryLogger();
      const recorder = new TurnStatsRecorder(${
      JSON.stringify(path)
    }, { health: new StoreHealth(log), log });
      recorder.start();
      recorder.beginTurn({ agent: "alice", role: "manager", model: "opus", wake_from: "bob", started_at: 1700000000 });
      console.log("turn under way");
      setInterval(() => {}, 1000);
    `;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-lock", script],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let seen = "";
    while (!seen.includes("turn under way")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    child.kill("SIGKILL");
    await reader.cancel();
    assert.equal((await child.status).signal, "SIGKILL");

    const recovered = recorder.start();
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]?.note, RESTART_NOTE);
    assert.equal(recovered[0]?.result_kind, "failed");
    assert.equal(recovered[0]?.role, "manager");
    assert.deepEqual(landed, recovered);
    recorder.close();

    const again = new TurnStatsRecorder(path, {
      health: new StoreHealth(createMemoryLogger()),
      log: createMemoryLogger(),
    });
    assert.deepEqual(again.start(), []);
    assert.equal(again.list().length, 1);
    again.close();
  }),
);

Deno.test(
  "TurnStatsRecorder retries recovery that a lock held off at start",
  withRecorder(({ path, recorder, health, landed }) => {
    const dead = openDatabase(path, TURN_STATS_MIGRATIONS);
    new TurnStatsStore(dead, { owner: "dead" }).beginTurn({
      agent: "alice",
      role: "agent",
      model: "haiku",
      "wake_from": "bob",
      "started_at": 1_700_000_000,
    });
    dead.exec("BEGIN IMMEDIATE");
    assert.deepEqual(recorder.start(), []);
    assert.match(
      health.report()[TURN_STATS_STORE]?.error ?? "",
      /recover interrupted turns: database is locked/,
    );
    dead.exec("ROLLBACK");
    dead.close();
    assert.ok(recorder.record(sampleRow(1)));
    assert.deepEqual(landed.map((row) => row.note), [RESTART_NOTE, null]);
    assert.equal(recorder.list().length, 2);
  }),
);

// Root ignores permission bits, so as root the file is made immutable instead.
function makeReadOnly(path: string): () => void {
  if (Deno.uid() !== 0) {
    Deno.chmodSync(path, 0o444);
    return () => Deno.chmodSync(path, 0o644);
  }
  const chattr = (flag: string) => {
    const { success } = new Deno.Command("chattr", { args: [flag, path] })
      .outputSync();
    assert.ok(success, `chattr ${flag} failed`);
  };
  chattr("+i");
  return () => chattr("-i");
}
