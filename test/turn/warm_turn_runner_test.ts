/**
 * The warm runner with a scripted warm child: several turns on one process with per-turn costs,
 * the model switched in place, lines printed between turns kept as events (an unknown kind too),
 * garbage between turns ending the process, and a child that does not answer counted as hung.
 */
import assert from "node:assert/strict";
import type { LiveEvent } from "../../lib/wire/events.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { CostLedger } from "../../lib/turn/turn_cost.ts";
import type {
  ClaudeChild,
  InvocationRequest,
  SpawnRequest,
  StdoutItem,
} from "../../lib/turn/turn_runner.ts";
import { WarmTurnRunner } from "../../lib/turn/warm_turn_runner.ts";

/** A warm child whose answers a test scripts: `answer(message)` returns the lines to print. */
class ScriptedWarmChild implements ClaudeChild {
  static nextPid = 4000;
  readonly pid = ScriptedWarmChild.nextPid++;
  readonly sent: Record<string, unknown>[] = [];
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  stopped = false;
  #queue: StdoutItem[] = [];
  #wake = () => {};
  #ended = false;
  #exit = (_: { code: number | null; signal: string | null }) => {};

  constructor(
    readonly answer: (message: Record<string, unknown>) => StdoutItem[],
  ) {
    this.exited = new Promise((resolve) => this.#exit = resolve);
  }

  lines: AsyncIterable<StdoutItem> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<StdoutItem>> => {
        while (this.#queue.length === 0 && !this.#ended) {
          await new Promise<void>((resolve) => this.#wake = resolve);
        }
        const item = this.#queue.shift();
        return item === undefined
          ? { done: true, value: undefined }
          : { done: false, value: item };
      },
    }),
  };
  stderrLines: AsyncIterable<string> = (async function* () {})();

  print(...items: StdoutItem[]): void {
    this.#queue.push(...items);
    this.#wake();
  }

  send(message: Record<string, unknown>): Promise<void> {
    this.sent.push(message);
    this.print(...this.answer(message));
    return Promise.resolve();
  }

  endInput(): Promise<void> {
    this.#end({ code: 0, signal: null });
    return Promise.resolve();
  }

  stop(): Promise<unknown> {
    this.stopped = true;
    this.#end({ code: null, signal: "SIGKILL" });
    return Promise.resolve();
  }

  #end(exit: { code: number | null; signal: string | null }): void {
    this.#ended = true;
    this.#wake();
    this.#exit(exit);
  }
}

const object = (value: Record<string, unknown>): StdoutItem => ({
  kind: "object",
  value,
  partial: false,
});

/** Answers each user line with init, a text and a result whose total runs on by `step`. */
function answerer(step: number) {
  let total = 0;
  return (message: Record<string, unknown>): StdoutItem[] => {
    if (message.type !== "user") return [];
    total += step;
    return [
      object({ type: "system", subtype: "init", "session_id": "s" }),
      object({
        type: "result",
        "is_error": false,
        "session_id": "s",
        "total_cost_usd": total,
        usage: { "input_tokens": 1 },
      }),
    ];
  };
}

const REQUEST: InvocationRequest = {
  command: "claude",
  prompt: "hello",
  model: "haiku",
  continueSession: true,
  cwd: "/tmp",
  env: { PATH: "/usr/bin" },
  files: { settings: "s", systemPrompt: "p", mcpConfig: "m" },
  allowedTools: ["Bash"],
};

function setup(
  answer: (message: Record<string, unknown>) => StdoutItem[],
  firstAnswerTimeoutMs = 60_000,
) {
  const events: LiveEvent[] = [];
  const children: ScriptedWarmChild[] = [];
  const spawned: SpawnRequest[] = [];
  const emit = (event: LiveEvent) => void events.push(event);
  const runner = new WarmTurnRunner({
    keepWarmMs: 60_000,
    costs: new CostLedger(),
    emit,
    log: createMemoryLogger(),
    answerTimeoutMs: 200,
    firstAnswerTimeoutMs,
  });
  const options = {
    emit,
    log: createMemoryLogger(),
    spawn: (request: SpawnRequest) => {
      spawned.push(request);
      const child = new ScriptedWarmChild(answer);
      children.push(child);
      return child;
    },
  };
  return { runner, options, events, children, spawned };
}

Deno.test("WarmTurnRunner runs turns on one process and gives each its own cost", async () => {
  const { runner, options, children, spawned } = setup(answerer(0.25));
  try {
    const costs: (number | null)[] = [];
    for (let turn = 0; turn < 3; turn++) {
      const run = await runner.run(REQUEST, options);
      assert.equal(run.fault, null);
      assert.equal(run.ending.exitCode, 0);
      costs.push(run.costUsd);
    }
    assert.deepEqual(costs, [0.25, 0.25, 0.25]);
    assert.equal(children.length, 1, "one process");
    assert.ok(spawned[0]!.args.includes("--input-format"));
    assert.equal(spawned[0]!.keepStdinOpen, true);
    assert.deepEqual(children[0]!.sent.map((message) => message.type), [
      "user",
      "user",
      "user",
    ]);
    assert.equal(runner.snapshot()?.turns, 3);
  } finally {
    await runner.close();
  }
  assert.equal(children[0]!.stopped, false, "closed by ending its input");
});

