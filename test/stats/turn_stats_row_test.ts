import assert from "node:assert/strict";
import {
  buildTurnRow,
  classifyTurn,
  openEnding,
  RESTART_NOTE,
  restartRow,
  type ResultKind,
  type TurnEnding,
  type TurnStart,
} from "../../lib/stats/turn_stats_row.ts";
import { TURN_STATS_COLUMNS } from "../../lib/stats/turn_stats_schema.ts";
import { TurnObserver } from "../../lib/turn/turn_observer.ts";

function ending(overrides: Partial<TurnEnding> = {}): TurnEnding {
  return {
    exitCode: 0,
    signal: null,
    result: {
      type: "result",
      subtype: "success",
      is_error: false,
      result: "done",
    },
    apiErrorText: null,
    cancelled: false,
    compactFailed: false,
    spawnError: null,
    ...overrides,
  };
}

function errorResult(
  text: string,
  subtype = "success",
): Record<string, unknown> {
  return { type: "result", subtype, is_error: true, result: text };
}

const TOO_LONG =
  "Prompt is too long · the request is ~210000 tokens (limit 200000)";

Deno.test("classifyTurn() follows SPEC §7: ok only on exit 0 with a result line whose is_error is false", async (t) => {
  const cases: [
    string,
    Partial<TurnEnding>,
    ResultKind,
    string | null | RegExp,
  ][] = [
    ["exit 0 and a clean result", {}, "ok", null],
    [
      "exit 0, result is_error true with subtype success",
      { result: errorResult("API Error: 500 Internal server error") },
      "failed",
      "API Error: 500 Internal server error",
    ],
    [
      "exit 1, result is_error true",
      { exitCode: 1, result: errorResult("API Error: 500 boom") },
      "failed",
      "API Error: 500 boom",
    ],
    [
      "result is_error true with an error subtype",
      { result: errorResult("max turns", "error_max_turns") },
      "failed",
      "max turns",
    ],
    [
      "a spend cap reached: errors, no result text (real CLI line)",
      {
        exitCode: null,
        result: {
          type: "result",
          subtype: "error_max_budget_usd",
          is_error: true,
          errors: ["Reached maximum budget ($0.025)"],
        },
      },
      "failed",
      "Reached maximum budget ($0.025)",
    ],
    [
      "result is_error true without text",
      { result: { type: "result", is_error: true } },
      "failed",
      "claude reported an error",
    ],
    [
      "result is_error true, text from the API error line",
      {
        result: { type: "result", is_error: true },
        apiErrorText: "API Error: 529 overloaded",
      },
      "failed",
      "API Error: 529 overloaded",
    ],
    [
      "exit 1 with a clean result",
      { exitCode: 1 },
      "failed",
      "claude exited 1",
    ],
    [
      "killed by a signal with a clean result",
      { exitCode: null, signal: "SIGKILL" },
      "failed",
      "claude killed by SIGKILL",
    ],
    [
      "exit 0 without a result line",
      { result: null },
      "failed",
      "claude exited 0 without a result line",
    ],
    [
      "crashed without a result line",
      { exitCode: 134, result: null },
      "failed",
      "claude exited 134 without a result line",
    ],
    [
      "killed without a result line",
      { exitCode: null, signal: "SIGTERM", result: null },
      "failed",
      "claude killed by SIGTERM without a result line",
    ],
    [
      "result line without is_error",
      { result: { type: "result", subtype: "success", result: "done" } },
      "failed",
      /is_error/,
    ],
    [
      "claude missing",
      {
        exitCode: null,
        result: null,
        spawnError: "Cannot run claude: not found",
      },
      "failed",
      "Cannot run claude: not found",
    ],
  ];
  for (const [name, overrides, kind, note] of cases) {
    await t.step(name, () => {
      const classified = classifyTurn(ending(overrides));
      assert.equal(classified.result_kind, kind);
      if (note instanceof RegExp) assert.match(classified.note ?? "", note);
      else assert.equal(classified.note, note);
    });
  }
});

