import assert from "node:assert/strict";
import {
  addTurnRow,
  mergeTurnRows,
  nearestRank,
  readTurnRow,
  summarizeTurns,
  summaryFromStats,
  type TurnRow,
} from "../../ui/src/turn_summary.ts";

function row(
  id: number,
  endedAt: number,
  fields: Record<string, unknown> = {},
): TurnRow {
  const read = readTurnRow({
    id,
    ended_at: endedAt,
    result_kind: "ok",
    duration_ms: id * 1000,
    input_tokens: 10,
    output_tokens: 5,
    cost_usd: 0.01,
    tool_call_breakdown_json: '{"Bash":2,"Read":1}',
    ...fields,
  });
  assert.ok(read);
  return read;
}

Deno.test("summarizeTurns counts the window's turns, failures by kind, tokens, cost, percentiles and tools", () => {
  const rows = [
    row(1, 100),
    row(2, 2000),
    row(3, 2001, { result_kind: "failed", cost_usd: null }),
    row(4, 2002, {
      result_kind: "prompt_too_long",
      tool_call_breakdown_json: "{}",
    }),
  ];
  const summary = summarizeTurns(rows, 1000);
  assert.equal(summary.turns, 3);
  assert.deepEqual(summary.byKind, { ok: 1, failed: 1, prompt_too_long: 1 });
  assert.equal(summary.inputTokens, 30);
  assert.equal(Math.round(summary.costUsd * 100), 2);
  assert.equal(summary.p50Ms, 3000);
  assert.equal(summary.p95Ms, 4000);
  assert.deepEqual(summary.topTools, [["Bash", 4], ["Read", 2]]);
});

Deno.test("addTurnRow keeps newest first without duplicates", () => {
  const rows = addTurnRow(
    addTurnRow([row(1, 10)], row(2, 20), 5),
    row(2, 20),
    5,
  );
  assert.deepEqual(rows.map((r) => r.id), [2, 1]);
  assert.equal(nearestRank([], 0.5), null);
});

Deno.test("mergeTurnRows keeps rows the page took from events when a fetch answered before them", () => {
  const merged = mergeTurnRows([row(3, 30)], [row(1, 10), row(2, 20)], 5);
  assert.deepEqual(merged.map((r) => r.id), [3, 2, 1]);
});

Deno.test("summaryFromStats reads /api/stats totals as badges", () => {
  const summary = summaryFromStats({
    agent: "alice",
    total: {
      turns: 3,
      result: { ok: 2, failed: 1, "prompt_too_long": 0 },
      "duration_ms": { p50: 1200, p95: 4000, avg: 2000 },
      tokens: { input: 10, output: 20, "cache_read": 30, "cache_creation": 40 },
      "cost_usd": 0.5,
      "top_tools": [{ tool: "Bash", calls: 4 }],
    },
  });
  assert.deepEqual(summary, {
    turns: 3,
    byKind: { ok: 2, failed: 1, "prompt_too_long": 0 },
    inputTokens: 10,
    outputTokens: 20,
    cacheReadTokens: 30,
    cacheCreationTokens: 40,
    costUsd: 0.5,
    p50Ms: 1200,
    p95Ms: 4000,
    topTools: [["Bash", 4]],
  });
  assert.equal(summaryFromStats({ error: "nope" }), null);
});
