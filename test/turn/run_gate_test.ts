/**
 * The run gate (SPEC §11): the `hyperhive-paused` file means paused, whoever wrote it; the daily
 * budget holds turns once today's recorded cost reaches it and lifts when raised or at the next
 * UTC day; N failed turns in a row pause with the reason, and resume clears the count.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RunGate } from "../../lib/turn/run_gate.ts";
import { TodaySpend } from "../../lib/stats/today_spend.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import type { TurnStatsRow } from "../../lib/stats/turn_stats_row.ts";
import { turnStatsRow } from "../fixtures/turn_stats_row.ts";

const NOON = Date.UTC(2027, 0, 15, 12, 0, 0);

async function withGate(
  fn: (
    gate: RunGate,
    parts: {
      clock: { now: number };
      rows: TurnStatsRow[];
      spend: TodaySpend;
      pausedFile: string;
      log: ReturnType<typeof createMemoryLogger>;
    },
  ) => void | Promise<void>,
  options: {
    budget?: number | null;
    maxFailedTurns?: number;
    budgetFile?: string;
  } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "run-gate-" });
  const log = createMemoryLogger();
  const clock = { now: NOON };
  const rows: TurnStatsRow[] = [];
  const spend = new TodaySpend({
    range: (from, until) =>
      rows.filter((row) => row.ended_at >= from && row.ended_at < until),
  }, () => clock.now);
  const pausedFile = join(dir, "hyperhive-paused");
  const gate = new RunGate({
    pausedFile,
    spend,
    budgetDailyUsd: options.budget ?? null,
    ...(options.budgetFile !== undefined
      ? { budgetFile: options.budgetFile }
      : {}),
    ...(options.maxFailedTurns !== undefined
      ? { maxFailedTurns: options.maxFailedTurns }
      : {}),
    log,
    now: () => clock.now,
  });
  try {
    await fn(gate, { clock, rows, spend, pausedFile, log });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function costing(usd: number, endedAtMs: number): TurnStatsRow {
  return turnStatsRow({
    cost_usd: usd,
    ended_at: Math.floor(endedAtMs / 1000),
  });
}

Deno.test("RunGate: the pause file means paused, whoever wrote it; resume removes it", async () => {
  await withGate(async (gate, { pausedFile }) => {
    assert.equal(gate.hold(), null);
    await Deno.writeTextFile(pausedFile, "");
    assert.deepEqual(gate.hold(), {
      status: "paused",
      detail: "paused by the operator: resume to go on",
    });
    gate.resume();
    assert.equal(gate.hold(), null);
    await assert.rejects(Deno.stat(pausedFile), Deno.errors.NotFound);
    gate.pause("paused: deploy freeze");
    assert.match(gate.hold()!.detail, /deploy freeze/);
    assert.equal(
      await Deno.readTextFile(pausedFile),
      "paused: deploy freeze\n",
    );
  });
});

Deno.test("RunGate: today's recorded cost at the budget holds turns; raising it or the next UTC day lifts it", async () => {
  await withGate((gate, { clock, rows, spend }) => {
    rows.push(costing(0.3, NOON - 3_600_000));
    rows.push(costing(5, NOON - 13 * 3_600_000)); // yesterday: not counted
    assert.equal(gate.hold(), null);
    const before = gate.runBudget();
    assert.equal(before?.remainingUsd, 0.2);
    const row = costing(0.25, NOON);
    rows.push(row);
    spend.add(row);
    const hold = gate.hold();
    assert.equal(hold?.status, "over_budget");
    assert.match(hold!.detail, /\$0\.55 of the \$0\.50 daily budget/);
    assert.match(
      hold!.detail,
      /raise the budget, or wait for the next UTC day/,
    );
    assert.equal(gate.runBudget()?.remainingUsd, 0);
    assert.equal(
      gate.runBudget()?.period,
      before?.period,
      "same cap, same day",
    );
    gate.setBudget(1);
    assert.notEqual(gate.runBudget()?.period, before?.period, "a new cap");
    assert.equal(gate.hold(), null);
    gate.setBudget(0.5);
    assert.equal(gate.hold()?.status, "over_budget");
    assert.ok(gate.holdWaitMs() <= 5000, "a held loop looks again soon");
    const yesterday = gate.runBudget()?.period;
    clock.now = Date.UTC(2027, 0, 16, 0, 0, 1);
    assert.equal(gate.hold(), null, "a new UTC day starts from zero");
    assert.notEqual(gate.runBudget()?.period, yesterday, "a new day");
    gate.setBudget(null);
    assert.equal(gate.runBudget(), null);
    assert.throws(() => gate.setBudget(-1), RangeError);
  }, { budget: 0.5 });
});

Deno.test("RunGate: an operator's budget outlives a restart until the flag itself changes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "run-gate-kept-" });
  const budgetFile = join(dir, "hyperhive-budget");
  try {
    await withGate((gate) => {
      assert.equal(gate.snapshot().budget_source, "flag");
      gate.setBudget(2);
    }, { budget: 0.5, budgetFile });
    assert.equal((await Deno.stat(budgetFile)).mode! & 0o777, 0o600);
    await withGate((gate) => {
      assert.equal(gate.budgetDailyUsd, 2, "raised at night, still raised");
      assert.equal(gate.snapshot().budget_source, "operator");
      gate.setBudget(null);
    }, { budget: 0.5, budgetFile });
    await withGate((gate) => {
      assert.equal(gate.budgetDailyUsd, null, "lifted, still lifted");
    }, { budget: 0.5, budgetFile });
    await withGate((gate, { log }) => {
      assert.equal(
        gate.budgetDailyUsd,
        3,
        "a new flag is what the operator means now",
      );
      assert.equal(gate.snapshot().budget_source, "flag");
      assert.ok(
        log.records.some((record) =>
          /--budget-daily-usd changed/.test(record.msg)
        ),
      );
    }, { budget: 3, budgetFile });
    await assert.rejects(Deno.stat(budgetFile), Deno.errors.NotFound);
    await withGate((gate) => {
      assert.equal(gate.budgetDailyUsd, 3, "the outdated file is gone");
    }, { budget: 3, budgetFile });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RunGate: a kept budget that cannot be read or written is logged and the flag applies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "run-gate-bad-" });
  const budgetFile = join(dir, "hyperhive-budget");
  try {
    await Deno.writeTextFile(budgetFile, '{"daily_usd": -4}');
    await withGate((gate, { log }) => {
      assert.equal(gate.budgetDailyUsd, 0.5);
      assert.ok(
        log.records.some((record) =>
          record.level === "warn" &&
          /not what this harness writes/.test(record.msg)
        ),
      );
    }, { budget: 0.5, budgetFile });
    const missingDir = join(dir, "gone", "hyperhive-budget");
    await withGate((gate, { log }) => {
      gate.setBudget(9);
      assert.equal(gate.budgetDailyUsd, 9, "it holds until a restart");
      assert.ok(
        log.records.some((record) =>
          record.level === "error" && /Cannot keep the budget/.test(record.msg)
        ),
      );
    }, { budget: 0.5, budgetFile: missingDir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RunGate: N failed turns in a row pause with the reason; a success resets; resume clears", async () => {
  await withGate((gate) => {
    gate.turnEnded(true, "boom");
    gate.turnEnded(true, "boom");
    gate.turnEnded(false, null);
    gate.turnEnded(true, "boom");
    gate.turnEnded(true, "boom");
    assert.equal(gate.hold(), null, "the success in between reset the count");
    gate.turnEnded(true, "API Error: 500 scripted outage");
    const hold = gate.hold();
    assert.equal(hold?.status, "paused");
    assert.match(
      hold!.detail,
      /circuit breaker: 3 failed turns in a row; last: API Error: 500 scripted outage/,
    );
    assert.equal(gate.snapshot().consecutive_failed_turns, 3);
    gate.resume();
    assert.equal(gate.hold(), null);
    assert.equal(gate.snapshot().consecutive_failed_turns, 0);
  }, { maxFailedTurns: 3 });
  await withGate((gate) => {
    for (let i = 0; i < 20; i++) gate.turnEnded(true, "boom");
    assert.equal(gate.hold(), null, "0 turns the breaker off");
  }, { maxFailedTurns: 0 });
});

Deno.test("RunGate tells its listeners of every change", async () => {
  await withGate((gate) => {
    let changes = 0;
    const stop = gate.onChange(() => changes++);
    gate.pause();
    gate.resume();
    gate.setBudget(3);
    stop();
    gate.setBudget(4);
    assert.equal(changes, 3);
  });
});
