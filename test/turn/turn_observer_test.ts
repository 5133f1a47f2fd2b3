import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readTokenUsage } from "../../lib/wire/events.ts";
import {
  DEFAULT_CONTEXT_WINDOW,
  parseResetTime,
  TurnObserver,
  type TurnSignal,
} from "../../lib/turn/turn_observer.ts";
import { classifyTurn } from "../../lib/stats/turn_stats_row.ts";

// The fixtures are real Claude Code CLI output, recorded by test/fixtures/stream_json/record.ts
// against the scripted API; the figures below come from that script.
const FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "fixtures",
  "stream_json",
);
const EXIT_CODES = JSON.parse(
  Deno.readTextFileSync(join(FIXTURES, "exit_codes.json")),
) as Record<string, number>;

function readFixture(name: string): Record<string, unknown>[] {
  return Deno.readTextFileSync(join(FIXTURES, `${name}.jsonl`)).split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

function observeFixture(
  name: string,
): {
  observer: TurnObserver;
  signals: TurnSignal[];
  lines: Record<string, unknown>[];
} {
  const lines = readFixture(name);
  const observer = new TurnObserver();
  const signals = lines.flatMap((line) => observer.observe(line));
  return { observer, signals, lines };
}

function resultLine(lines: Record<string, unknown>[]): Record<string, unknown> {
  const result = lines.findLast((line) => line.type === "result");
  assert.ok(result, "fixture has no result line");
  return result;
}

function kinds(signals: TurnSignal[]): string[] {
  return signals.map((signal) => signal.kind);
}

function classifyFixture(name: string, observer: TurnObserver) {
  return classifyTurn({
    exitCode: EXIT_CODES[name] ?? null,
    signal: null,
    result: observer.result,
    apiErrorText: observer.apiErrorText,
    cancelled: false,
    compactFailed: observer.compactFailed,
    spawnError: null,
  });
}

Deno.test("TurnObserver on a real text turn: no tools, result usage, last inference, 1M window from modelUsage", () => {
  const { observer, signals, lines } = observeFixture("text");
  assert.deepEqual(observer.toolBreakdown(), {});
  assert.equal(observer.toolCallCount(), 0);
  assert.deepEqual(observer.totalUsage(), {
    input_tokens: 120,
    output_tokens: 7,
    cache_read_input_tokens: 30,
    cache_creation_input_tokens: 0,
  });
  assert.deepEqual(observer.lastUsage, {
    input_tokens: 120,
    output_tokens: 1,
    cache_read_input_tokens: 30,
    cache_creation_input_tokens: 0,
  });
  assert.equal(observer.contextWindow(), 1_000_000);
  assert.equal(observer.result, resultLine(lines));
  assert.equal(observer.sessionId, resultLine(lines).session_id);
  assert.equal(observer.apiErrorText, null);
  assert.equal(observer.compactFailed, false);
  assert.deepEqual(kinds(signals), ["context_usage"]);
  assert.deepEqual(classifyFixture("text", observer), {
    result_kind: "ok",
    note: null,
  });
});

Deno.test("TurnObserver counts both tool_use blocks of one message and never sums its repeated usage", () => {
  const { observer, signals, lines } = observeFixture("two_tool_blocks");
  // The CLI printed the one API message as two assistant lines, each with the same usage.
  const toolLines = lines.filter((line) =>
    line.type === "assistant" && JSON.stringify(line).includes('"tool_use"')
  );
  assert.equal(toolLines.length, 2);
  assert.deepEqual(observer.toolBreakdown(), { Bash: 2 });
  assert.equal(observer.toolCallCount(), 2);
  assert.deepEqual(
    observer.totalUsage(),
    readTokenUsage(resultLine(lines).usage),
  );
  assert.deepEqual(observer.totalUsage(), {
    input_tokens: 500,
    output_tokens: 49,
    cache_read_input_tokens: 2250,
    cache_creation_input_tokens: 50,
  });
  assert.deepEqual(observer.lastUsage, {
    input_tokens: 300,
    output_tokens: 1,
    cache_read_input_tokens: 1250,
    cache_creation_input_tokens: 0,
  });
  // One context gauge update per inference, not per printed line.
  const gauges = signals.filter((signal) => signal.kind === "context_usage");
  assert.deepEqual(gauges.map((signal) => signal.usage.input_tokens), [
    200,
    300,
  ]);
  assert.deepEqual(classifyFixture("two_tool_blocks", observer), {
    result_kind: "ok",
    note: null,
  });
});

Deno.test("TurnObserver breaks down Bash twice and Read once across three inferences", () => {
  const { observer, signals, lines } = observeFixture("bash_twice_read_once");
  assert.deepEqual(observer.toolBreakdown(), { Bash: 2, Read: 1 });
  assert.deepEqual(
    JSON.stringify(observer.toolBreakdown()),
    '{"Bash":2,"Read":1}',
  );
  assert.equal(observer.toolCallCount(), 3);
  assert.deepEqual(
    observer.totalUsage(),
    readTokenUsage(resultLine(lines).usage),
  );
  assert.deepEqual(observer.totalUsage(), {
    input_tokens: 460,
    output_tokens: 61,
    cache_read_input_tokens: 1800,
    cache_creation_input_tokens: 35,
  });
  assert.deepEqual(observer.lastUsage, {
    input_tokens: 210,
    output_tokens: 1,
    cache_read_input_tokens: 700,
    cache_creation_input_tokens: 5,
  });
  assert.equal(observer.contextWindow(), 1_000_000);
  assert.deepEqual(
    signals.filter((signal) => signal.kind === "context_usage").map((signal) =>
      signal.usage.input_tokens
    ),
    [100, 150, 210],
  );
});

Deno.test("TurnObserver on an API 500: an is_error result with subtype success, no usage, no signal", () => {
  const { observer, signals, lines } = observeFixture("api_error_500");
  const result = resultLine(lines);
  assert.equal(result.subtype, "success");
  assert.equal(result.is_error, true);
  assert.equal(
    observer.lastUsage,
    null,
    "the CLI's <synthetic> error line must not become the context gauge",
  );
  assert.deepEqual(observer.totalUsage(), {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  });
  assert.equal(observer.contextWindow(), DEFAULT_CONTEXT_WINDOW);
  assert.match(
    observer.apiErrorText ?? "",
    /^API Error: 500 Internal server error/,
  );
  assert.deepEqual(signals, []);
  const classified = classifyFixture("api_error_500", observer);
  assert.equal(classified.result_kind, "failed");
  assert.match(classified.note ?? "", /^API Error: 500/);
});

Deno.test("TurnObserver on a real prompt-too-long error: classified prompt_too_long, no signal", () => {
  const { observer, signals } = observeFixture("prompt_too_long");
  assert.match(observer.apiErrorText ?? "", /prompt is too long/i);
  assert.deepEqual(signals, []);
  assert.equal(observer.lastUsage, null);
  const classified = classifyFixture("prompt_too_long", observer);
  assert.equal(classified.result_kind, "prompt_too_long");
  assert.match(classified.note ?? "", /^Prompt is too long/);
});

Deno.test("TurnObserver on a real 429 signals rate_limited (no reset time given)", () => {
  const { observer, signals } = observeFixture("rate_limited_429");
  const limited = signals.filter((signal) => signal.kind === "rate_limited");
  assert.ok(limited.length >= 1, `signals: ${JSON.stringify(signals)}`);
  for (const signal of limited) {
    assert.equal(signal.resetAtUnix, null);
    assert.match(signal.text, /429/);
  }
  assert.ok(!kinds(signals).includes("login_required"));
  assert.equal(
    classifyFixture("rate_limited_429", observer).result_kind,
    "failed",
  );
});

Deno.test("TurnObserver on a real not-logged-in turn signals login_required once", () => {
  const { observer, signals } = observeFixture("not_logged_in");
  const login = signals.filter((signal) => signal.kind === "login_required");
  // The real CLI says it on the assistant line and on the result line; one warning per turn.
  assert.equal(login.length, 1, `signals: ${JSON.stringify(signals)}`);
  assert.match(login[0]!.text, /Not logged in/);
  assert.ok(!kinds(signals).includes("rate_limited"));
  assert.equal(observer.lastUsage, null);
  const classified = classifyFixture("not_logged_in", observer);
  assert.equal(classified.result_kind, "failed");
  assert.match(classified.note ?? "", /Not logged in/);
});

Deno.test("TurnObserver signals mcp_not_connected for a real init line with a failed server", () => {
  const { observer, signals } = observeFixture("mcp_failed");
  assert.deepEqual(
    signals.filter((signal) => signal.kind === "mcp_not_connected"),
    [
      { kind: "mcp_not_connected", server: "hyperhive", status: "failed" },
    ],
  );
  // The turn itself still succeeds.
  assert.deepEqual(classifyFixture("mcp_failed", observer), {
    result_kind: "ok",
    note: null,
  });
});

Deno.test("TurnObserver: every real fixture's totalUsage equals its result line's usage", async (t) => {
  for (const name of Object.keys(EXIT_CODES)) {
    await t.step(name, () => {
      const { observer, lines } = observeFixture(name);
      assert.deepEqual(
        observer.totalUsage(),
        readTokenUsage(resultLine(lines).usage),
      );
    });
  }
});

Deno.test("TurnObserver keeps the last real usage when a <synthetic> error line follows", () => {
  const observer = new TurnObserver();
  observer.observe(
    assistant("msg_1", [{ type: "text", text: "hi" }], {
      input_tokens: 50,
      cache_read_input_tokens: 7,
    }),
  );
  observer.observe({
    type: "assistant",
    message: {
      id: "x",
      model: "<synthetic>",
      content: [{ type: "text", text: "API Error: 500 boom" }],
      usage: { input_tokens: 0, output_tokens: 0 },
    },
  });
  assert.deepEqual(observer.lastUsage, {
    input_tokens: 50,
    output_tokens: 0,
    cache_read_input_tokens: 7,
    cache_creation_input_tokens: 0,
  });
  assert.equal(observer.apiErrorText, "API Error: 500 boom");
});

Deno.test("TurnObserver names a tool_use block without a name <unnamed>", () => {
  const observer = new TurnObserver();
  observer.observe(
    assistant("m", [{ type: "tool_use", id: "a" }, {
      type: "tool_use",
      name: "",
    }, {
      type: "tool_use",
      name: "mcp__hyperhive__send",
    }]),
  );
  assert.deepEqual(observer.toolBreakdown(), {
    "<unnamed>": 2,
    "mcp__hyperhive__send": 1,
  });
  assert.equal(observer.toolCallCount(), 3);
});

Deno.test("TurnObserver ignores malformed lines without throwing", async (t) => {
  const cases: Record<string, unknown>[] = [
    {},
    { type: "assistant" },
    { type: "assistant", message: "text" },
    { type: "assistant", message: { content: "not an array" } },
    {
      type: "assistant",
      message: { content: [null, 3, "x", { type: "tool_use", name: 5 }] },
    },
    { type: "system", subtype: "init", mcp_servers: "none" },
    { type: "system", subtype: "init", mcp_servers: [null, "x"] },
    { type: "rate_limit_event" },
    { type: "result" },
  ];
  for (const line of cases) {
    await t.step(JSON.stringify(line), () => {
      const observer = new TurnObserver();
      observer.observe(line);
      assert.equal(observer.lastUsage, null);
    });
  }
});

Deno.test("TurnObserver.totalUsage() reads missing result counters as 0", () => {
  const observer = new TurnObserver();
  assert.deepEqual(observer.totalUsage(), readTokenUsage(undefined));
  observer.observe({
    type: "result",
    is_error: false,
    usage: { input_tokens: 3, output_tokens: "7" },
  });
  assert.deepEqual(observer.totalUsage(), {
    input_tokens: 3,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  });
});

Deno.test("TurnObserver.contextWindow() falls back to 200k without a usable modelUsage window", async (t) => {
  const cases: [string, unknown, number][] = [
    ["no modelUsage", undefined, 200_000],
    ["empty", {}, 200_000],
    ["zero window", { haiku: { contextWindow: 0 } }, 200_000],
    ["string window", { haiku: { contextWindow: "1000000" } }, 200_000],
    ["set", { haiku: { contextWindow: 1_000_000 } }, 1_000_000],
    [
      "second model names it",
      { a: {}, b: { contextWindow: 500_000 } },
      500_000,
    ],
  ];
  for (const [name, modelUsage, expected] of cases) {
    await t.step(name, () => {
      const observer = new TurnObserver();
      observer.observe({ type: "result", is_error: false, modelUsage });
      assert.equal(observer.contextWindow(), expected);
    });
  }
});

Deno.test("TurnObserver notes a failed compact from the system line", async (t) => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ["compact_result failed", {
      type: "system",
      subtype: "status",
      compact_result: "failed",
    }, true],
    ["compact_metadata.result failed", {
      type: "system",
      subtype: "compact_boundary",
      compact_metadata: { result: "failed" },
    }, true],
    ["compact_boundary ok", {
      type: "system",
      subtype: "compact_boundary",
      compact_metadata: { trigger: "manual" },
    }, false],
    [
      "compact_result success",
      { type: "system", compact_result: "success" },
      false,
    ],
  ];
  for (const [name, line, failed] of cases) {
    await t.step(name, () => {
      const observer = new TurnObserver();
      observer.observe(line);
      assert.equal(observer.compactFailed, failed);
    });
  }
});

