/**
 * Warm turns (SPEC §10) end to end with the real Claude Code CLI against the scripted API: one
 * claude serves several wake-ups, each row holds its own turn's figures, and cancel, model switch,
 * new session, idle reaping, `--keep-warm 0`, a dying, hung or garbage-printing claude and a
 * harness restart all behave as the spec says, with no process left behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  apiError,
  startScriptedApi,
  text,
  toolCalls,
} from "../fixtures/scripted_api.ts";
import {
  historyOf,
  postJson,
  startInProcessHarness,
  waitForHistory,
} from "../fixtures/in_process_harness.ts";
import {
  CLAUDE,
  claudeTestEnv,
  eventsOf,
  type HarnessProcess,
  ROOT,
  startHarnessProcess,
  waitForEvent,
  waitForState,
} from "../fixtures/harness_process.ts";

type Api = ReturnType<typeof startScriptedApi>;
type Row = Record<string, unknown>;
interface Claude {
  pid: number;
  warm: boolean;
  "started_at": number;
  turns: number;
  "rss_bytes": number | null;
}

async function withHarness(
  api: Api,
  body: (harness: HarnessProcess) => Promise<void>,
  options: Parameters<typeof startHarnessProcess>[0] = {},
): Promise<void> {
  const harness = await startHarnessProcess({ apiUrl: api.url, ...options });
  try {
    await body(harness);
  } finally {
    await harness.stop();
    await api.close();
  }
  assert.deepEqual(
    await processesOf(harness.stateDir),
    [],
    "no claude (or MCP server) outlives the harness",
  );
}

/** Send a wake-up and wait for its row (the `count`-th row of the run). */
async function turn(
  harness: HarnessProcess,
  body: string,
  count: number,
): Promise<Row> {
  await harness.post("/api/send", { body });
  return await rowNumber(harness, count);
}

async function rowNumber(harness: HarnessProcess, count: number): Promise<Row> {
  const events = await waitForEvent(
    harness,
    (event) =>
      event.kind === "turn_stats_recorded" &&
      (event.row as Row).id === count,
  );
  return eventsOf(events, "turn_stats_recorded")
    .map((event) => event.row as Row)
    .find((row) => row.id === count)!;
}

async function claudeOf(harness: HarnessProcess): Promise<Claude | null> {
  return (await harness.get("/api/state")).body.claude as Claude | null;
}

function userMessages(api: Api, index: number): unknown[] {
  const messages = api.requests[index]?.body.messages;
  return Array.isArray(messages)
    ? messages.filter((m) => (m as { role: string }).role === "user")
    : [];
}

