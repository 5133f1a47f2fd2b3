import assert from "node:assert/strict";
import { type Row, Transcript } from "../../ui/src/transcript.ts";

function assistant(
  seq: number,
  block: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    seq,
    kind: "stream",
    type: "assistant",
    message: { model: "claude-haiku-5-5", content: [block] },
    ...extra,
  };
}

function toolResult(
  seq: number,
  id: string,
  content: unknown,
  isError = false,
) {
  return {
    seq,
    kind: "stream",
    type: "user",
    message: {
      role: "user",
      content: [{
        type: "tool_result",
        tool_use_id: id,
        content,
        is_error: isError,
      }],
    },
  };
}

function types(rows: readonly Row[]): string[] {
  return rows.map((row) => row.type);
}

Deno.test("Transcript turns one turn into a wake-up, text, thinking, a tool with its result, and one turn end", () => {
  const transcript = new Transcript();
  const events = [
    { seq: 1, kind: "turn_state_changed", state: "thinking", since_unix: 1000 },
    { seq: 2, kind: "turn_start", from: "operator", body: "hi", unread: 2 },
    {
      seq: 3,
      kind: "stream",
      type: "system",
      subtype: "init",
      model: "claude-haiku-5-5",
      tools: ["Bash"],
      mcp_servers: [{ name: "hyperhive", status: "connected" }],
    },
    {
      seq: 4,
      kind: "stream",
      type: "system",
      subtype: "thinking_tokens",
      estimated_tokens: 7,
    },
    assistant(5, { type: "thinking", thinking: "Let me think" }),
    assistant(6, { type: "text", text: "Working on it" }),
    assistant(7, {
      type: "tool_use",
      id: "toolu_1",
      name: "Bash",
      input: { command: "echo hi" },
    }),
    toolResult(8, "toolu_1", "hi"),
    {
      seq: 9,
      kind: "stream",
      type: "result",
      is_error: false,
      duration_ms: 668,
      total_cost_usd: 0.0001,
      num_turns: 2,
      usage: { input_tokens: 50, output_tokens: 25 },
    },
    { seq: 10, kind: "token_usage_changed", usage: { input_tokens: 50 } },
    { seq: 11, kind: "turn_end", ok: true, note: null },
    {
      seq: 12,
      kind: "turn_stats_recorded",
      row: {
        result_kind: "ok",
        duration_ms: 700,
        input_tokens: 50,
        output_tokens: 25,
        cost_usd: 0.0001,
        tool_call_breakdown_json: '{"Bash":1}',
      },
    },
    { seq: 13, kind: "turn_state_changed", state: "idle", since_unix: 1001 },
  ];
  for (const event of events) transcript.apply(event);
  assert.deepEqual(types(transcript.rows), [
    "wake",
    "session",
    "thinking",
    "text",
    "tool",
    "turn_end",
  ]);
  const [wake, session, , , tool, end] = transcript.rows;
  assert.equal(wake?.type === "wake" && wake.unread, 2);
  assert.equal(
    session?.type === "session" && session.mcp[0],
    "hyperhive: connected",
  );
  assert.deepEqual(tool?.type === "tool" && tool.result, {
    text: "hi",
    isError: false,
  });
  assert.ok(end?.type === "turn_end");
  assert.equal(end.ok, true);
  assert.equal(end.durationMs, 700);
  assert.equal(end.resultKind, "ok");
  assert.deepEqual(end.tools, { Bash: 1 });
  assert.equal(end.usage?.output_tokens, 25);
});

