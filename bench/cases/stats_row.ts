/**
 * @module Stats row: µs per `TurnStatsRecorder.record` (with the turn's marker, as the loop calls
 * it: the row and the end of its marker in one transaction, the file checked for replacement,
 * health updated) against one bare prepared INSERT of the same row into the same table.
 */
import { join } from "node:path";
import { openDatabase } from "../../lib/sqlite/open.ts";
import { TurnStatsRecorder } from "../../lib/stats/turn_stats_recorder.ts";
import { StoreHealth } from "../../lib/sqlite/store_health.ts";
import {
  TURN_STATS_COLUMNS,
  TURN_STATS_MIGRATIONS,
} from "../../lib/stats/turn_stats_store.ts";
import type { TurnStatsRow } from "../../lib/stats/turn_stats_row.ts";
import { benchLogger } from "../harness_setup.ts";
import { type BenchCase, median, row } from "../measure.ts";

const ROW: TurnStatsRow = {
  agent: "bench",
  role: "agent",
  model: "haiku",
  "wake_from": "operator",
  "result_kind": "ok",
  "started_at": 1_800_000_000,
  "ended_at": 1_800_000_012,
  "duration_ms": 12_345,
  "input_tokens": 12,
  "output_tokens": 345,
  "cache_read_input_tokens": 67_890,
  "cache_creation_input_tokens": 1_011,
  "last_input_tokens": 3,
  "last_output_tokens": 45,
  "last_cache_read_input_tokens": 15_000,
  "last_cache_creation_input_tokens": 120,
  "cost_usd": 0.0123,
  "num_turns": 7,
  "session_id": "3f0c1e52-bench-4a1b-9d2e-5c7a8b6f0d11",
  "tool_call_count": 4,
  "tool_call_breakdown_json": '{"Bash":3,"Read":1}',
  "open_threads_count": 1,
  "open_reminders_count": 0,
  note: null,
};

/** The stats-row case. */
export const statsRowCase: BenchCase = {
  name: "stats row",
  async run(context) {
    const dir = await Deno.makeTempDir({ dir: context.tmp, prefix: "stats-" });
    const log = benchLogger();
    const recorder = new TurnStatsRecorder(join(dir, "recorder.sqlite"), {
      health: new StoreHealth(log),
      log,
    });
    recorder.start();
    const db = openDatabase(join(dir, "bare.sqlite"), TURN_STATS_MIGRATIONS);
    const insert = db.prepare(
      `INSERT INTO turn_stats (${TURN_STATS_COLUMNS.join(", ")}) VALUES (${
        TURN_STATS_COLUMNS.map(() => "?").join(", ")
      })`,
    );
    const values = TURN_STATS_COLUMNS.map((name) => ROW[name]);
    const blocks = context.quick ? 3 : 21;
    const perBlock = context.quick ? 20 : 200;
    const recorded: number[] = [];
    const bare: number[] = [];
    try {
      // Blocks alternate, so a burst of load from elsewhere hits both alike.
      for (let block = 0; block < blocks; block++) {
        let spent = 0;
        for (let i = 0; i < perBlock; i++) {
          const ticket = recorder.beginTurn(ROW);
          const started = performance.now();
          recorder.record(ROW, ticket);
          spent += performance.now() - started;
        }
        recorded.push((spent * 1000) / perBlock);
        const started = performance.now();
        for (let i = 0; i < perBlock; i++) insert.run(...values);
        bare.push(((performance.now() - started) * 1000) / perBlock);
      }
    } finally {
      recorder.close();
      db.close();
    }
    if (log.warnings.length + log.errors.length > 0) {
      throw new Error(
        `Cannot measure the recorder: it failed: ${
          [...log.warnings, ...log.errors][0]
        }`,
      );
    }
    const figure = median(recorded);
    const baseline = median(bare);
    return [row(context, {
      name: "stats row: TurnStatsRecorder.record",
      figure,
      unit: "µs/row",
      baseline,
      target: "≤ 3×",
      pass: figure / baseline <= 3,
      note: `median of ${blocks} blocks of ${perBlock}`,
      details: { recorded, bare },
    })];
  },
};
