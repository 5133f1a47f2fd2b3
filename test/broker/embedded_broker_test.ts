import assert from "node:assert/strict";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";
import {
  WAKEUP_BATCH_MAX_CHARS,
  WAKEUP_BATCH_MAX_MESSAGES,
} from "../../lib/broker/broker.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { delay } from "./broker_fixture.ts";

const T0 = 1_800_000_000_000;

async function withDir(
  fn: (db: string, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "embedded-broker-" });
  try {
    await fn(`${dir}/hyperhive-broker.sqlite`, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function open(db: string, clock: { now: number }, schedule = true) {
  return openEmbeddedBroker(db, {
    log: createMemoryLogger(),
    now: () => clock.now,
    tickMs: 20,
    schedule,
  });
}

async function drain(broker: ReturnType<typeof open>, agent: string) {
  return (await broker.recv(agent, { waitMs: 0 })).map((
    message,
  ) => [message.from, message.body]);
}

Deno.test("a due reminder becomes one message from `reminder`, and is no longer pending", async () => {
  await withDir(async (db) => {
    const clock = { now: T0 };
    const broker = open(db, clock);
    try {
      const { due_at } = await broker.remind("a", "stand-up", {
        delaySeconds: 60,
      });
      assert.equal(due_at, T0 / 1000 + 60);
      await delay(60);
      assert.deepEqual(await drain(broker, "a"), []);
      clock.now += 59_000;
      await delay(60);
      assert.deepEqual(await drain(broker, "a"), [], "not early");
      clock.now += 1_000;
      const woken = await broker.nextWakeup("a", { waitMs: 2000 });
      assert.deepEqual([woken?.from, woken?.body], ["reminder", "stand-up"]);
      assert.equal(await broker.countPendingReminders("a"), 0);
      await broker.markDelivered("a", woken!.id);
      await delay(60);
      assert.equal(await broker.inboxDepth("a"), 0, "fired once");
      assert.equal((await broker.recent("a", 10)).length, 1);
    } finally {
      await broker.close();
    }
  });
});

Deno.test("reminders due while the broker was down fire once at start, even with two brokers", async () => {
  await withDir(async (db) => {
    const clock = { now: T0 };
    const first = open(db, clock);
    await first.remind("a", "while down", { delaySeconds: 30 });
    await first.close();
    clock.now += 3_600_000;
    const second = open(db, clock);
    const third = open(db, clock);
    try {
      await delay(80);
      // Both schedulers ran; the store holds the reminder's message once.
      const sent = (await third.recent("a", 10)).map((m) => [m.from, m.body]);
      assert.deepEqual(sent, [["reminder", "while down"]]);
      assert.deepEqual(await drain(second, "a"), [["reminder", "while down"]]);
    } finally {
      await second.close();
      await third.close();
    }
    const fourth = open(db, clock);
    try {
      await delay(50);
      assert.equal(await fourth.inboxDepth("a"), 0);
      assert.equal(await fourth.countLooseEnds("a"), 0);
    } finally {
      await fourth.close();
    }
  });
});

Deno.test("an unanswered question expires with an [expired] system message", async () => {
  await withDir(async (db) => {
    const clock = { now: T0 };
    const broker = open(db, clock);
    try {
      const { id } = await broker.ask("a", {
        question: "Merge?",
        options: [],
        multi: false,
        ttlSeconds: 30,
        target: "operator",
      });
      assert.equal(await broker.countLooseEnds("a"), 1);
      clock.now += 31_000;
      const woken = await broker.nextWakeup("a", { waitMs: 2000 });
      assert.equal(woken?.from, "system");
      assert.match(woken!.body, /^\[expired\] .*#\d+ \("Merge\?"\)/);
      assert.equal(await broker.countLooseEnds("a"), 0);
      await assert.rejects(broker.answerQuestion(id, "yes"), /expired/);
    } finally {
      await broker.close();
    }
  });
});

Deno.test("a long-poll wakes on another process's write to the same file", async () => {
  await withDir(async (db) => {
    const clock = { now: T0 };
    const harness = openEmbeddedBroker(db, {
      log: createMemoryLogger(),
      pollMs: 50,
      schedule: false,
    });
    await harness.addAgent("a");
    const other = open(db, clock, false);
    try {
      const started = performance.now();
      const waiting = harness.nextWakeup("a", { waitMs: 5000 });
      await delay(30);
      await other.send("operator", "a", "from wake");
      const woken = await waiting;
      assert.equal(woken?.body, "from wake");
      assert.ok(
        performance.now() - started < 1000,
        "woken by data_version, not the timeout",
      );
    } finally {
      await harness.close();
      await other.close();
    }
  });
});

Deno.test("set_status writes the status file when the broker is told where", async () => {
  await withDir(async (db, dir) => {
    const broker = openEmbeddedBroker(db, {
      log: createMemoryLogger(),
      statusFile: () => `${dir}/hyperhive-status`,
    });
    try {
      await broker.setStatus("a", "reviewing #12");
      assert.equal(
        await Deno.readTextFile(`${dir}/hyperhive-status`),
        "reviewing #12\n",
      );
      assert.equal((await broker.listAgents())[0]?.status, "reviewing #12");
    } finally {
      await broker.close();
    }
  });
});

Deno.test("a wake-up claimed by a harness killed mid-turn is offered again once, then never", async () => {
  await withDir(async (db) => {
    const broker = openEmbeddedBroker(db, {
      log: createMemoryLogger(),
      schedule: false,
    });
    await broker.addAgent("a");
    const { id } = await broker.send("operator", "a", "do the thing");
    await broker.send("operator", "a", "and this");
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--frozen",
        new URL("../fixtures/broker_claim.ts", import.meta.url).pathname,
        db,
        "a",
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      const { value } = await reader.read();
      assert.equal(Number(value?.trim()), id, "the child claimed the oldest");
      child.kill("SIGKILL");
      await child.status;
      reader.releaseLock();
      // After the crash: the claim is not taken by `recv`, it is re-offered to the next turn.
      assert.deepEqual(
        (await broker.recv("a", { waitMs: 0 })).map((m) => m.body),
        ["and this"],
      );
      const again = await broker.nextWakeup("a", { waitMs: 0 });
      assert.deepEqual([again?.id, again?.unread], [id, 0]);
      await broker.markDelivered("a", id);
      await broker.markDelivered("a", id);
      assert.equal(await broker.nextWakeup("a", { waitMs: 0 }), null);
    } finally {
      await child.stdout.cancel().catch(() => {});
      await broker.close();
    }
    const reopened = openEmbeddedBroker(db, {
      log: createMemoryLogger(),
      schedule: false,
    });
    try {
      assert.equal(await reopened.nextWakeup("a", { waitMs: 0 }), null);
    } finally {
      await reopened.close();
    }
  });
});

Deno.test("a batched wake-up takes the sender's later queued messages in order, within its bounds", async () => {
  await withDir(async (db) => {
    const broker = openEmbeddedBroker(db, {
      log: createMemoryLogger(),
      schedule: false,
    });
    try {
      await broker.addAgent("a");
      await broker.send("operator", "a", "one");
      await broker.send("bob", "a", "from bob");
      await broker.send("operator", "a", "two");
      await broker.send("operator", "a", "three");
      const plain = await broker.nextWakeup("a", { waitMs: 0 });
      assert.deepEqual([plain?.body, plain?.more, plain?.unread], [
        "one",
        undefined,
        3,
      ]);
      const batch = await broker.nextWakeup("a", { waitMs: 0, batch: true });
      assert.equal(batch?.id, plain?.id, "the same oldest message");
      assert.deepEqual(
        [batch?.body, batch?.more?.map((m) => m.body), batch?.unread],
        ["one", ["two", "three"], 1],
      );
      // Claimed for the turn: recv leaves them; a crash offers the same batch again.
      assert.deepEqual(await drain(broker, "a"), [["bob", "from bob"]]);
      const again = await broker.nextWakeup("a", { waitMs: 0, batch: true });
      assert.deepEqual(
        [again?.id, again?.more?.map((m) => m.id)],
        [batch?.id, batch?.more?.map((m) => m.id)],
      );
      for (const id of [batch!.id, ...batch!.more!.map((m) => m.id)]) {
        await broker.markDelivered("a", id);
      }
      assert.equal(await broker.nextWakeup("a", { waitMs: 0 }), null);

      // At most WAKEUP_BATCH_MAX_MESSAGES messages, and never past the character bound.
      for (let i = 0; i < WAKEUP_BATCH_MAX_MESSAGES + 5; i++) {
        await broker.send("operator", "a", `m${i}`);
      }
      const full = await broker.nextWakeup("a", { waitMs: 0, batch: true });
      assert.equal(1 + full!.more!.length, WAKEUP_BATCH_MAX_MESSAGES);
      assert.equal(full!.unread, 5);
      await broker.recv("a", { waitMs: 0 });
      for (const id of [full!.id, ...full!.more!.map((m) => m.id)]) {
        await broker.markDelivered("a", id);
      }
      const big = "x".repeat(WAKEUP_BATCH_MAX_CHARS / 2 + 1);
      await broker.send("operator", "a", big);
      await broker.send("operator", "a", big);
      await broker.send("operator", "a", "small");
      const bounded = await broker.nextWakeup("a", { waitMs: 0, batch: true });
      assert.deepEqual(
        [bounded?.body.length, bounded?.more, bounded?.unread],
        [big.length, undefined, 2],
        "the next big one does not fit, and the small one does not jump it",
      );
    } finally {
      await broker.close();
    }
  });
});
