/**
 * The turn loop with a fake broker and a fake claude: delivery only at turn end, wake-ups held
 * while rate limited, compact-and-retry, and post-turn counts that are NULL when the broker does
 * not answer in time, never a made-up 0.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Broker, Wakeup } from "../../lib/broker/broker.ts";
import { AgentState } from "../../lib/turn/agent_state.ts";
import { ContinueMarker } from "../../lib/turn/continue_marker.ts";
import { CredentialStore } from "../../lib/claude/credentials.ts";
import type { LiveEvent } from "../../lib/wire/events.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { ModelSetting } from "../../lib/turn/model_setting.ts";
import { TurnLoop, type TurnLoopDeps } from "../../lib/turn/turn_loop.ts";
import type {
  ClaudeChild,
  SpawnRequest,
  StdoutItem,
} from "../../lib/turn/turn_runner.ts";
import type { TurnStatsRow } from "../../lib/stats/turn_stats_row.ts";
import { NO_TICKET } from "../../lib/stats/turn_stats_recorder.ts";

class FakeBroker implements Broker {
  queue: Wakeup[] = [];
  delivered: number[] = [];
  counts: "answer" | "hang" = "answer";
  /** Whether the loop asked for batches. */
  batchAsked: boolean | undefined;
  /** This many marks fail (a broker whose store fails) before they work again. */
  failingMarks = 0;
  async nextWakeup(
    _agent: string,
    options: { waitMs: number; signal?: AbortSignal; batch?: boolean },
  ): Promise<Wakeup | null> {
    this.batchAsked = options.batch;
    const next = this.queue.find((wakeup) =>
      !this.delivered.includes(wakeup.id)
    );
    if (next) return next;
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.min(options.waitMs, 20));
      options.signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve(null);
      }, { once: true });
    });
    return null;
  }
  markDelivered(_agent: string, id: number) {
    if (this.failingMarks > 0) {
      this.failingMarks--;
      return Promise.reject(new Error("disk I/O error"));
    }
    this.delivered.push(id);
    return Promise.resolve();
  }
  send() {
    return Promise.resolve({ id: 1 });
  }
  inboxDepth() {
    return Promise.resolve(0);
  }
  recent() {
    return Promise.resolve([]);
  }
  looseEnds() {
    return Promise.resolve({ questions: [], reminders: [] });
  }
  countLooseEnds() {
    return this.counts === "hang"
      ? new Promise<number>(() => {})
      : Promise.resolve(3);
  }
  countPendingReminders() {
    return this.counts === "hang"
      ? new Promise<number>(() => {})
      : Promise.resolve(2);
  }
  answerQuestion() {
    return Promise.resolve();
  }
  cancelLooseEnd() {
    return Promise.resolve();
  }
  setStatus() {
    return Promise.resolve();
  }
  report() {
    return Promise.resolve();
  }
  nextControl() {
    return Promise.resolve(null);
  }
  close() {
    return Promise.resolve();
  }
}

function child(lines: Record<string, unknown>[], exitCode = 0): ClaudeChild {
  return {
    lines: (async function* (): AsyncGenerator<StdoutItem> {
      for (const value of lines) {
        // A `wait` line pauses the fake mid-turn until the test lets it go on.
        if (value.wait instanceof Promise) await value.wait;
        else yield { kind: "object", value, partial: false };
      }
    })(),
    stderrLines: (async function* () {})(),
    exited: Promise.resolve({ code: exitCode, signal: null }),
    stop: () => Promise.resolve(),
  };
}

const OK = [
  { type: "system", subtype: "init", session_id: "s1" },
  {
    type: "assistant",
    message: {
      id: "m",
      model: "m",
      content: [{ type: "text", text: "hi" }],
      usage: { input_tokens: 5 },
    },
  },
  {
    type: "result",
    is_error: false,
    result: "hi",
    session_id: "s1",
    usage: { input_tokens: 5, output_tokens: 1 },
  },
];
const error = (
  text: string,
) => [{ type: "result", is_error: true, subtype: "success", result: text }];