Deno.test("classifyTurn() calls a turn prompt_too_long when the result or the API error says so", async (t) => {
  const cases: [string, Partial<TurnEnding>, string][] = [
    ["result text", { exitCode: 1, result: errorResult(TOO_LONG) }, TOO_LONG],
    ["API error text, result says something else", {
      exitCode: 1,
      result: errorResult("API Error: 400"),
      apiErrorText:
        "API Error: 400 prompt is too long: 210000 tokens > 200000 maximum",
    }, "prompt is too long"],
    ["API error text, no result line", {
      exitCode: 1,
      result: null,
      apiErrorText: "prompt is too long: 210000 tokens > 200000 maximum",
    }, "prompt is too long: 210000 tokens > 200000 maximum"],
    [
      "any case",
      { result: errorResult("PROMPT IS TOO LONG") },
      "PROMPT IS TOO LONG",
    ],
  ];
  for (const [name, overrides, note] of cases) {
    await t.step(name, () => {
      const classified = classifyTurn(ending(overrides));
      assert.equal(classified.result_kind, "prompt_too_long");
      assert.match(
        classified.note ?? "",
        new RegExp(note.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
      );
    });
  }
});

Deno.test("classifyTurn() keeps a successful turn ok even when its answer quotes 'prompt is too long'", () => {
  const classified = classifyTurn(ending({
    result: {
      type: "result",
      subtype: "success",
      is_error: false,
      result: "The error 'prompt is too long' means the context is full.",
    },
  }));
  assert.deepEqual(classified, { result_kind: "ok", note: null });
});

Deno.test("classifyTurn() notes a cancelled turn 'cancelled by operator' even though claude exits 0", async (t) => {
  const cases: [string, Partial<TurnEnding>][] = [
    ["interrupt result", {
      cancelled: true,
      result: errorResult(
        "Request interrupted by user",
        "error_during_execution",
      ),
    }],
    ["clean result", { cancelled: true }],
    ["killed after the grace period", {
      cancelled: true,
      exitCode: null,
      signal: "SIGKILL",
      result: null,
    }],
    ["interrupted while the API said prompt too long", {
      cancelled: true,
      exitCode: 1,
      result: errorResult(TOO_LONG),
    }],
  ];
  for (const [name, overrides] of cases) {
    await t.step(name, () => {
      assert.deepEqual(classifyTurn(ending(overrides)), {
        result_kind: "failed",
        note: "cancelled by operator",
      });
    });
  }
});

Deno.test("classifyTurn() fails a compact turn whose system line said compact failed though its result is success", () => {
  const classified = classifyTurn(
    ending({
      compactFailed: true,
      result: { type: "result", is_error: false, result: "Compacted" },
    }),
  );
  assert.equal(classified.result_kind, "failed");
  assert.match(classified.note ?? "", /^compact failed/);
});

const START: TurnStart = {
  agent: "alice",
  role: "manager",
  model: "haiku",
  "wake_from": "bob",
  "started_at": 1_700_000_000,
};

function observe(lines: Record<string, unknown>[]): TurnObserver {
  const observer = new TurnObserver();
  for (const line of lines) observer.observe(line);
  return observer;
}

function assistant(
  id: string,
  usage: Record<string, number>,
  tools: string[] = [],
): Record<string, unknown> {
  return {
    type: "assistant",
    "session_id": "s-stream",
    message: {
      id,
      model: "claude-haiku",
      usage,
      content: tools.map((name) => ({ type: "tool_use", name, input: {} })),
    },
  };
}

Deno.test("buildTurnRow() turns an observed ok invocation into a §7 row, keys in table order", () => {
  const result = {
    type: "result",
    subtype: "success",
    "is_error": false,
    result: "done",
    "session_id": "s-result",
    "total_cost_usd": 0.0125,
    "num_turns": 3,
    usage: {
      "input_tokens": 30,
      "output_tokens": 400,
      "cache_read_input_tokens": 5000,
      "cache_creation_input_tokens": 600,
    },
  };
  const observed = observe([
    { type: "system", subtype: "init", "session_id": "s-stream" },
    assistant("m1", { "input_tokens": 10, "output_tokens": 100 }, [
      "Read",
      "Bash",
    ]),
    assistant("m2", {
      "input_tokens": 20,
      "output_tokens": 300,
      "cache_read_input_tokens": 4000,
      "cache_creation_input_tokens": 500,
    }, ["Bash"]),
    result,
  ]);
  const row = buildTurnRow({
    start: START,
    endedAt: 1_700_000_012,
    durationMs: 12_345.6,
    ending: ending({ result }),
    observed,
    // The runner's share of the running total: the first turn of a fresh session is all of it.
    costUsd: 0.0125,
    openThreads: 2,
    openReminders: 0,
  });
  assert.deepEqual(Object.keys(row), TURN_STATS_COLUMNS);
  assert.deepEqual(row, {
    agent: "alice",
    role: "manager",
    model: "haiku",
    "wake_from": "bob",
    "result_kind": "ok",
    "started_at": 1_700_000_000,
    "ended_at": 1_700_000_012,
    "duration_ms": 12_346,
    "input_tokens": 30,
    "output_tokens": 400,
    "cache_read_input_tokens": 5000,
    "cache_creation_input_tokens": 600,
    "last_input_tokens": 20,
    "last_output_tokens": 300,
    "last_cache_read_input_tokens": 4000,
    "last_cache_creation_input_tokens": 500,
    "cost_usd": 0.0125,
    "num_turns": 3,
    "session_id": "s-result",
    "tool_call_count": 3,
    "tool_call_breakdown_json": '{"Bash":2,"Read":1}',
    "open_threads_count": 2,
    "open_reminders_count": 0,
    note: null,
  });
});

Deno.test("buildTurnRow() of a crashed invocation: zero usage, NULL figures, the stream's session, the failure note", () => {
  const row = buildTurnRow({
    start: START,
    endedAt: 1_700_000_003,
    durationMs: 3000,
    ending: ending({ exitCode: 1, result: null }),
    observed: observe([
      { type: "system", subtype: "init", "session_id": "s-stream" },
    ]),
    costUsd: null,
    // The broker did not answer in time: NULL, never a made-up 0.
    openThreads: null,
    openReminders: null,
  });
  assert.equal(row.result_kind, "failed");
  assert.equal(row.note, "claude exited 1 without a result line");
  assert.equal(row.input_tokens, 0);
  assert.equal(row.cache_creation_input_tokens, 0);
  assert.equal(row.last_input_tokens, null);
  assert.equal(row.cost_usd, null);
  assert.equal(row.num_turns, null);
  assert.equal(row.session_id, "s-stream");
  assert.equal(row.tool_call_count, 0);
  assert.equal(row.tool_call_breakdown_json, "{}");
  assert.equal(row.open_threads_count, null);
  assert.equal(row.open_reminders_count, null);
});

Deno.test("restartRow() records a turn the harness died in as failed, 'harness restarted mid-turn', no figures", () => {
  const row = restartRow(START, 1_700_000_900);
  assert.deepEqual(Object.keys(row).sort(), [...TURN_STATS_COLUMNS].sort());
  assert.equal(RESTART_NOTE, "harness restarted mid-turn");
  assert.deepEqual(row, {
    ...START,
    "result_kind": "failed",
    "ended_at": 1_700_000_900,
    // The downtime is not the turn's duration: 0 keeps it out of the percentiles.
    "duration_ms": 0,
    "input_tokens": 0,
    "output_tokens": 0,
    "cache_read_input_tokens": 0,
    "cache_creation_input_tokens": 0,
    "last_input_tokens": null,
    "last_output_tokens": null,
    "last_cache_read_input_tokens": null,
    "last_cache_creation_input_tokens": null,
    "cost_usd": null,
    "num_turns": null,
    "session_id": null,
    "tool_call_count": 0,
    "tool_call_breakdown_json": "{}",
    "open_threads_count": null,
    "open_reminders_count": null,
    note: "harness restarted mid-turn",
  });
});

Deno.test("openEnding() knows nothing yet: classified, it is a failed turn with no result line", () => {
  const ending = openEnding();
  assert.deepEqual(ending, {
    exitCode: null,
    signal: null,
    result: null,
    apiErrorText: null,
    cancelled: false,
    compactFailed: false,
    spawnError: null,
  });
  assert.equal(classifyTurn(ending).result_kind, "failed");
});
