import assert from "node:assert/strict";
import {
  classifyTurn,
  type ResultKind,
  type TurnEnding,
} from "../../lib/stats/turn_stats_row.ts";

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
