import assert from "node:assert/strict";
import { startHive } from "../../lib/broker/hive.ts";
import { SocketBroker } from "../../lib/broker/socket_client.ts";
import { createMemoryLogger } from "../../lib/log.ts";

Deno.test("load: 20 agents, 10,000 messages through one hive over sockets, each delivered once and in order", async () => {
  const agents = Array.from(
    { length: 20 },
    (_, i) => `agent${String(i).padStart(2, "0")}`,
  );
  const perSender = 500;
  const dir = await Deno.makeTempDir({ prefix: "hive-load-" });
  const hive = await startHive({
    socketDir: dir,
    agents,
    manager: "boss",
    db: `${dir}/b.sqlite`,
  }, {
    log: createMemoryLogger(),
  });
  const clients = agents.map((name) =>
    new SocketBroker(hive.sockets.get(name)!)
  );
  const target = (sender: number, k: number) =>
    (sender + 1 + (k % (agents.length - 1))) % agents.length;
  const expected = agents.map(() => 0);
  agents.forEach((_, s) => {
    for (let k = 0; k < perSender; k++) expected[target(s, k)]!++;
  });
  const received = agents.map(() => [] as string[]);
  const started = performance.now();
  try {
    const senders = agents.map(async (name, s) => {
      for (let k = 0; k < perSender; k++) {
        await clients[s]!.send(name, agents[target(s, k)]!, `${s}:${k}`);
      }
    });
    // Each receiver runs the harness's loop: take a wake-up, finish the turn, mark it delivered.
    const receivers = agents.map(async (name, r) => {
      while (received[r]!.length < expected[r]!) {
        const wakeup = await clients[r]!.nextWakeup(name, { waitMs: 10_000 });
        if (!wakeup) {
          throw new Error(`${name} starved at ${received[r]!.length}`);
        }
        received[r]!.push(wakeup.body);
        await clients[r]!.markDelivered(name, wakeup.id);
      }
    });
    await Promise.all([...senders, ...receivers]);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(received.flat().length, agents.length * perSender);
    assert.equal(
      new Set(received.flat()).size,
      agents.length * perSender,
      "no duplicates",
    );
    for (const bodies of received) {
      const last = new Map<string, number>();
      for (const body of bodies) {
        const [sender, k] = body.split(":");
        assert.ok(
          (last.get(sender!) ?? -1) < Number(k),
          `out of order from ${sender}`,
        );
        last.set(sender!, Number(k));
      }
    }
    for (const client of clients) {
      assert.equal(await client.inboxDepth("me"), 0);
    }
    // Bounded generously: the shared CI cores are often busy; alone it takes a few seconds.
    assert.ok(seconds < 60, `took ${seconds.toFixed(1)} s`);
  } finally {
    for (const client of clients) await client.close();
    await hive.close();
    await Deno.remove(dir, { recursive: true });
  }
});