async function setup(
  script: Record<string, unknown>[][],
  broker = new FakeBroker(),
  gate?: TurnLoopDeps["gate"],
  extra: Partial<TurnLoopDeps> = {},
) {
  const dir = await Deno.makeTempDir();
  const events: LiveEvent[] = [];
  const rows: TurnStatsRow[] = [];
  const prompts: SpawnRequest[] = [];
  const emit = (event: LiveEvent) => void events.push(event);
  const log = createMemoryLogger();
  let now = 1_700_000_000_000;
  const loop = new TurnLoop({
    agent: "alice",
    role: "agent",
    broker,
    emit,
    state: new AgentState({ emit }, () => now),
    model: new ModelSetting(join(dir, "model"), log),
    stats: {
      beginTurn: () => NO_TICKET,
      record: (row) => (rows.push(row), { id: rows.length }),
    },
    credentials: new CredentialStore(join(dir, "credentials")),
    files: { settings: "s", systemPrompt: "p", mcpConfig: "m" },
    spawn: (request) => {
      prompts.push(request);
      const lines = script.shift() ?? OK;
      return child(lines, lines.some((line) => line.is_error === true) ? 1 : 0);
    },
    locateClaude: () => ({ path: "/fake/claude" }),
    cwd: dir,
    baseEnv: {},
    allowedTools: ["Bash"],
    continueMarker: new ContinueMarker(join(dir, "marker")),
    ...(gate ? { gate } : {}),
    log,
    now: () => now,
    brokerCountTimeoutMs: 50,
    rateLimitBackoffMs: 60_000,
    ...extra,
  });
  const stop = new AbortController();
  const running = loop.run(stop.signal);
  return {
    loop,
    broker,
    events,
    rows,
    prompts,
    advance: (ms: number) => void (now += ms),
    async until(predicate: () => boolean) {
      for (let i = 0; i < 400 && !predicate(); i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.ok(predicate(), "condition never held");
    },
    async stop() {
      stop.abort();
      await running;
    },
  };
}

const wake = (id: number, body = "hello", unread = 0): Wakeup => ({
  id,
  from: "operator",
  body,
  sent_at: 0,
  unread,
});

Deno.test("a wake-up is delivered after its turn, with the prompt naming sender and pending count", async () => {
  const t = await setup([]);
  t.broker.queue.push(wake(1, "do it", 2));
  await t.until(() => t.broker.delivered.length === 1);
  assert.equal(
    t.prompts[0]!.stdinText,
    "Message from operator:\n\ndo it\n\n(2 more pending)",
  );
  assert.ok(
    !t.prompts[0]!.args.includes("--continue"),
    "the first turn in a fresh cwd starts a session",
  );
  assert.deepEqual([
    t.rows[0]!.open_threads_count,
    t.rows[0]!.open_reminders_count,
  ], [3, 2]);
  t.broker.queue.push(wake(2));
  await t.until(() => t.broker.delivered.length === 2);
  assert.ok(t.prompts[1]!.args.includes("--continue"));
  await t.stop();
});

Deno.test("a sender's queued messages run as one turn, numbered oldest first, and are all delivered", async () => {
  const t = await setup([]);
  t.broker.queue.push({
    ...wake(1, "fix the build", 1),
    more: [{ id: 2, body: "and the tests", sent_at: 0 }],
  });
  await t.until(() => t.broker.delivered.length === 2);
  assert.equal(t.broker.batchAsked, true);
  assert.deepEqual(t.broker.delivered, [1, 2]);
  assert.equal(t.prompts.length, 1, "one turn for both");
  assert.equal(
    t.prompts[0]!.stdinText,
    "2 messages from operator, oldest first:\n\n(1) fix the build\n\n(2) and the tests\n\n(1 more pending)",
  );
  const start = t.events.find((event) => event.kind === "turn_start");
  assert.match(JSON.stringify(start), /\(2\) and the tests/);
  assert.equal(t.rows.length, 1);
  await t.stop();
});

Deno.test("--one-message-per-turn asks the broker for one message at a time", async () => {
  const t = await setup([], new FakeBroker(), undefined, {
    oneMessagePerTurn: true,
  });
  t.broker.queue.push(wake(1, "one"), wake(2, "two"));
  await t.until(() => t.broker.delivered.length === 2);
  assert.equal(t.broker.batchAsked, false);
  assert.equal(t.prompts.length, 2);
  await t.stop();
});

Deno.test("a batch whose marks failed is marked when offered again, not rerun; a message that joined it runs next", async () => {
  const broker = new FakeBroker();
  broker.failingMarks = 2;
  const t = await setup([], broker);
  broker.queue.push({
    ...wake(1, "one"),
    more: [{ id: 2, body: "two", sent_at: 0 }],
  });
  await t.until(() => t.prompts.length === 1 && broker.failingMarks === 0);
  // The broker offers the claimed batch again, grown by a message sent since.
  broker.queue[0] = {
    ...wake(1, "one"),
    more: [{ id: 2, body: "two", sent_at: 0 }, {
      id: 3,
      body: "three",
      sent_at: 0,
    }],
  };
  broker.queue.push(wake(3, "three"));
  await t.until(() => broker.delivered.length === 3);
  assert.deepEqual(broker.delivered, [1, 2, 3]);
  assert.equal(t.prompts.length, 2, "one turn for the batch, one for three");
  assert.equal(t.prompts[1]!.stdinText, "Message from operator:\n\nthree");
  await t.stop();
});

Deno.test("post-turn counts are NULL when the broker does not answer in time", async () => {
  const broker = new FakeBroker();
  broker.counts = "hang";
  const t = await setup([], broker);
  t.broker.queue.push(wake(1));
  await t.until(() => t.rows.length === 1);
  assert.deepEqual([
    t.rows[0]!.open_threads_count,
    t.rows[0]!.open_reminders_count,
  ], [null, null]);
  await t.stop();
});

Deno.test("prompt too long: compact, then the wake-up once more; three rows, one delivery", async () => {
  const t = await setup([error("Prompt is too long"), OK, OK]);
  t.broker.queue.push(wake(1, "big"));
  await t.until(() => t.broker.delivered.length === 1);
  assert.deepEqual(t.rows.map((row) => [row.wake_from, row.result_kind]), [
    ["operator", "prompt_too_long"],
    ["system", "ok"],
    ["operator", "ok"],
  ]);
  assert.deepEqual(t.prompts.map((prompt) => prompt.stdinText.split("\n")[0]), [
    "Message from operator:",
    "/compact",
    "Message from operator:",
  ]);
  await t.stop();
});

Deno.test("a usage limit holds the wake-up and the loop until the named reset", async () => {
  const t = await setup([[
    {
      type: "result",
      is_error: true,
      result: "Claude AI usage limit reached|1700000100",
      api_error_status: 429,
    },
  ]]);
  t.broker.queue.push(wake(1));
  await t.until(() => t.rows.length === 1);
  assert.deepEqual(t.broker.delivered, [], "held for after the limit");
  const status = t.events.filter((event) => event.kind === "status_changed");
  assert.deepEqual(status.map((event) => "status" in event && event.status), [
    "rate_limited",
  ]);
  t.advance(101_000);
  t.loop.credentialsChanged(); // any poke: the loop re-checks the clock
  await t.until(() => t.broker.delivered.length === 1);
  assert.equal(t.rows.length, 2);
  await t.stop();
});

Deno.test("new-session drops --continue for one turn only", async () => {
  const t = await setup([]);
  t.broker.queue.push(wake(1));
  await t.until(() => t.rows.length === 1);
  t.loop.requestNewSession();
  t.broker.queue.push(wake(2), wake(3));
  await t.until(() => t.rows.length === 3);
  assert.deepEqual(
    t.prompts.map((prompt) => prompt.args.includes("--continue")),
    [false, false, true],
  );
  await t.stop();
});

Deno.test("compact is refused while a turn runs and runs as its own turn when idle", async () => {
  const t = await setup([]);
  assert.equal(t.loop.requestCompact(), true);
  await t.until(() => t.rows.length === 1);
  assert.equal(t.prompts[0]!.stdinText, "/compact");
  assert.equal(t.rows[0]!.wake_from, "operator");
  assert.ok(
    t.events.some((event) =>
      event.kind === "turn_state_changed" && event.state === "compacting"
    ),
  );
  await t.stop();
});

Deno.test("a credential saved while the refused turn still runs is used at once, not waited for", async () => {
  let goOn!: () => void;
  const paused = new Promise<void>((resolve) => goOn = resolve);
  const refused = [
    {
      type: "assistant",
      error: "authentication_failed",
      message: {
        model: "<synthetic>",
        content: [{ type: "text", text: "Not logged in" }],
      },
    },
    { wait: paused },
    {
      type: "result",
      is_error: true,
      result: "Not logged in · Please run /login",
    },
  ];
  const t = await setup([refused, OK]);
  t.broker.queue.push(wake(1));
  await t.until(() =>
    t.events.some((event) =>
      event.kind === "status_changed" && event.status === "needs_login_idle"
    )
  );
  t.loop.credentialsChanged();
  goOn();
  await t.until(() => t.broker.delivered.length === 1);
  assert.deepEqual(t.rows.map((row) => row.result_kind), ["failed", "ok"]);
  assert.ok(
    t.events.some((event) =>
      event.kind === "status_changed" && event.status === "online"
    ),
  );
  await t.stop();
});

Deno.test("a held gate (paused, over budget) leaves wake-ups in the inbox; lifted, each runs once", async () => {
  let hold: { status: "paused"; detail: string } | null = {
    status: "paused",
    detail: "paused by the operator: resume to go on",
  };
  const gate = {
    hold: () => hold,
    holdWaitMs: () => 10_000,
    runBudget: () => ({ remainingUsd: 0.25, period: "0.5 USD until 1" }),
  };
  const t = await setup([], new FakeBroker(), gate);
  t.broker.queue.push(wake(1, "first"), wake(2, "second"));
  await t.until(() =>
    t.events.some((event) =>
      event.kind === "status_changed" && event.status === "paused"
    )
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(t.prompts.length, 0, "no turn starts while held");
  assert.deepEqual(t.broker.delivered, []);
  hold = null;
  t.loop.recheck();
  await t.until(() => t.broker.delivered.length === 2);
  assert.equal(t.prompts.length, 2, "each wake-up ran once");
  const args = t.prompts[0]!.args;
  assert.deepEqual(
    args.slice(
      args.indexOf("--max-budget-usd"),
      args.indexOf("--max-budget-usd") + 2,
    ),
    ["--max-budget-usd", "0.25"],
    "the rest of today's budget caps the run",
  );
  assert.ok(
    t.events.some((event) =>
      event.kind === "status_changed" && event.status === "online"
    ),
  );
  await t.stop();
});