Deno.test("TurnObserver signals mcp_not_connected for each server not connected", () => {
  const observer = new TurnObserver();
  const signals = observer.observe({
    type: "system",
    subtype: "init",
    mcp_servers: [
      { name: "hyperhive", status: "connected" },
      { name: "slow", status: "pending" },
      { name: "broken", status: "failed" },
      { name: "odd" },
    ],
  });
  assert.deepEqual(signals, [
    { kind: "mcp_not_connected", server: "slow", status: "pending" },
    { kind: "mcp_not_connected", server: "broken", status: "failed" },
    { kind: "mcp_not_connected", server: "odd", status: "unknown" },
  ]);
});

Deno.test("TurnObserver reads rate_limit_event lines: rejected signals with its reset time, allowed does not", () => {
  const observer = new TurnObserver();
  assert.deepEqual(
    observer.observe({
      type: "rate_limit_event",
      rate_limit_info: { status: "allowed", resetsAt: 1 },
    }),
    [],
  );
  assert.deepEqual(
    observer.observe({
      type: "rate_limit_event",
      rate_limit_info: { status: "rejected", resetsAt: 1_800_000_000 },
    }),
    [
      {
        kind: "rate_limited",
        text: "usage limit reached",
        resetAtUnix: 1_800_000_000,
      },
    ],
  );
});