Deno.test("Transcript matches results to calls by id when one message calls two tools", () => {
  const transcript = new Transcript();
  transcript.apply(
    assistant(1, {
      type: "tool_use",
      id: "a",
      name: "Read",
      input: { file_path: "/x" },
    }),
  );
  transcript.apply(
    assistant(2, {
      type: "tool_use",
      id: "b",
      name: "Bash",
      input: { command: "ls" },
    }),
  );
  transcript.apply(toolResult(3, "b", [{ type: "text", text: "file" }]));
  transcript.apply(toolResult(4, "a", "File does not exist.", true));
  const [read, bash] = transcript.rows;
  assert.deepEqual(read?.type === "tool" && read.result, {
    text: "File does not exist.",
    isError: true,
  });
  assert.deepEqual(bash?.type === "tool" && bash.result, {
    text: "file",
    isError: false,
  });
  assert.equal(transcript.rows.length, 2);
});

Deno.test("Transcript shows API retries and errors, notes, and failures with their note", () => {
  const transcript = new Transcript();
  transcript.apply({
    seq: 1,
    kind: "stream",
    type: "system",
    subtype: "api_retry",
    attempt: 1,
    max_retries: 3,
    retry_delay_ms: 563,
    error_status: 529,
    error: "overloaded",
  });
  transcript.apply(
    assistant(2, { type: "text", text: "API Error: 500 boom" }, {
      is_api_error_message: true,
      error: "server_error",
    }),
  );
  transcript.apply({ seq: 3, kind: "note", text: "stderr: something" });
  transcript.apply({
    seq: 4,
    kind: "stream",
    type: "result",
    is_error: true,
    result: "API Error: 500 boom",
  });
  transcript.apply({
    seq: 5,
    kind: "turn_end",
    ok: false,
    note: "API Error: 500 boom",
  });
  assert.deepEqual(types(transcript.rows), [
    "retry",
    "api_error",
    "note",
    "turn_end",
  ]);
  const retry = transcript.rows[0];
  assert.ok(retry?.type === "retry");
  assert.equal(retry.status, 529);
  const end = transcript.rows[3];
  assert.ok(end?.type === "turn_end");
  assert.equal(end.ok, false);
  assert.equal(end.note, "API Error: 500 boom");
});

Deno.test("Transcript makes a turn end row from turn_end alone when claude printed no result", () => {
  const transcript = new Transcript();
  transcript.apply({
    seq: 1,
    kind: "turn_start",
    from: "operator",
    body: "x",
    unread: 0,
  });
  transcript.apply({
    seq: 2,
    kind: "turn_end",
    ok: false,
    note: "cancelled by operator",
  });
  const end = transcript.rows[1];
  assert.ok(end?.type === "turn_end");
  assert.equal(end.note, "cancelled by operator");
});

Deno.test("Transcript shows unknown kinds and stream types as one labelled row with their fields", () => {
  const transcript = new Transcript();
  transcript.apply({ seq: 1, kind: "brand_new", x: 1 });
  transcript.apply({ seq: 2, kind: "stream", type: "mystery", y: 2 });
  assert.deepEqual(
    transcript.rows.map((row) => row.type === "raw" && [row.label, row.json]),
    [
      ["event brand_new", '{"kind":"brand_new","x":1}'],
      ["claude mystery", '{"kind":"stream","type":"mystery","y":2}'],
    ],
  );
});

