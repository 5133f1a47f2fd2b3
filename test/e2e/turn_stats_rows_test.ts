/**
 * One turn-stats row per real claude turn, asserted exactly: tokens equal to the `result` line's
 * usage, cost the turn's share of the session's running total, tool breakdowns counted by block, result kinds and notes, and the post-turn broker
 * counts moving when the agent sets a reminder through its MCP tool.
 */
import assert from "node:assert/strict";
import {
  apiError,
  promptTooLong,
  startScriptedApi,
  text,
  toolCalls,
} from "../fixtures/scripted_api.ts";
import {
  eventsOf,
  startHarnessProcess,
  waitForEvent,
} from "../fixtures/harness_process.ts";

type Row = Record<string, unknown>;

Deno.test("each real turn leaves one exact row, read back from /api/turn-stats", async () => {
  const api = startScriptedApi({
    script: [
      // 1: text
      text("plain answer", {
        input_tokens: 120,
        output_tokens: 7,
        cache_read_input_tokens: 30,
        cache_creation_input_tokens: 4,
      }),
      // 2: Bash twice, Read once, over three inferences
      toolCalls([{
        name: "Bash",
        input: { command: "echo a", description: "a" },
      }]),
      toolCalls([{
        name: "Bash",
        input: { command: "echo b", description: "b" },
      }]),
      toolCalls([{ name: "Read", input: { file_path: "/etc/hostname" } }]),
      text("read it"),
      // 3: one message with two tool_use blocks
      toolCalls([
        { name: "Bash", input: { command: "echo c", description: "c" } },
        { name: "Glob", input: { pattern: "*" } },
      ]),
      text("two at once"),
      // 4: the task tools, and a reminder through the hyperhive MCP server
      toolCalls([
        {
          name: "TaskCreate",
          input: { subject: "write tests", description: "all of them" },
        },
        {
          name: "mcp__hyperhive__remind",
          input: { message: "check later", delay_seconds: 3600 },
        },
      ]),
      text("noted"),
      // 5: an API error
      apiError(500, "api_error", "Internal server error"),
    ],
  });
  const harness = await startHarnessProcess({ apiUrl: api.url });
  try {
    const bodies = ["one", "two", "three", "four", "five"];
    for (const [index, body] of bodies.entries()) {
      await harness.post("/api/send", { body });
      await waitForEvent(
        harness,
        (event) =>
          event.kind === "turn_stats_recorded" &&
          (event.row as Row).id === index + 1,
      );
    }
    const history = (await harness.get("/events/history")).body
      .events as Record<string, unknown>[];
    const results = eventsOf(history, "stream", "result");
    const { body } = await harness.get("/api/turn-stats?limit=10");
    const rows = (body.rows as Row[]).toReversed();
    assert.equal(rows.length, 5);
    rows.forEach((row, index) => {
      const usage = results[index]!.usage as Record<string, number>;
      assert.deepEqual(
        [
          row.input_tokens,
          row.output_tokens,
          row.cache_read_input_tokens,
          row.cache_creation_input_tokens,
        ],
        [
          usage.input_tokens,
          usage.output_tokens,
          usage.cache_read_input_tokens,
          usage.cache_creation_input_tokens,
        ],
        `row ${index + 1} tokens are the result line's`,
      );
      assert.equal(row.agent, "alice");
      assert.equal(row.role, "agent");
      assert.equal(row.model, "haiku");
      assert.equal(row.wake_from, "operator");
      assert.equal(typeof row.duration_ms, "number");
      assert.ok((row.ended_at as number) >= (row.started_at as number));
      assert.equal(row.session_id, results[index]!.session_id);
    });
    assert.deepEqual(pick(rows[0]!), ["ok", null, 0, {}]);
    assert.deepEqual(
      [rows[0]!.input_tokens, rows[0]!.cache_read_input_tokens],
      [120, 30],
    );
    assert.equal(
      rows[0]!.last_input_tokens,
      120,
      "last inference usage = context",
    );
    assert.deepEqual(pick(rows[1]!), ["ok", null, 3, { Bash: 2, Read: 1 }]);
    assert.equal(rows[1]!.num_turns, results[1]!.num_turns);
    assert.deepEqual(pick(rows[2]!), ["ok", null, 2, { Bash: 1, Glob: 1 }]);
    assert.deepEqual(pick(rows[3]!), ["ok", null, 2, {
      TaskCreate: 1,
      mcp__hyperhive__remind: 1,
    }]);
    assert.deepEqual([
      rows[2]!.open_threads_count,
      rows[2]!.open_reminders_count,
    ], [0, 0]);
    assert.deepEqual(
      [rows[3]!.open_threads_count, rows[3]!.open_reminders_count],
      [1, 1],
      "the reminder is a loose end",
    );
    assert.equal(rows[4]!.result_kind, "failed");
    assert.match(String(rows[4]!.note), /API Error: 500/);
    // total_cost_usd runs on over the session; each row holds its own turn's share.
    const totals = results.map((result) => result.total_cost_usd as number);
    rows.forEach((row, index) =>
      assert.equal(
        row.cost_usd,
        roundCost(totals[index]! - (index === 0 ? 0 : totals[index - 1]!)),
        `row ${index + 1}'s cost is its turn's, not the running total`,
      )
    );
    assert.ok((rows[1]!.cost_usd as number) > 0);
    assert.ok((rows[2]!.cost_usd as number) < totals[2]!);
  } finally {
    await harness.stop();
    await api.close();
  }
});

