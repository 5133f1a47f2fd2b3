/**
 * A harness's own fleet controls (SPEC §11) on an in-process harness with its embedded broker:
 * `POST /api/pause`, `/api/resume`, `/api/budget` change what `/api/state`, `/metrics` and its
 * fleet report say, bad input changes nothing, and a control queued in the broker file by a
 * host page reaches the harness as it does over a hive socket.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import {
  postJson,
  startInProcessHarness,
} from "../fixtures/in_process_harness.ts";

async function until<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what}: last ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("POST /api/pause, /api/budget and /api/resume steer the harness and show everywhere", async () => {
  const harness = await startInProcessHarness({ budgetDailyUsd: 5 });
  const state = async () =>
    await (await harness.app.request("/api/state")).json();
  try {
    const paused = await postJson(harness, "/api/pause", { reason: "freeze" });
    assert.equal(paused.status, 200);
    assert.equal((await paused.json()).paused, true);
    assert.equal(
      await Deno.readTextFile(join(harness.stateDir, "hyperhive-paused")),
      "paused: freeze\n",
    );
    const held = await until(state, (s) => s.status === "paused", "paused");
    assert.match(held.status_detail, /freeze: resume to go on/);
    const budget = await postJson(harness, "/api/budget", { daily_usd: 2 });
    assert.equal((await budget.json()).budget_daily_usd, 2);
    const metrics = await (await harness.app.request("/metrics")).text();
    assert.match(
      metrics,
      /hive_agent_state\{agent="alice",role="agent",state="paused"\} 1/,
    );
    assert.match(
      metrics,
      /hive_budget_daily_usd\{agent="alice",role="agent"\} 2/,
    );
    assert.match(
      metrics,
      /hive_cost_today_usd\{agent="alice",role="agent"\} 0/,
    );
    assert.equal((await postJson(harness, "/api/resume")).status, 200);
    await assert.rejects(
      Deno.stat(join(harness.stateDir, "hyperhive-paused")),
      Deno.errors.NotFound,
    );
    await until(state, (s) => s.status !== "paused", "resumed");
  } finally {
    await harness.stop();
  }
});

Deno.test("a budget set through /api/budget is the budget after a restart", async () => {
  const first = await startInProcessHarness({ budgetDailyUsd: 5 });
  const stateDir = first.stateDir;
  try {
    assert.equal(
      (await postJson(first, "/api/budget", { daily_usd: 12 })).status,
      200,
    );
  } finally {
    await first.stop();
  }
  const second = await startInProcessHarness({ budgetDailyUsd: 5, stateDir });
  try {
    const controls = await (await second.app.request("/api/controls")).json();
    assert.deepEqual(
      [controls.budget_daily_usd, controls.budget_source],
      [12, "operator"],
    );
  } finally {
    await second.stop();
    await Deno.remove(stateDir, { recursive: true });
  }
});

Deno.test("the control routes refuse bad input and change nothing", async (t) => {
  const harness = await startInProcessHarness({ budgetDailyUsd: 5 });
  try {
    const cases: [string, unknown, RegExp][] = [
      ["/api/budget", {}, /daily_usd: required/],
      ["/api/budget", { daily_usd: -0.01 }, /daily_usd/],
      ["/api/budget", { daily_usd: "3" }, /daily_usd/],
      ["/api/budget", { daily_usd: 1e9 }, /daily_usd/],
      ["/api/pause", { reason: 42 }, /reason/],
      ["/api/pause", { reason: "x".repeat(501) }, /reason/],
    ];
    for (const [path, body, message] of cases) {
      await t.step(`${path} ${JSON.stringify(body).slice(0, 40)}`, async () => {
        const response = await postJson(harness, path, body);
        assert.equal(response.status, 400);
        assert.match((await response.json()).error, message);
      });
    }
    const controls = await (await harness.app.request("/api/controls")).json();
    assert.deepEqual([controls.paused, controls.budget_daily_usd], [false, 5]);
  } finally {
    await harness.stop();
  }
});

Deno.test("with the embedded broker, the harness registers in its broker file and takes the controls queued there", async () => {
  const harness = await startInProcessHarness();
  harness.setPageUrl("http://127.0.0.1:8080/");
  const host = openEmbeddedBroker(
    join(harness.stateDir, "hyperhive-broker.sqlite"),
    { log: createMemoryLogger(), schedule: false },
  );
  try {
    const row = await until(
      async () => (await host.fleet()).find((row) => row.name === "alice"),
      (row) => row?.report?.url === "http://127.0.0.1:8080/",
      "registered",
    );
    assert.equal(row!.report!.role, "agent");
    await host.requestControl("alice", { action: "pause" });
    await until(
      async () => (await (await harness.app.request("/api/controls")).json()),
      (controls) => controls.paused === true,
      "paused from the broker",
    );
    await until(
      async () => (await host.fleet()).find((row) => row.name === "alice"),
      (row) => row?.report?.state === "paused",
      "reported paused",
    );
    await host.requestControl("alice", { action: "budget", daily_usd: 0.5 });
    await host.requestControl("alice", { action: "resume" });
    const controls = await until(
      async () => (await (await harness.app.request("/api/controls")).json()),
      (controls) =>
        controls.paused === false && controls.budget_daily_usd === 0.5,
      "resumed with a budget",
    );
    assert.equal(controls.spent_today_usd, 0);
  } finally {
    await harness.stop();
    await host.close();
  }
});