Deno.test("Transcript says the CLI's bookkeeping lines in words, or hides them", () => {
  const transcript = new Transcript();
  const stream = (seq: number, fields: Record<string, unknown>) =>
    transcript.apply({ seq, kind: "stream", ...fields });
  stream(1, {
    type: "system",
    subtype: "task_started",
    task_id: "t1",
    description: "Survey the repo",
    subagent_type: "Explore",
  });
  stream(2, {
    type: "system",
    subtype: "task_notification",
    task_id: "t1",
    status: "completed",
    summary: "Found 3 modules",
    output_file: "/tmp/x",
  });
  stream(3, { type: "system", subtype: "status", status: "compacting" });
  stream(4, { type: "system", subtype: "status", status: null });
  stream(5, {
    type: "system",
    subtype: "compact_boundary",
    compact_metadata: {
      trigger: "manual",
      pre_tokens: 52000,
      post_tokens: 3100,
    },
  });
  stream(6, {
    type: "user",
    message: {
      role: "user",
      content:
        "<local-command-stdout>Compacted. ctrl+o to see full summary</local-command-stdout>",
    },
  });
  stream(7, {
    type: "user",
    isCompactSummary: true,
    message: {
      role: "user",
      content:
        "This session is being continued from a previous conversation that ran out of context.",
    },
  });
  stream(8, {
    type: "rate_limit_event",
    rate_limit_info: { status: "allowed", rateLimitType: "five_hour" },
  });
  stream(9, {
    type: "rate_limit_event",
    rate_limit_info: {
      status: "allowed_warning",
      rateLimitType: "five_hour",
      utilization: 0.85,
    },
  });
  stream(10, {
    type: "system",
    subtype: "session_state_changed",
    state: "running",
  });
  stream(11, {
    type: "system",
    subtype: "status",
    status: null,
    compact_result: "failed",
    compact_error: "Not enough messages to compact.",
  });
  transcript.apply({ seq: 12, kind: "status_changed", status: "paused" });
  transcript.apply({ seq: 13, kind: "status_changed", status: "over_budget" });
  stream(14, {
    type: "user",
    message: {
      role: "user",
      content: [{ type: "text", text: "[Request interrupted by user]" }],
    },
  });
  assert.deepEqual(
    transcript.rows.map((row) =>
      row.type === "info"
        ? row.text
        : row.type === "context_summary"
        ? "(summary)"
        : row.type
    ),
    [
      "task started: Survey the repo (Explore)",
      "task completed: Found 3 modules",
      "context compacted: 52k → 3.1k tokens",
      "command output: Compacted. ctrl+o to see full summary",
      "(summary)",
      "nearing the rate limit (five hour), 85% used",
      "compaction failed: Not enough messages to compact.",
      "the agent is paused: wake-ups wait in the inbox",
      "the agent is over its daily budget: wake-ups wait",
      "interrupted",
    ],
  );
  assert.ok(transcript.rows.every((row) => row.type !== "raw"));
});

Deno.test("Transcript drops the rows a refusal fallback retracts, and keeps the rest", () => {
  const transcript = new Transcript();
  transcript.apply(
    assistant(1, { type: "text", text: "kept" }, { uuid: "u-1" }),
  );
  transcript.apply(
    assistant(2, { type: "text", text: "refused part" }, { uuid: "u-2" }),
  );
  transcript.apply(
    assistant(3, {
      type: "tool_use",
      id: "tool-r",
      name: "Bash",
      input: { command: "rm -rf /" },
    }, { uuid: "u-3" }),
  );
  transcript.apply({
    seq: 4,
    kind: "stream",
    type: "system",
    subtype: "model_refusal_fallback",
    trigger: "refusal",
    direction: "retry",
    original_model: "claude-opus-5",
    fallback_model: "claude-sonnet-5",
    request_id: null,
    retracted_message_uuids: ["u-2", "u-3", "unknown-uuid"],
  });
  // Idempotent: the same uuids again change nothing.
  transcript.apply({
    seq: 5,
    kind: "stream",
    type: "assistant",
    uuid: "u-5",
    supersedes: ["u-2"],
    message: {
      model: "claude-sonnet-5",
      content: [{ type: "text", text: "redo" }],
    },
  });
  const shown = transcript.rows.filter((row) => row.type !== "hidden");
  assert.deepEqual(
    shown.map((row) =>
      row.type === "text" ? row.text : row.type === "info" ? row.text : row.type
    ),
    [
      "kept",
      "claude-opus-5 declined to answer; the reply came from claude-sonnet-5 instead (the refused part was withdrawn)",
      "redo",
    ],
  );
});