/** Pids of live processes whose command line names this state dir (claude, its MCP server). */
async function processesOf(stateDir: string): Promise<number[]> {
  const { stdout } = await new Deno.Command("pgrep", {
    args: ["-f", join(stateDir, "runtime")],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(stdout).split("\n").filter(Boolean).map(
    Number,
  ).filter((pid) => pid !== Deno.pid);
}

async function isAlive(pid: number): Promise<boolean> {
  try {
    return !/\) Z /.test(await Deno.readTextFile(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (await isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await delay(100);
  }
  return true;
}

async function resultsOf(harness: HarnessProcess): Promise<Row[]> {
  const { body } = await harness.get("/events/history?limit=2000");
  return eventsOf(body.events as Row[], "stream", "result");
}

function roundCost(value: number): number {
  return Math.round(value * 1e10) / 1e10;
}

Deno.test("one warm claude serves three wake-ups; the 2nd and 3rd rows hold their own turn's tokens and cost", async () => {
  const api = startScriptedApi({
    script: [
      text("one", {
        input_tokens: 100,
        output_tokens: 7,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 50,
      }),
      toolCalls([{
        name: "Bash",
        input: { command: "echo warm-tool", description: "echo" },
      }], {
        input_tokens: 200,
        output_tokens: 11,
        cache_read_input_tokens: 2000,
        cache_creation_input_tokens: 60,
      }),
      text("two", {
        input_tokens: 300,
        output_tokens: 13,
        cache_read_input_tokens: 3000,
        cache_creation_input_tokens: 70,
      }),
      text("three", {
        input_tokens: 400,
        output_tokens: 17,
        cache_read_input_tokens: 4000,
        cache_creation_input_tokens: 80,
      }),
    ],
  });
  await withHarness(api, async (harness) => {
    assert.equal(await claudeOf(harness), null, "no claude before a wake-up");
    const first = await turn(harness, "first", 1);
    const claude = (await claudeOf(harness))!;
    assert.equal(claude.warm, true);
    assert.equal(claude.turns, 1);
    assert.ok(claude.rss_bytes! > 10_000_000, "RSS of claude and its tree");
    assert.ok(Math.abs(claude.started_at - Date.now() / 1000) < 120);
    const second = await turn(harness, "second", 2);
    const third = await turn(harness, "third", 3);
    const after = (await claudeOf(harness))!;
    assert.equal(after.pid, claude.pid, "the same process served all three");
    assert.equal(after.turns, 3);
    const metrics = String((await harness.get("/metrics")).body.text);
    assert.match(
      metrics,
      /^hive_claude_running\{agent="alice",role="agent",mode="warm"\} 1$/m,
    );
    assert.match(
      metrics,
      /^hive_claude_turns\{agent="alice",role="agent"\} 3$/m,
    );
    const rss = /^hive_claude_rss_bytes\{agent="alice",role="agent"\} (\d+)$/m
      .exec(metrics);
    assert.ok(
      Number(rss?.[1]) > 10_000_000,
      "warm claude's memory on /metrics",
    );
    assert.equal(first.session_id, third.session_id);
    assert.ok(userMessages(api, 3).length >= 3, "the 3rd turn carries both");

    // Per-turn figures, as the CLI measures them: usage and num_turns are the turn's own, the
    // cost is the difference of the running totals.
    assert.deepEqual(
      [second.input_tokens, second.output_tokens],
      [500, 24],
      "2nd turn: two inferences (tool call, answer)",
    );
    assert.deepEqual(
      [second.cache_read_input_tokens, second.cache_creation_input_tokens],
      [5000, 130],
    );
    assert.equal(second.num_turns, 2);
    assert.equal(second.tool_call_count, 1);
    assert.deepEqual(
      [
        third.input_tokens,
        third.output_tokens,
        third.cache_read_input_tokens,
        third.cache_creation_input_tokens,
        third.num_turns,
        third.tool_call_count,
      ],
      [400, 17, 4000, 80, 1, 0],
    );
    const totals = (await resultsOf(harness)).map((result) =>
      result.total_cost_usd as number
    );
    assert.equal(totals.length, 3);
    assert.ok(totals[2]! > totals[1]! && totals[1]! > totals[0]!);
    assert.equal(first.cost_usd, roundCost(totals[0]!));
    assert.equal(second.cost_usd, roundCost(totals[1]! - totals[0]!));
    assert.equal(third.cost_usd, roundCost(totals[2]! - totals[1]!));
    assert.equal(third.last_input_tokens, 400, "the context gauge");
    assert.ok(
      eventsOf(
        (await harness.get("/events/history?limit=2000")).body.events as Row[],
        "turn_end",
      ).every((event) => event.ok === true),
    );
  });
});

Deno.test("--keep-warm 0 runs a fresh claude per turn, and its rows hold per-turn cost too", async () => {
  const api = startScriptedApi({
    fallback: text("cold", { input_tokens: 1000, output_tokens: 100 }),
  });
  await withHarness(api, async (harness) => {
    const first = await turn(harness, "first", 1);
    assert.equal(await claudeOf(harness), null, "nothing runs between turns");
    const second = await turn(harness, "second", 2);
    assert.ok(userMessages(api, 1).length >= 2, "--continue");
    const totals = (await resultsOf(harness)).map((result) =>
      result.total_cost_usd as number
    );
    // --continue restores the session's running total: the 2nd process prints the sum.
    assert.ok(totals[1]! > totals[0]!);
    assert.equal(first.cost_usd, roundCost(totals[0]!));
    assert.equal(second.cost_usd, roundCost(totals[1]! - totals[0]!));
    assert.equal(second.cost_usd, first.cost_usd, "same usage, same cost");
  }, { args: ["--keep-warm", "0"] });
});

Deno.test("a warm claude is capped by what is left of today's budget: the turn that would pass it makes no further call, and a raised budget runs on a fresh claude", async () => {
  // 100,000 input tokens cost $0.01 at the CLI's price for the scripted model.
  const call = { "input_tokens": 100_000, "output_tokens": 10 };
  const api = startScriptedApi({
    script: [
      text("one", call),
      text("two", call),
      toolCalls([{ name: "Bash", input: { command: "true" } }], call),
    ],
    fallback: text("fine", call),
  });
  await withHarness(api, async (harness) => {
    const first = await turn(harness, "one", 1);
    const warm = (await claudeOf(harness))!;
    const second = await turn(harness, "two", 2);
    assert.deepEqual([first.result_kind, second.result_kind], ["ok", "ok"]);
    assert.equal((await claudeOf(harness))!.pid, warm.pid);
    const callsBefore = api.requests.length;
    // $0.02 spent, $0.005 left: the third turn's first call takes the process to $0.03, and the
    // CLI stops there instead of sending the tool's result back for another call.
    const third = await turn(harness, "three", 3);
    assert.equal(third.result_kind, "failed");
    assert.equal(third.note, "Reached maximum budget ($0.025)");
    assert.equal(api.requests.length, callsBefore + 1, "one call, not two");
    assert.equal(third.cost_usd, first.cost_usd, "the one call it made");
    await waitForState(harness, (state) => state.status === "over_budget");
    await harness.post("/api/send", { body: "four" });
    assert.equal(
      (await harness.post("/api/budget", { daily_usd: 1 })).status,
      200,
    );
    const fourth = await rowNumber(harness, 4);
    assert.equal(fourth.result_kind, "ok");
    assert.notEqual(
      (await claudeOf(harness))!.pid,
      warm.pid,
      "a new cap needs a new claude",
    );
  }, { args: ["--budget-daily-usd", "0.025"] });
});

Deno.test("an idle warm claude is closed after --keep-warm; the next wake-up starts cold with --continue", async () => {
  const api = startScriptedApi({ fallback: text("ok") });
  await withHarness(api, async (harness) => {
    await turn(harness, "first", 1);
    const warm = (await claudeOf(harness))!;
    await waitForState(harness, (state) => state.claude === null, 30_000);
    assert.equal(await exitsWithin(warm.pid, 10_000), true);
    const second = await turn(harness, "second", 2);
    assert.equal(second.result_kind, "ok");
    assert.notEqual((await claudeOf(harness))?.pid, warm.pid);
    assert.ok(userMessages(api, 1).length >= 2, "the session goes on");
    const history = (await harness.get("/events/history?limit=2000")).body
      .events as Row[];
    assert.ok(
      eventsOf(history, "note").some((event) =>
        /ended: it was idle for 2 s/.test(String(event.text))
      ),
    );
  }, { args: ["--keep-warm", "2"] });
});

Deno.test("cancel interrupts a warm turn and keeps the process and its session", async () => {
  const api = startScriptedApi({
    script: [
      text("one"),
      {
        kind: "message",
        blocks: [{ type: "text", text: "slow" }],
        delayMs: 20_000,
      },
      text("after cancel"),
    ],
  });
  await withHarness(api, async (harness) => {
    const first = await turn(harness, "first", 1);
    const warm = (await claudeOf(harness))!;
    await harness.post("/api/send", { body: "slow one" });
    await waitForState(harness, (state) => state.turn_state === "thinking");
    while (api.requests.length < 2) await delay(50);
    assert.equal((await harness.post("/api/cancel")).status, 200);
    const cancelled = await rowNumber(harness, 2);
    assert.equal(cancelled.result_kind, "failed");
    assert.equal(cancelled.note, "cancelled by operator");
    const third = await turn(harness, "third", 3);
    assert.equal(third.result_kind, "ok");
    assert.equal((await claudeOf(harness))?.pid, warm.pid, "same process");
    assert.equal(third.session_id, first.session_id, "same session");
  });
});

Deno.test("a warm claude that ignores the interrupt past the grace is killed with its tree; the next turn starts cold", async () => {
  const api = startScriptedApi({
    script: [
      text("one"),
      {
        kind: "message",
        blocks: [{ type: "text", text: "slow" }],
        delayMs: 30_000,
      },
      text("after kill"),
    ],
  });
  await withHarness(api, async (harness) => {
    const first = await turn(harness, "first", 1);
    const warm = (await claudeOf(harness))!;
    await harness.post("/api/send", { body: "slow one" });
    while (api.requests.length < 2) await delay(50);
    // Frozen, it can answer nothing: the interrupt goes unheard.
    Deno.kill(warm.pid, "SIGSTOP");
    assert.equal((await harness.post("/api/cancel")).status, 200);
    const cancelled = await rowNumber(harness, 2);
    assert.equal(cancelled.note, "cancelled by operator");
    assert.equal(await isAlive(warm.pid), false, "killed");
    const third = await turn(harness, "third", 3);
    assert.equal(third.result_kind, "ok");
    assert.notEqual((await claudeOf(harness))?.pid, warm.pid);
    assert.equal(third.session_id, first.session_id, "--continue");
    const history = (await harness.get("/events/history?limit=2000")).body
      .events as Row[];
    assert.ok(
      eventsOf(history, "note").some((event) =>
        /ignored the interrupt/.test(String(event.text))
      ),
    );
  });
});

Deno.test("a model switch reaches the warm claude's next turn without a restart or a new session", async () => {
  const api = startScriptedApi({ fallback: text("ok") });
  await withHarness(api, async (harness) => {
    const first = await turn(harness, "first", 1);
    const warm = (await claudeOf(harness))!;
    assert.equal(
      (await harness.post("/api/model", { model: "sonnet" })).status,
      200,
    );
    const second = await turn(harness, "second", 2);
    assert.match(String(api.requests[1]?.body.model), /sonnet/);
    assert.match(String(api.requests[0]?.body.model), /haiku/);
    assert.equal(second.model, "sonnet");
    assert.equal((await claudeOf(harness))?.pid, warm.pid);
    assert.equal(second.session_id, first.session_id);
    assert.ok(userMessages(api, 1).length >= 2);
  });
});

Deno.test("new session ends the warm claude; the next turn starts fresh", async () => {
  const api = startScriptedApi({ fallback: text("ok") });
  await withHarness(api, async (harness) => {
    const first = await turn(harness, "first", 1);
    const warm = (await claudeOf(harness))!;
    assert.equal((await harness.post("/api/new-session")).status, 200);
    await waitForState(harness, (state) => state.claude === null);
    assert.equal(await exitsWithin(warm.pid, 10_000), true);
    const second = await turn(harness, "second", 2);
    assert.notEqual(second.session_id, first.session_id);
    assert.equal(userMessages(api, 1).length, 1, "no history");
  });
});

Deno.test("/compact runs on the warm claude as a turn of its own", async () => {
  const api = startScriptedApi({
    script: [text("one"), text("Summary: we said one"), text("after")],
  });
  await withHarness(api, async (harness) => {
    await turn(harness, "first", 1);
    const warm = (await claudeOf(harness))!;
    assert.equal((await harness.post("/api/compact")).status, 200);
    const compact = await rowNumber(harness, 2);
    assert.equal(compact.result_kind, "ok");
    const history = (await harness.get("/events/history?limit=2000")).body
      .events as Row[];
    assert.ok(
      eventsOf(history, "stream", "system").some((event) =>
        event.subtype === "compact_boundary"
      ),
      "the CLI compacted",
    );
    const after = await turn(harness, "after", 3);
    assert.equal(after.result_kind, "ok");
    assert.equal((await claudeOf(harness))?.pid, warm.pid);
  });
});

Deno.test("a /compact that fails on the warm claude is a failed row, as a cold one is", async () => {
  const api = startScriptedApi({
    script: [
      text("one"),
      apiError(500, "api_error", "Internal server error"),
      text("after"),
    ],
  });
  await withHarness(api, async (harness) => {
    await turn(harness, "first", 1);
    const warm = (await claudeOf(harness))!;
    assert.equal((await harness.post("/api/compact")).status, 200);
    const compact = await rowNumber(harness, 2);
    assert.equal(compact.result_kind, "failed");
    assert.match(
      String(compact.note),
      /^compact failed: Error during compaction: API Error: 500/,
    );
    const after = await turn(harness, "after", 3);
    assert.equal(after.result_kind, "ok");
    assert.equal((await claudeOf(harness))?.pid, warm.pid, "still warm");
  });
});

Deno.test("a warm claude killed mid-turn: a failed row, the wake-up once more on a fresh claude, nothing left", async () => {
  const api = startScriptedApi({
    script: [
      text("one"),
      {
        kind: "message",
        blocks: [{ type: "text", text: "slow" }],
        delayMs: 30_000,
      },
      text("again"),
    ],
  });
  await withHarness(api, async (harness) => {
    await turn(harness, "first", 1);
    const warm = (await claudeOf(harness))!;
    await harness.post("/api/send", { body: "doomed" });
    while (api.requests.length < 2) await delay(50);
    Deno.kill(warm.pid, "SIGKILL");
    const failed = await rowNumber(harness, 2);
    assert.equal(failed.result_kind, "failed");
    assert.equal(failed.note, "warm claude killed by SIGKILL mid-turn");
    const retried = await rowNumber(harness, 3);
    assert.equal(retried.result_kind, "ok");
    assert.equal(retried.wake_from, "operator");
    const fresh = (await claudeOf(harness))!;
    assert.notEqual(fresh.pid, warm.pid);
    const history = (await harness.get("/events/history?limit=2000")).body
      .events as Row[];
    assert.deepEqual(
      eventsOf(history, "turn_start").map((event) => event.body),
      ["first", "doomed", "doomed"],
      "delivered again exactly once",
    );
    assert.equal((await harness.get("/api/state")).body.unread, 0);
    assert.equal(await isAlive(warm.pid), false);
    assert.ok(!(await processesOf(harness.stateDir)).includes(warm.pid));
  });
});

Deno.test("a warm claude that dies between turns: a note, and the next wake-up runs on a fresh one", async () => {
  const api = startScriptedApi({ fallback: text("ok") });
  await withHarness(api, async (harness) => {
    await turn(harness, "first", 1);
    const warm = (await claudeOf(harness))!;
    Deno.kill(warm.pid, "SIGKILL");
    await waitForState(harness, (state) => state.claude === null);
    const second = await turn(harness, "second", 2);
    assert.equal(second.result_kind, "ok");
    const history = (await harness.get("/events/history?limit=2000")).body
      .events as Row[];
    assert.ok(
      eventsOf(history, "note").some((event) =>
        /killed by SIGKILL between turns/.test(String(event.text))
      ),
    );
    assert.equal(eventsOf(history, "turn_stats_recorded").length, 2);
  });
});

Deno.test("a warm claude that prints garbage mid-turn is replaced: a failed row, then the wake-up on a fresh one", async () => {
  const api = startScriptedApi({ fallback: text("ok") });
  await withHarness(api, async (harness) => {
    await turn(harness, "first", 1);
    const failed = await turn(harness, "second", 2);
    assert.equal(failed.result_kind, "failed");
    assert.match(
      String(failed.note),
      /^warm claude printed a line that is not JSON: Segmentation fault/,
    );
    const retried = await rowNumber(harness, 3);
    assert.equal(retried.result_kind, "ok");
  }, {
    claude: join(ROOT, "test", "fixtures", "fake_claude", "garbage_warm.sh"),
  });
});

Deno.test("a harness killed with a warm claude idle: the restart kills it", async () => {
  const api = startScriptedApi({ fallback: text("ok") });
  const first = await startHarnessProcess({ apiUrl: api.url });
  let second: HarnessProcess | undefined;
  try {
    await turn(first, "first", 1);
    const warm = (await claudeOf(first))!;
    await first.kill();
    assert.equal(await isAlive(warm.pid), true, "orphaned by the SIGKILL");
    second = await startHarnessProcess({
      apiUrl: api.url,
      stateDir: first.stateDir,
      home: first.home,
    });
    assert.equal(await isAlive(warm.pid), false, "swept at restart");
  } finally {
    await second?.stop();
    await api.close();
  }
  assert.deepEqual(await processesOf(first.stateDir), []);
});

Deno.test("a warm claude that hangs gets no wake-up: killed after the answer timeout, the wake-up runs on a fresh one", async () => {
  const api = startScriptedApi({ fallback: text("ok") });
  const home = await Deno.makeTempDir({ prefix: "hive-home-" });
  const harness = await startInProcessHarness({
    claude: CLAUDE,
    baseEnv: claudeTestEnv(api.url, home),
    keepWarmSeconds: 600,
    warmAnswerTimeoutMs: 3000,
  });
  const rows = async () =>
    eventsOf(await historyOf(harness), "turn_stats_recorded").map((event) =>
      event.row as Row
    );
  try {
    await postJson(harness, "/api/send", { body: "first" });
    await waitForHistory(harness, (event) => event.kind === "turn_end", 60_000);
    const warm = harness.parts.loop.claude()!;
    // Frozen between turns: it reads nothing and answers nothing.
    Deno.kill(warm.pid, "SIGSTOP");
    await postJson(harness, "/api/send", { body: "second" });
    await waitForHistory(
      harness,
      (event) =>
        event.kind === "turn_stats_recorded" && (event.row as Row).id === 3,
      60_000,
    );
    const [, hung, retried] = await rows();
    assert.equal(hung!.result_kind, "failed");
    assert.equal(hung!.note, "warm claude did not answer within 3 s");
    assert.equal(retried!.result_kind, "ok");
    assert.equal(await exitsWithin(warm.pid, 10_000), true);
    assert.notEqual(harness.parts.loop.claude()?.pid, warm.pid);
  } finally {
    await harness.stop();
    await api.close();
  }
  assert.deepEqual(await processesOf(harness.stateDir), []);
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