Deno.test("TurnObserver recognises login and usage-limit texts", async (t) => {
  const cases: [string, Record<string, unknown>, string | null][] = [
    [
      "authentication_failed code",
      errorLine("Something odd", "authentication_failed"),
      "login_required",
    ],
    [
      "invalid api key",
      errorLine("Invalid API key · Please run /login"),
      "login_required",
    ],
    [
      "expired oauth",
      errorLine("OAuth token has expired. Please obtain a new token"),
      "login_required",
    ],
    [
      "legacy usage limit",
      errorLine("Claude AI usage limit reached|1700000000"),
      "rate_limited",
    ],
    [
      "rate_limit code",
      errorLine("Request rejected", "rate_limit"),
      "rate_limited",
    ],
    [
      "server error",
      errorLine("API Error: 500 Internal server error", "server_error"),
      null,
    ],
    ["result is_error 429", {
      type: "result",
      is_error: true,
      result: "overloaded",
      api_error_status: 429,
    }, "rate_limited"],
    ["result is_error login", {
      type: "result",
      is_error: true,
      result: "Not logged in · Please run /login",
    }, "login_required"],
    ["result ok mentioning login", {
      type: "result",
      is_error: false,
      result: "You are not logged in to GitHub",
    }, null],
  ];
  for (const [name, line, expected] of cases) {
    await t.step(name, () => {
      const observer = new TurnObserver();
      const signals = kinds(observer.observe(line));
      assert.deepEqual(signals, expected === null ? [] : [expected]);
    });
  }
});