Deno.test("Transcript shows a failure once and reads a cancel as cancelled", () => {
  const transcript = new Transcript();
  transcript.apply({
    seq: 1,
    kind: "turn_start",
    from: "operator",
    body: "x",
    unread: 0,
  });
  transcript.apply({
    seq: 2,
    kind: "stream",
    type: "assistant",
    error: "authentication_failed",
    message: {
      model: "<synthetic>",
      content: [{ type: "text", text: "Not logged in · Please run /login" }],
    },
  });
  transcript.apply({
    seq: 3,
    kind: "stream",
    type: "result",
    is_error: true,
    result: "Not logged in · Please run /login",
  });
  transcript.apply({
    seq: 4,
    kind: "turn_end",
    ok: false,
    note: "Not logged in · Please run /login",
  });
  const failed = transcript.rows.at(-1);
  assert.ok(failed?.type === "turn_end");
  assert.equal(failed.noteShownAbove, true);
  assert.equal(failed.cancelled, false);

  transcript.apply({
    seq: 5,
    kind: "turn_start",
    from: "operator",
    body: "y",
    unread: 0,
  });
  transcript.apply({
    seq: 6,
    kind: "stream",
    type: "result",
    is_error: true,
    subtype: "error_during_execution",
  });
  transcript.apply({
    seq: 7,
    kind: "turn_end",
    ok: false,
    note: "cancelled by operator",
  });
  transcript.apply({
    seq: 8,
    kind: "turn_stats_recorded",
    row: {
      result_kind: "failed",
      note: "cancelled by operator",
      duration_ms: 900,
    },
  });
  const cancelled = transcript.rows.at(-1);
  assert.ok(cancelled?.type === "turn_end");
  assert.equal(cancelled.cancelled, true);
  assert.equal(cancelled.resultKind, "failed", "the stored kind is kept");
  assert.equal(cancelled.noteShownAbove, false);
});

Deno.test("Transcript times each tool call on the page's clock", () => {
  let clock = 1000;
  const transcript = new Transcript({ now: () => clock });
  transcript.apply(assistant(1, {
    type: "tool_use",
    id: "t",
    name: "Bash",
    input: { command: "sleep 2" },
  }));
  clock = 3500;
  transcript.apply(toolResult(2, "t", ""));
  const tool = transcript.rows[0];
  assert.ok(tool?.type === "tool");
  assert.equal(tool.startedMs, 1000);
  assert.equal(tool.endedMs, 3500);
});

Deno.test("Transcript keeps at most its cap of rows and still shows a result whose call was dropped", () => {
  const transcript = new Transcript({ cap: 100 });
  transcript.apply(
    assistant(1, { type: "tool_use", id: "old", name: "Bash", input: {} }),
  );
  for (let seq = 2; seq < 500; seq++) {
    transcript.apply({ seq, kind: "note", text: `n${seq}` });
  }
  assert.ok(transcript.rows.length <= 100);
  assert.equal(transcript.rows.at(-1)?.seq, 499);
  transcript.apply(toolResult(500, "old", "late"));
  const last = transcript.rows.at(-1);
  assert.ok(last?.type === "tool");
  assert.equal(last.name, "(earlier call)");
  assert.equal(last.result?.text, "late");
});

Deno.test("Transcript shows a turn recorded after a restart as its own failed turn", () => {
  const transcript = new Transcript();
  transcript.apply({
    seq: 1,
    kind: "turn_start",
    from: "operator",
    body: "x",
    unread: 0,
  });
  transcript.apply({
    seq: 2,
    kind: "stream",
    type: "result",
    is_error: false,
    duration_ms: 5,
  });
  transcript.apply({ seq: 3, kind: "turn_end", ok: true, note: null });
  transcript.apply({
    seq: 9,
    kind: "turn_stats_recorded",
    row: {
      result_kind: "failed",
      note: "harness restarted mid-turn",
      duration_ms: 0,
    },
  });
  const ends = transcript.rows.filter((row) => row.type === "turn_end");
  assert.deepEqual(
    ends.map((row) => row.type === "turn_end" && [row.ok, row.note]),
    [
      [true, null],
      [false, "harness restarted mid-turn"],
    ],
  );
});
