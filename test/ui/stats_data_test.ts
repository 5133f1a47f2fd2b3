import assert from "node:assert/strict";
import { summarize } from "../../lib/stats/summary.ts";
import { STATS_WINDOWS, windowStats } from "../../lib/stats/window.ts";
import type { TurnStatsRow } from "../../lib/stats/turn_stats_row.ts";
import { parseStatsReport, readWindow } from "../../ui/src/stats_data.ts";
import { turnStatsRow } from "../fixtures/turn_stats_row.ts";

function row(overrides: Partial<TurnStatsRow>): TurnStatsRow {
  return turnStatsRow({
    duration_ms: 1000,
    input_tokens: 1,
    output_tokens: 2,
    cache_read_input_tokens: 3,
    cache_creation_input_tokens: 4,
    last_input_tokens: 10,
    last_output_tokens: 0,
    last_cache_read_input_tokens: 20,
    last_cache_creation_input_tokens: 30,
    cost_usd: 0.0071,
    num_turns: 1,
    tool_call_count: 2,
    tool_call_breakdown_json: '{"Bash":2}',
    ...overrides,
  });
}

Deno.test("parseStatsReport() reads what /api/stats answers, in camelCase", () => {
  const now = Date.UTC(2026, 0, 12, 13, 30) / 1000;
  const rows = [
    row({ ended_at: now - 60 }),
    row({ ended_at: now - 7200, result_kind: "failed", wake_from: "bob" }),
  ];
  const body = JSON.parse(JSON.stringify({
    agent: "alice",
    role: "agent",
    ...windowStats(rows, STATS_WINDOWS["24h"], now),
  }));
  const report = parseStatsReport(body);
  assert.ok(report);
  assert.equal(report.agent, "alice");
  assert.equal(report.window, "24h");
  assert.equal(report.bucketSeconds, 3600);
  assert.equal(report.buckets.length, 24);
  assert.deepEqual(report.total.result, { ok: 1, failed: 1, promptTooLong: 0 });
  assert.deepEqual(report.total.wakeFrom, [["bob", 1], ["operator", 1]]);
  assert.deepEqual(report.total.topTools, [["Bash", 4]]);
  assert.equal(report.total.costUsd, summarize(rows).cost_usd);
  assert.deepEqual(report.total.tokens, {
    input: 2,
    output: 4,
    cacheRead: 6,
    cacheCreation: 8,
  });
  assert.deepEqual(report.total.contextTokens, { avg: 60, max: 60 });
  assert.equal(report.buckets.at(-1)?.turns, 1);
  assert.equal(report.buckets.at(-1)?.durationMs.p95, 1000);
  assert.equal(report.buckets[0]?.durationMs.p50, null);
});

Deno.test("parseStatsReport() reads odd fields as none and refuses what is not a report", () => {
  assert.equal(parseStatsReport(null), null);
  assert.equal(parseStatsReport({ error: "no" }), null);
  assert.equal(parseStatsReport({ buckets: [], bucket_seconds: 0 }), null);
  const report = parseStatsReport({
    window: "1y",
    bucket_seconds: 86400,
    total: { turns: "many", cost_usd: -1, top_tools: [{ tool: 3 }, null] },
    buckets: [null, { start: 5, tokens: { input: Infinity } }],
  });
  assert.ok(report);
  assert.equal(report.window, "24h");
  assert.equal(report.total.turns, 0);
  assert.equal(report.total.costUsd, 0);
  assert.deepEqual(report.total.topTools, []);
  assert.deepEqual(report.buckets.map((b) => b.start), [0, 5]);
  assert.equal(report.buckets[1]?.tokens.input, 0);
});

Deno.test("readWindow() takes a known ?window= and falls back to 24h", () => {
  assert.equal(readWindow("7d"), "7d");
  assert.equal(readWindow("30d"), "30d");
  assert.equal(readWindow("1y"), "24h");
  assert.equal(readWindow(null), "24h");
});
