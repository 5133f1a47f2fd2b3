import assert from "node:assert/strict";
import type { TurnStatsRow } from "../../lib/stats/turn_stats_row.ts";
import { turnStatsRow } from "../fixtures/turn_stats_row.ts";
import {
  contextTokens,
  percentile,
  summarize,
  toolBreakdown,
} from "../../lib/stats/summary.ts";
import {
  parseStatsWindow,
  STATS_WINDOWS,
  windowStats,
} from "../../lib/stats/window.ts";

function row(overrides: Partial<TurnStatsRow> = {}): TurnStatsRow {
  return turnStatsRow({
    duration_ms: 1000,
    input_tokens: 1,
    output_tokens: 2,
    cache_read_input_tokens: 3,
    cache_creation_input_tokens: 4,
    cost_usd: 0.1,
    num_turns: 1,
    ...overrides,
  });
}

Deno.test("percentile() is nearest-rank", async (t) => {
  const cases: [number[], number, number | null][] = [
    [[], 50, null],
    [[7], 95, 7],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 95, 4],
    [Array.from({ length: 20 }, (_, i) => i + 1), 95, 19],
    [Array.from({ length: 100 }, (_, i) => i + 1), 50, 50],
  ];
  for (const [values, p, expected] of cases) {
    await t.step(`p${p} of ${values.length} values`, () => {
      assert.equal(percentile(values, p), expected);
    });
  }
});

Deno.test("contextTokens() adds the last inference's input and cache, null when unknown", () => {
  assert.equal(contextTokens(row()), null);
  assert.equal(
    contextTokens(row({
      last_input_tokens: 10,
      last_output_tokens: 999,
      last_cache_read_input_tokens: 2000,
      last_cache_creation_input_tokens: null,
    })),
    2010,
  );
});

Deno.test("toolBreakdown() tolerates malformed breakdowns", () => {
  assert.deepEqual([
    ...toolBreakdown(row({ tool_call_breakdown_json: "nope" })),
  ], []);
  assert.deepEqual(
    [...toolBreakdown(row({ tool_call_breakdown_json: "[1]" }))],
    [],
  );
  assert.deepEqual(
    [...toolBreakdown(
      row({ tool_call_breakdown_json: '{"Bash":2,"x":"y","Read":1}' }),
    )],
    [["Bash", 2], ["Read", 1]],
  );
});

Deno.test("summarize() adds up known rows", () => {
  const rows = Array.from({ length: 20 }, (_, i) =>
    row({
      duration_ms: (i + 1) * 1000,
      result_kind: i < 15 ? "ok" : i < 19 ? "failed" : "prompt_too_long",
      wake_from: i % 2 === 0 ? "operator" : "reminder",
      model: i < 5 ? "sonnet" : "haiku",
      cost_usd: i === 0 ? null : 0.1,
      tool_call_count: 3,
      tool_call_breakdown_json: i % 2 === 0
        ? '{"Bash":2,"Read":1}'
        : '{"Edit":3}',
      last_input_tokens: i < 2 ? 100 * (i + 1) : null,
      last_cache_read_input_tokens: i < 2 ? 1000 : null,
    }));
  assert.deepEqual(summarize(rows, 2), {
    turns: 20,
    result: { ok: 15, failed: 4, prompt_too_long: 1 },
    wake_from: { operator: 10, reminder: 10 },
    duration_ms: { p50: 10_000, p95: 19_000, avg: 10_500 },
    context_tokens: { avg: 1150, max: 1200 },
    tokens: { input: 20, output: 40, cache_read: 60, cache_creation: 80 },
    cost_usd: 1.9,
    tool_calls: 60,
    top_tools: [{ tool: "Edit", calls: 30 }, { tool: "Bash", calls: 20 }],
    models: { sonnet: 5, haiku: 15 },
  });
});

Deno.test("summarize() of no rows has nulls, never made-up figures", () => {
  const empty = summarize([]);
  assert.equal(empty.turns, 0);
  assert.deepEqual(empty.duration_ms, { p50: null, p95: null, avg: null });
  assert.deepEqual(empty.context_tokens, { avg: null, max: null });
});

Deno.test("parseStatsWindow() knows 24h, 7d and 30d only", () => {
  assert.equal(parseStatsWindow("24h"), STATS_WINDOWS["24h"]);
  assert.equal(parseStatsWindow("30d")?.buckets, 30);
  assert.equal(parseStatsWindow("1y"), null);
  assert.equal(parseStatsWindow("toString"), null);
});

Deno.test("windowStats() puts rows in UTC-aligned buckets ending with the current one", () => {
  const now = Date.UTC(2026, 0, 10, 13, 25) / 1000;
  const hour = (h: number, m = 0) => Date.UTC(2026, 0, 10, h, m) / 1000;
  const rows = [
    row({ ended_at: hour(13, 20), duration_ms: 5 }),
    row({ ended_at: hour(13, 0), duration_ms: 7 }),
    row({ ended_at: hour(12, 59), result_kind: "failed" }),
    row({ ended_at: Date.UTC(2026, 0, 9, 14, 0) / 1000 }),
    row({ ended_at: Date.UTC(2026, 0, 9, 13, 59) / 1000 }),
  ];
  const stats = windowStats(rows, STATS_WINDOWS["24h"], now);
  assert.equal(stats.from, Date.UTC(2026, 0, 9, 14) / 1000);
  assert.equal(stats.until, hour(14));
  assert.equal(stats.buckets.length, 24);
  assert.equal(stats.total.turns, 4);
  assert.equal(stats.buckets[0]?.turns, 1);
  assert.equal(stats.buckets[22]?.result.failed, 1);
  assert.equal(stats.buckets[23]?.start, hour(13));
  assert.deepEqual(stats.buckets[23]?.duration_ms, { p50: 5, p95: 7, avg: 6 });

  const daily = windowStats(rows, STATS_WINDOWS["7d"], now);
  assert.equal(daily.buckets.at(-1)?.start, Date.UTC(2026, 0, 10) / 1000);
  assert.equal(daily.buckets.at(-1)?.turns, 3);
  assert.equal(daily.buckets.at(-2)?.turns, 2);
});