Deno.test("WarmTurnRunner caps a claude with today's remaining budget and replaces it when the cap or the day changes", async () => {
  const { runner, options, children, spawned, events } = setup(answerer(0.1));
  const capOf = (request: SpawnRequest) => {
    const at = request.args.indexOf("--max-budget-usd");
    return at < 0 ? null : request.args[at + 1];
  };
  try {
    const day1 = "0.5 USD until 1";
    await runner.run(
      { ...REQUEST, maxBudgetUsd: 0.5, budgetPeriod: day1 },
      options,
    );
    // The CLI counts the cap over the process's life: 0.4 left now is the same cap, kept.
    await runner.run(
      { ...REQUEST, maxBudgetUsd: 0.4, budgetPeriod: day1 },
      options,
    );
    assert.equal(children.length, 1, "same cap, same day: the same claude");
    assert.deepEqual(spawned.map(capOf), ["0.5"]);
    await runner.run({
      ...REQUEST,
      maxBudgetUsd: 1.7,
      budgetPeriod: "2 USD until 1",
    }, options);
    await runner.run({
      ...REQUEST,
      maxBudgetUsd: 2,
      budgetPeriod: "2 USD until 2",
    }, options);
    await runner.run(
      { ...REQUEST, maxBudgetUsd: null, budgetPeriod: null },
      options,
    );
    assert.deepEqual(spawned.map(capOf), ["0.5", "1.7", "2", null]);
    assert.deepEqual(children.map((child) => child.stopped), [
      false,
      false,
      false,
      false,
    ], "each closed by ending its input");
    assert.ok(
      events.some((event) =>
        event.kind === "note" &&
        /ended: the daily budget or its day changed/.test(String(event.text))
      ),
      JSON.stringify(events),
    );
  } finally {
    await runner.close();
  }
});

Deno.test("WarmTurnRunner switches the model with set_model before the turn's user line", async () => {
  const { runner, options, children } = setup(answerer(0.1));
  try {
    await runner.run(REQUEST, options);
    await runner.run({ ...REQUEST, model: "sonnet" }, options);
    assert.equal(children.length, 1);
    const [, switched, user] = children[0]!.sent;
    assert.deepEqual(switched!.request, {
      subtype: "set_model",
      model: "sonnet",
    });
    assert.equal(user!.type, "user");
  } finally {
    await runner.close();
  }
});

Deno.test("WarmTurnRunner keeps lines printed between turns as events and ends a process that prints garbage", async () => {
  const { runner, options, children, events } = setup(answerer(0.1));
  try {
    await runner.run(REQUEST, options);
    const child = children[0]!;
    child.print(
      object({ type: "system", subtype: "task_notification", "task_id": "t" }),
      object({ type: "brand_new_kind", detail: 1 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const streams = events.filter((event) => event.kind === "stream");
    assert.ok(streams.some((event) => event.subtype === "task_notification"));
    assert.ok(streams.some((event) => event.type === "brand_new_kind"));
    child.print({ kind: "not_json", text: "core dumped", partial: false });
    await child.exited;
    assert.equal(child.stopped, true);
    assert.equal(runner.snapshot(), null);
    const run = await runner.run(REQUEST, options);
    assert.equal(run.fault, null);
    assert.equal(children.length, 2, "the next turn starts a new process");
  } finally {
    await runner.close();
  }
});

Deno.test("WarmTurnRunner counts a reused process that does not answer as hung: a fault, and it is killed", async () => {
  let mute = false;
  const answer = answerer(0.1);
  const { runner, options, children } = setup((message) =>
    mute ? [] : answer(message)
  );
  try {
    await runner.run(REQUEST, options);
    mute = true;
    const run = await runner.run(REQUEST, options);
    assert.equal(run.fault, "warm claude did not answer within 200 ms");
    assert.equal(children[0]!.stopped, true);
    assert.equal(runner.snapshot(), null);
  } finally {
    await runner.close();
  }
});

Deno.test("WarmTurnRunner gives up on a new claude that never answers (one that waits for the end of stdin)", async () => {
  const { runner, options, children } = setup(() => [], 300);
  try {
    const run = await runner.run(REQUEST, options);
    assert.equal(run.fault, "new claude did not answer within 300 ms");
    assert.equal(children[0]!.stopped, true);
  } finally {
    await runner.close();
  }
});

Deno.test("WarmTurnRunner passes on a rate_limit_event printed between turns, with its reset time", async () => {
  const { runner, options, children } = setup(answerer(0.1));
  const signals: unknown[] = [];
  try {
    await runner.run(REQUEST, {
      ...options,
      onSignal: (signal) => void signals.push(signal),
    });
    children[0]!.print(object({
      type: "rate_limit_event",
      "rate_limit_info": { status: "rejected", resetsAt: 1_800_000_000 },
    }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(signals, [{
      kind: "rate_limited",
      text: "usage limit reached",
      resetAtUnix: 1_800_000_000,
    }]);
  } finally {
    await runner.close();
  }
});
