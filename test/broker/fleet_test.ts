/**
 * The fleet in the broker (SPEC §11): reports kept per agent and shown `down` once stale,
 * controls queued by the host page and taken once by the agent's long-poll, every open question
 * listed — over both transports, and bad reports refused with the field named.
 */
import assert from "node:assert/strict";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";
import {
  type AgentReport,
  DOWN_AFTER_MS,
  toFleetAgent,
  utcDay,
} from "../../lib/broker/fleet_report.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { readAgents } from "../../lib/fleet/fleet_view.ts";
import { openTestBroker, TRANSPORTS } from "./broker_fixture.ts";

const T0 = Date.UTC(2027, 0, 15, 12, 0, 0);

function report(overrides: Partial<AgentReport> = {}): AgentReport {
  return {
    role: "agent",
    url: "http://127.0.0.1:8080/",
    state: "online",
    state_detail: null,
    status_text: "reviewing",
    day: utcDay(T0),
    turns_today: 3,
    cost_today_usd: 0.42,
    budget_daily_usd: null,
    turn_started_at: null,
    last_turn_end: T0 / 1000 - 60,
    ...overrides,
  };
}

async function withBroker(
  fn: (
    broker: ReturnType<typeof openEmbeddedBroker>,
    clock: { now: number },
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fleet-broker-" });
  const clock = { now: T0 };
  const broker = openEmbeddedBroker(`${dir}/hyperhive-broker.sqlite`, {
    log: createMemoryLogger(),
    now: () => clock.now,
  });
  try {
    await fn(broker, clock);
  } finally {
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a reported agent is listed with its report, and `down` once its report is stale", async () => {
  await withBroker(async (broker, clock) => {
    await broker.addAgent("quiet");
    await broker.report(
      "alice",
      report({ state: "running", turn_started_at: T0 / 1000 - 5 }),
    );
    await broker.ask("alice", {
      question: "ship?",
      options: [],
      multi: false,
      ttlSeconds: null,
      target: "operator",
    });
    let agents = await readAgents(broker, clock.now);
    const alice = agents.find((agent) => agent.name === "alice")!;
    assert.deepEqual(
      [
        alice.state,
        alice.status_text,
        alice.turns_today,
        alice.cost_today_usd,
        alice.open_questions,
      ],
      ["running", "reviewing", 3, 0.42, 1],
    );
    assert.equal(alice.turn_started_at, T0 / 1000 - 5);
    assert.equal(
      agents.find((agent) => agent.name === "quiet")!.state,
      "down",
      "an agent that never reported is down",
    );
    clock.now += DOWN_AFTER_MS;
    agents = await readAgents(broker, clock.now);
    assert.equal(
      agents.find((agent) => agent.name === "alice")!.state,
      "running",
    );
    clock.now += 1;
    agents = await readAgents(broker, clock.now);
    const stale = agents.find((agent) => agent.name === "alice")!;
    assert.equal(stale.state, "down");
    assert.equal(stale.turn_started_at, null, "a dead harness runs no turn");
  });
});

Deno.test("yesterday's report counts no turns or cost today", () => {
  const row = {
    name: "alice",
    report: report({ day: "2027-01-14" }),
    "reported_at": T0,
    "open_questions": 0,
    "open_reminders": 0,
  };
  const agent = toFleetAgent(row, T0);
  assert.deepEqual([agent.turns_today, agent.cost_today_usd], [0, 0]);
});

Deno.test("agents that need the operator come first, then by name", async () => {
  await withBroker(async (broker, clock) => {
    await broker.report("zed", report({ state: "paused" }));
    await broker.report("amy", report());
    await broker.report("bob", report({ state: "over_budget" }));
    await broker.report("cat", report());
    const names = (await readAgents(broker, clock.now)).map((agent) =>
      agent.name
    );
    assert.deepEqual(names, ["bob", "zed", "amy", "cat"]);
  });
});

Deno.test("a control is taken once, and a waiting long-poll wakes for it", async () => {
  await withBroker(async (broker) => {
    await broker.addAgent("alice");
    const waiting = broker.nextControl("alice", { waitMs: 5000 });
    await broker.requestControl("alice", { action: "pause" });
    const control = await waiting;
    assert.equal(control?.action, "pause");
    await broker.requestControl("alice", { action: "budget", daily_usd: 2.5 });
    await broker.requestControl("alice", { action: "resume" });
    assert.deepEqual(
      await broker.nextControl("alice", { waitMs: 0 }),
      { id: control!.id + 1, action: "budget", daily_usd: 2.5 },
    );
    assert.equal(
      (await broker.nextControl("alice", { waitMs: 0 }))?.action,
      "resume",
    );
    assert.equal(
      await broker.nextControl("alice", { waitMs: 0 }),
      null,
      "each once",
    );
    await assert.rejects(
      broker.requestControl("nobody", { action: "pause" }),
      /Unknown agent "nobody"/,
    );
  });
});

for (const transport of TRANSPORTS) {
  Deno.test(`[${transport}] an agent reports itself and takes its controls; bad reports are refused`, async () => {
    const test = await openTestBroker(transport);
    try {
      const a = test.connect("a");
      const boss = test.connect("boss");
      assert.deepEqual(await a({ cmd: "report", report: report() }), {
        ok: true,
      });
      const rows = await test.broker.fleet();
      assert.equal(
        rows.find((row) => row.name === "a")?.report?.status_text,
        "reviewing",
      );
      for (
        const [bad, field] of [
          [null, "report"],
          [{ ...report(), state: "sleeping" }, "report.state"],
          [{ ...report(), day: "today" }, "report.day"],
          [{ ...report(), turns_today: -1 }, "report.turns_today"],
          [{ ...report(), url: 7 }, "report.url"],
        ] as const
      ) {
        const answer = await a({ cmd: "report", report: bad });
        assert.equal(answer.ok, false);
        assert.equal(answer.code, "invalid");
        assert.match(
          String(answer.error),
          new RegExp(`"${field.replace(".", "\\.")}"`),
        );
      }
      const refused = await a({
        cmd: "request_control",
        action: "pause",
        agent: "b",
      });
      assert.equal(
        refused.code,
        "forbidden",
        "only the manager queues controls",
      );
      assert.equal(
        (await boss({
          cmd: "request_control",
          action: "budget",
          daily_usd: "x",
          agent: "a",
        })).code,
        "invalid",
      );
      assert.equal(
        (await boss({ cmd: "request_control", action: "pause", agent: "a" }))
          .ok,
        true,
      );
      const taken = await a({ cmd: "next_control", wait_seconds: 1 });
      assert.equal((taken.control as { action: string }).action, "pause");
      const listed = await boss({ cmd: "fleet" });
      assert.ok(
        (listed.agents as { name: string }[]).some((row) => row.name === "a"),
      );
      assert.deepEqual((await boss({ cmd: "open_questions" })).questions, []);
    } finally {
      await test.close();
    }
  });
}
