import assert from "node:assert/strict";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";
import { startHive } from "../../lib/broker/hive.ts";
import { createBrokerRequestHandler } from "../../lib/broker/request_handler.ts";
import type { AfterWrite } from "../../lib/broker/broker_commands.ts";
import { SocketBroker } from "../../lib/broker/socket_client.ts";
import { createMemoryLogger } from "../../lib/log.ts";

async function withBroker(
  fn: (dir: string, db: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "delivery-test-" });
  try {
    await fn(dir, `${dir}/hyperhive-broker.sqlite`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("recv over a transport marks delivered only what its written answer carried", async () => {
  await withBroker(async (_dir, db) => {
    const broker = openEmbeddedBroker(db, { log: createMemoryLogger() });
    try {
      for (const name of ["a", "b"]) await broker.addAgent(name);
      const b = createBrokerRequestHandler(broker, {
        agent: "b",
        role: "agent",
      });
      for (const body of ["one", "two"]) await broker.send("a", "b", body);
      const recv = async () => {
        const hooks: AfterWrite[] = [];
        const answer = await b(
          { cmd: "recv", limit: 1 },
          undefined,
          (hook) => hooks.push(hook),
        ) as unknown as { messages: { body: string }[] };
        return { bodies: answer.messages.map((m) => m.body), hooks };
      };
      // The answer never reached the reader (broker killed, client gone): offered again.
      const lost = await recv();
      assert.deepEqual(lost.bodies, ["one"]);
      assert.equal(lost.hooks.length, 1);
      // Until settled, nobody else takes it.
      assert.deepEqual((await recv()).bodies, ["two"]);
      lost.hooks[0]!(false);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const again = await recv();
      assert.deepEqual(again.bodies, ["one"]);
      again.hooks[0]!(true);
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual((await recv()).bodies, [], "delivered once written");
      // In-process callers (no transport) are answered at once and marked at once.
      await broker.send("a", "b", "three");
      assert.deepEqual(
        (await broker.recv("b", { waitMs: 0 })).map((m) => m.body),
        ["three"],
      );
      assert.equal(await broker.inboxDepth("b"), 1, "only the held 'two'");
    } finally {
      await broker.close();
    }
  });
});

Deno.test("a hive killed with a recv answer unwritten offers those messages again at its next start", async () => {
  await withBroker(async (dir, db) => {
    const before = openEmbeddedBroker(db, { log: createMemoryLogger() });
    for (const name of ["a", "b"]) await before.addAgent(name);
    await before.send("a", "b", "in flight");
    // Held for an answer that was never written: the process died here.
    const held = await before.recv("b", { waitMs: 0, hold: true });
    assert.deepEqual(held.map((m) => m.body), ["in flight"]);
    await before.close();
    const log = createMemoryLogger();
    const hive = await startHive({
      socketDir: dir,
      agents: ["a", "b"],
      manager: "boss",
      db,
    }, { log });
    const b = new SocketBroker(hive.sockets.get("b")!);
    try {
      assert.deepEqual(
        (await b.recv("b", { waitMs: 0 })).map((m) => m.body),
        ["in flight"],
      );
      assert.deepEqual(await b.recv("b", { waitMs: 0 }), []);
      assert.ok(
        log.records.some((r) => r.msg.startsWith("Offering again")),
        JSON.stringify(log.records),
      );
    } finally {
      await b.close();
      await hive.close();
    }
  });
});

Deno.test("an inbox holds at most --max-queued undelivered messages; send past it is refused as full", async () => {
  await withBroker(async (dir, db) => {
    const hive = await startHive({
      socketDir: dir,
      agents: ["a", "b"],
      manager: "boss",
      db,
      maxQueued: 3,
    }, { log: createMemoryLogger() });
    const a = new SocketBroker(hive.sockets.get("a")!);
    const b = new SocketBroker(hive.sockets.get("b")!);
    try {
      for (let i = 0; i < 3; i++) await a.send("a", "b", `m${i}`);
      const refused = await a.request({ cmd: "send", to: "b", body: "m3" });
      assert.deepEqual([refused.ok, !refused.ok && refused.code], [
        false,
        "full",
      ]);
      assert.match(
        String(!refused.ok && refused.error),
        /Cannot send to "b": its inbox holds 3 undelivered messages/,
      );
      assert.equal(await b.inboxDepth("b"), 3);
      // Messages to the operator are not an agent's inbox: never refused as full.
      assert.equal((await a.send("a", "operator", "fyi")).id > 0, true);
      await b.recv("b", { waitMs: 0, limit: 1 });
      assert.ok((await a.send("a", "b", "m3")).id > 0, "room again");
    } finally {
      await a.close();
      await b.close();
      await hive.close();
    }
  });
});
