/**
 * End to end with the real Claude Code CLI against the scripted API: what an operator sees of
 * each kind of turn, through the harness's own HTTP surface.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  apiError,
  promptTooLong,
  startScriptedApi,
  text,
  toolCalls,
} from "../fixtures/scripted_api.ts";
import {
  eventsOf,
  type HarnessProcess,
  startHarnessProcess,
  turnEnds,
  waitForEvent,
  waitForState,
} from "../fixtures/harness_process.ts";

type Api = ReturnType<typeof startScriptedApi>;

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
}

function userMessages(api: Api, index: number): unknown[] {
  const messages = api.requests[index]?.body.messages;
  return Array.isArray(messages)
    ? messages.filter((m) => (m as { role: string }).role === "user")
    : [];
}

Deno.test("a turn with several tool calls runs real Bash and shows each call and its result", async () => {
  const api = startScriptedApi({
    script: [
      toolCalls([{
        name: "Bash",
        input: { command: "echo first-call", description: "one" },
      }]),
      toolCalls([
        {
          name: "Bash",
          input: { command: "echo second-call", description: "two" },
        },
        {
          name: "Bash",
          input: { command: "echo third-call", description: "three" },
        },
      ]),
      text("all done"),
    ],
  });
  await withHarness(api, async (harness) => {
    await harness.post("/api/send", { body: "run the commands" });
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_end",
    );
    const toolUses = eventsOf(events, "stream", "assistant").flatMap((event) =>
      (event.message as { content: { type: string; name: string }[] }).content
        .filter((block) => block.type === "tool_use")
    );
    assert.equal(toolUses.length, 3);
    const results = JSON.stringify(eventsOf(events, "stream", "user"));
    for (const word of ["first-call", "second-call", "third-call"]) {
      assert.ok(results.includes(word), word);
    }
    assert.equal(turnEnds(events)[0]?.ok, true);
  });
});

Deno.test("an API error ends the turn failed with the error text", async () => {
  const api = startScriptedApi({
    script: [apiError(500, "api_error", "Internal server error")],
  });
  await withHarness(api, async (harness) => {
    await harness.post("/api/send", { body: "hello" });
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_end",
    );
    const end = turnEnds(events)[0]!;
    assert.equal(end.ok, false);
    assert.match(String(end.note), /API Error: 500/);
    assert.equal((await harness.get("/api/state")).body.status, "online");
  });
});

Deno.test("a second turn continues the session; new-session starts a fresh one once", async () => {
  const api = startScriptedApi({
    script: [text("one"), text("two"), text("three"), text("four")],
  });
  await withHarness(api, async (harness) => {
    for (const [index, body] of ["first", "second"].entries()) {
      await harness.post("/api/send", { body });
      await waitUntilTurns(harness, index + 1);
    }
    assert.equal(
      userMessages(api, 0).length,
      1,
      "first turn in a fresh cwd has no history",
    );
    assert.ok(
      userMessages(api, 1).length >= 2,
      "second turn carries the first",
    );
    assert.equal((await harness.post("/api/new-session")).status, 200);
    await harness.post("/api/send", { body: "third" });
    await waitUntilTurns(harness, 3);
    assert.equal(
      userMessages(api, 2).length,
      1,
      "new-session drops --continue",
    );
    await harness.post("/api/send", { body: "fourth" });
    await waitUntilTurns(harness, 4);
    assert.ok(userMessages(api, 3).length >= 2, "new-session is one-shot");
  });
});

async function waitUntilTurns(
  harness: HarnessProcess,
  count: number,
): Promise<Record<string, unknown>[]> {
  return await waitForEvent(harness, () => true, 60_000).then(
    async function poll(events): Promise<Record<string, unknown>[]> {
      if (turnEnds(events).length >= count) return events;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return poll(
        (await harness.get("/events/history")).body.events as Record<
          string,
          unknown
        >[],
      );
    },
  );
}

Deno.test("prompt too long compacts once and retries the wake-up once", async () => {
  const api = startScriptedApi({
    script: [
      text("first answer"),
      promptTooLong(),
      text("Summary of the conversation so far."),
      text("answer after retry"),
    ],
  });
  await withHarness(api, async (harness) => {
    await harness.post("/api/send", { body: "warm up" });
    await waitUntilTurns(harness, 1);
    await harness.post("/api/send", { body: "a big request" });
    const events = await waitUntilTurns(harness, 4);
    const ends = turnEnds(events);
    assert.equal(ends[1]?.ok, false);
    assert.match(String(ends[1]?.note), /prompt is too long/i);
    const starts = eventsOf(events, "turn_start");
    assert.deepEqual(starts.map((event) => [event.from, event.body]), [
      ["operator", "warm up"],
      ["operator", "a big request"],
      ["system", "/compact"],
      ["operator", "a big request"],
    ]);
    assert.equal(ends[3]?.ok, true);
    assert.equal((await harness.get("/api/state")).body.unread, 0);
  });
});

Deno.test("cancel stops a slow turn: failed, 'cancelled by operator', no tool process left", async () => {
  // A sleep of a length no other process uses, so pgrep finds exactly the tool's.
  const marker = `sleep ${3000 + Math.floor(Math.random() * 100000)}`;
  const api = startScriptedApi({
    script: [
      toolCalls([{
        name: "Bash",
        // Claude Code refuses a bare `sleep N` ("Blocked: standalone sleep").
        input: { command: `echo start; ${marker}`, description: "wait" },
      }]),
      text("late"),
    ],
  });
  await withHarness(api, async (harness) => {
    await harness.post("/api/send", { body: "wait a while" });
    await waitForEvent(
      harness,
      (event) => event.kind === "stream" && event.type === "assistant",
    );
    await waitForProcess(marker, true);
    assert.equal((await harness.post("/api/cancel")).status, 200);
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_end",
    );
    assert.deepEqual(turnEnds(events).map((end) => [end.ok, end.note]), [[
      false,
      "cancelled by operator",
    ]]);
    await waitForProcess(marker, false);
    assert.equal(
      (await harness.post("/api/cancel")).status,
      409,
      "nothing left to cancel",
    );
  }, { args: ["--allowed-tools", "Bash"] });
});

async function waitForProcess(marker: string, present: boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { stdout } = await new Deno.Command("pgrep", {
      args: ["-f", marker],
      stdout: "piped",
    }).output();
    const found = new TextDecoder().decode(stdout).trim() !== "";
    if (found === present) return;
    if (Date.now() > deadline) {
      throw new Error(
        `process ${marker} ${present ? "never started" : "survived"}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

Deno.test("not logged in sets needs_login_idle; a pasted key is stored 0600 and the held message runs", async () => {
  const api = startScriptedApi({ script: [text("logged in now")] });
  await withHarness(api, async (harness) => {
    await harness.post("/api/send", { body: "are you there" });
    await waitForState(harness, (state) => state.status === "needs_login_idle");
    const token = "sk-ant-api03-test-secret-value";
    const saved = await harness.post("/api/login", { token });
    assert.equal(saved.status, 200);
    assert.equal(saved.body.kind, "api_key");
    const info = await Deno.stat(
      join(harness.stateDir, "hyperhive-credentials"),
    );
    assert.equal(info.mode! & 0o777, 0o600);
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_end" && event.ok === true,
    );
    await waitForState(harness, (state) => state.status === "online");
    const starts = eventsOf(events, "turn_start").map((event) => event.body);
    assert.deepEqual(
      starts,
      ["are you there", "are you there"],
      "the held wake-up came again",
    );
    const everything =
      JSON.stringify((await harness.get("/events/history")).body) +
      JSON.stringify((await harness.get("/api/state")).body) +
      harness.logs.join("\n");
    assert.ok(
      !everything.includes(token),
      "the token never appears in events, state or logs",
    );
  }, { env: { ANTHROPIC_API_KEY: null } });
});

Deno.test("a model switch is persisted, announced and used by the next turn", async () => {
  const api = startScriptedApi({ script: [text("ok")] });
  await withHarness(api, async (harness) => {
    assert.equal(
      (await harness.post("/api/model", { model: "sonnet" })).status,
      200,
    );
    assert.equal(
      await Deno.readTextFile(join(harness.stateDir, "hyperhive-model")),
      "sonnet\n",
    );
    assert.equal((await harness.get("/api/state")).body.model, "sonnet");
    await harness.post("/api/send", { body: "which model" });
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_end",
    );
    assert.deepEqual(
      eventsOf(events, "model_changed").map((event) => event.model),
      ["sonnet"],
    );
    assert.match(String(api.requests[0]?.body.model), /sonnet/);
  });
});

Deno.test("a usage limit holds the agent rate_limited until the reset it names, then the loop resumes", async () => {
  const api = startScriptedApi();
  await withHarness(api, async (harness) => {
    // Named once the harness listens: a slow start on a loaded machine cannot eat the window.
    const resetAt = Math.floor(Date.now() / 1000) + 6;
    api.push(
      apiError(
        429,
        "rate_limit_error",
        `Claude AI usage limit reached|${resetAt}`,
      ),
      text("back again"),
    );
    await harness.post("/api/send", { body: "work" });
    const limited = await waitForState(
      harness,
      (state) => state.status === "rate_limited",
    );
    assert.equal(limited.rate_limited_until, resetAt);
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_end" && event.ok === true,
      30_000,
    );
    assert.equal(eventsOf(events, "turn_start").length, 2);
    await waitForState(harness, (state) => state.status === "online");
  });
});
