/**
 * A wake-up runs once unless the harness itself died. With the broker's store refusing writes
 * (disk full) after a turn, the turn is not run again while the mark is retried; the store shows
 * failing in `/api/state.stores.broker`; a send answers 503; once writes land again the wake-up
 * is marked delivered and the store shows healthy. `/metrics` shows the store's health too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  historyOf,
  postJson,
  startInProcessHarness,
  waitForHistory,
} from "../fixtures/in_process_harness.ts";
import { ROOT } from "../fixtures/harness_process.ts";

const OK_TURN = join(ROOT, "test", "fixtures", "fake_claude", "ok_turn.sh");

// What a full disk does to the broker's writes, on cue and for writes only: reads still work.
const DISK_FULL_ON_DELIVERY = `CREATE TRIGGER disk_full_delivery
  BEFORE UPDATE OF delivered_at ON messages WHEN NEW.delivered_at IS NOT NULL
  BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END`;
const DISK_FULL_ON_INSERT = `CREATE TRIGGER disk_full_insert
  BEFORE INSERT ON messages BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END`;

function turnStarts(events: Record<string, unknown>[], body: string): number {
  return events.filter((event) =>
    event.kind === "turn_start" && event.body === body
  ).length;
}

Deno.test("a full disk after a turn: the wake-up is not run again, the broker store says failing, send is 503", async () => {
  // A fresh claude per turn: the fake reads its prompt to EOF.
  const harness = await startInProcessHarness({
    claude: OK_TURN,
    keepWarmSeconds: 0,
  });
  const db = new DatabaseSync(
    join(harness.stateDir, "hyperhive-broker.sqlite"),
  );
  try {
    db.exec(DISK_FULL_ON_DELIVERY);
    const sent = await postJson(harness, "/api/send", { body: "once only" });
    assert.equal(sent.status, 200);
    await sent.body?.cancel();
    await waitForHistory(harness, (event) => event.kind === "turn_end");
    // Long enough for the loop to be offered the same wake-up several times.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.equal(
      turnStarts(await historyOf(harness), "once only"),
      1,
      "ran once",
    );
    const failing = await (await harness.app.request("/api/state")).json();
    assert.equal(failing.stores.broker.ok, false);
    assert.match(failing.stores.broker.error, /disk is full/);
    assert.ok(failing.stores.broker.failures >= 1);
    const metrics = await (await harness.app.request("/metrics")).text();
    assert.match(metrics, /hive_store_ok\{agent="alice",store="broker"\} 0/);
    assert.match(metrics, /hive_store_ok\{agent="alice",store="events"\} 1/);
    assert.match(
      metrics,
      /hive_store_failures_total\{agent="alice",store="broker"\} [1-9]/,
    );
    assert.match(metrics, /hive_events_dropped_total\{agent="alice"\} 0/);

    db.exec(DISK_FULL_ON_INSERT);
    const refused = await postJson(harness, "/api/send", { body: "later" });
    assert.equal(refused.status, 503);
    assert.match((await refused.json()).error, /disk is full/);

    db.exec("DROP TRIGGER disk_full_delivery; DROP TRIGGER disk_full_insert");
    // Every kind of write that failed (the mark, the send) must land before it says healthy.
    const resent = await postJson(harness, "/api/send", { body: "after" });
    assert.equal(resent.status, 200);
    await resent.body?.cancel();
    const undelivered = db.prepare(
      "SELECT count(*) AS n FROM messages WHERE delivered_at IS NULL",
    );
    let brokerOk = false;
    let left = -1;
    for (let i = 0; i < 200 && !(brokerOk && left === 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const state = await (await harness.app.request("/api/state")).json();
      brokerOk = state.stores.broker.ok;
      left = (undelivered.get() as { n: number }).n;
    }
    assert.equal(brokerOk, true, "healthy once every failed write landed");
    assert.equal(left, 0, "both wake-ups were marked delivered");
    await waitForHistory(
      harness,
      (event) => event.kind === "turn_start" && event.body === "after",
    );
    assert.equal(
      turnStarts(await historyOf(harness), "once only"),
      1,
      "still ran once",
    );
  } finally {
    db.close();
    await harness.stop();
  }
});

Deno.test("an inbox at --max-queued: POST /api/send answers 429 with why, and takes messages again once there is room", async () => {
  // No claude: wake-ups wait in the inbox.
  const harness = await startInProcessHarness({ maxQueued: 2 });
  try {
    for (const body of ["one", "two"]) {
      const sent = await postJson(harness, "/api/send", { body });
      assert.equal(sent.status, 200);
      await sent.body?.cancel();
    }
    const refused = await postJson(harness, "/api/send", { body: "three" });
    assert.equal(refused.status, 429);
    assert.match(
      (await refused.json()).error,
      /Cannot send to "alice": its inbox holds 2 undelivered messages, the most it queues/,
    );
    const state = await (await harness.app.request("/api/state")).json();
    assert.equal(state.unread, 2);
    assert.equal(state.stores.broker.ok, true, "a full inbox is not a failure");
  } finally {
    await harness.stop();
  }
});