Deno.test("parseResetTime() reads the reset time of a usage-limit message", async (t) => {
  const cases: [string, number | null][] = [
    ["Claude AI usage limit reached|1700000000", 1_700_000_000],
    ["limit reached, resets at 1700000123", 1_700_000_123],
    [
      "usage limit reached; resets 2026-11-28T15:00:00Z",
      Date.UTC(2026, 10, 28, 15) / 1000,
    ],
    ["resets 2026-11-28T15:00+01:00", Date.UTC(2026, 10, 28, 14) / 1000],
    ["usage limit reached", null],
    ["", null],
  ];
  for (const [text, expected] of cases) {
    await t.step(
      JSON.stringify(text),
      () => assert.equal(parseResetTime(text), expected),
    );
  }
});

function assistant(
  id: string,
  content: Record<string, unknown>[],
  usage: Record<string, number> = { input_tokens: 1 },
): Record<string, unknown> {
  return {
    type: "assistant",
    message: { id, model: "claude-haiku-5-5", content, usage },
  };
}

function errorLine(text: string, error?: string): Record<string, unknown> {
  return {
    type: "assistant",
    message: {
      id: "e",
      model: "<synthetic>",
      content: [{ type: "text", text }],
      usage: { input_tokens: 0 },
    },
    ...(error ? { error } : {}),
    is_api_error_message: true,
  };
}

Deno.test("a sub-agent's inference does not move the context gauge, but its tools count", () => {
  const observer = new TurnObserver();
  observer.observe({
    type: "assistant",
    message: { id: "a", model: "m", content: [], usage: { input_tokens: 100 } },
  });
  observer.observe({
    type: "assistant",
    parent_tool_use_id: "toolu_1",
    message: {
      id: "b",
      model: "m",
      content: [{ type: "tool_use", name: "Read", input: {} }],
      usage: { input_tokens: 7 },
    },
  });
  assert.equal(observer.lastUsage?.input_tokens, 100);
  assert.deepEqual(observer.toolBreakdown(), { Read: 1 });
});