function roundCost(value: number): number {
  return Math.round(value * 1e10) / 1e10;
}

function pick(row: Row): unknown[] {
  return [
    row.result_kind,
    row.note,
    row.tool_call_count,
    JSON.parse(String(row.tool_call_breakdown_json)),
  ];
}

Deno.test("prompt too long, compact and retry are three rows; a cancelled turn is failed", async () => {
  const api = startScriptedApi({
    script: [
      text("warm"),
      promptTooLong(),
      text("Summary."),
      text("after retry"),
      {
        kind: "message",
        blocks: [{ type: "text", text: "never seen" }],
        delayMs: 10_000,
      },
    ],
  });
  const harness = await startHarnessProcess({ apiUrl: api.url });
  try {
    await harness.post("/api/send", { body: "warm up" });
    await waitForEvent(
      harness,
      (event) => event.kind === "turn_stats_recorded",
    );
    await harness.post("/api/send", { body: "big" });
    await waitForEvent(
      harness,
      (event) =>
        event.kind === "turn_stats_recorded" && (event.row as Row).id === 4,
    );
    await harness.post("/api/send", { body: "slow" });
    await waitForEvent(
      harness,
      (event) => event.kind === "turn_start" && event.body === "slow",
    );
    for (let i = 0; i < 100 && api.requests.length < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await harness.post("/api/cancel")).status, 200);
    await waitForEvent(
      harness,
      (event) =>
        event.kind === "turn_stats_recorded" && (event.row as Row).id === 5,
    );
    const rows = ((await harness.get("/api/turn-stats")).body.rows as Row[])
      .toReversed();
    assert.deepEqual(rows.map((row) => [row.wake_from, row.result_kind]), [
      ["operator", "ok"],
      ["operator", "prompt_too_long"],
      ["system", "ok"],
      ["operator", "ok"],
      ["operator", "failed"],
    ]);
    assert.match(String(rows[1]!.note), /prompt is too long/i);
    assert.equal(rows[4]!.note, "cancelled by operator");
  } finally {
    await harness.stop();
    await api.close();
  }
});

Deno.test("not logged in: the row is failed with claude's own words", async () => {
  const api = startScriptedApi({ script: [] });
  const harness = await startHarnessProcess({
    apiUrl: api.url,
    env: { ANTHROPIC_API_KEY: null },
  });
  try {
    await harness.post("/api/send", { body: "hello" });
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_stats_recorded",
    );
    const row = eventsOf(events, "turn_stats_recorded")[0]!.row as Row;
    assert.equal(row.result_kind, "failed");
    assert.match(String(row.note), /Not logged in/);
    assert.equal(row.input_tokens, 0);
  } finally {
    await harness.stop();
    await api.close();
  }
});
