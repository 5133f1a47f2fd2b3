import assert from "node:assert/strict";
import { parseHiveArgs, runHive, startHive } from "../../lib/broker/hive.ts";
import { SocketBroker } from "../../lib/broker/socket_client.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { UsageError } from "../../lib/commands/flags.ts";
import { delay } from "./broker_fixture.ts";

Deno.test("parseHiveArgs reads the flags and names the bad one", () => {
  assert.deepEqual(
    parseHiveArgs([
      "--socket-dir",
      "/run/hive",
      "--agents",
      "a, b,a",
      "--manager",
      "m",
    ]),
    {
      socketDir: "/run/hive",
      agents: ["a", "b"],
      manager: "m",
      db: "/run/hive/hyperhive-broker.sqlite",
    },
  );
  assert.equal(
    parseHiveArgs(["--socket-dir", "/d", "--db", "/x.sqlite"]).db,
    "/x.sqlite",
  );
  assert.equal(parseHiveArgs(["--socket-dir", "/d"]).manager, "manager");
  const cases: [string[], string][] = [
    [[], "--socket-dir"],
    [["--socket-dir", "/d", "--agents", "a,../b"], "--agents"],
    [["--socket-dir", "/d", "--agents", "operator"], "--agents"],
    [["--socket-dir", "/d", "--manager", "a b"], "--manager"],
    [["--socket-dir", "/d", "--db", ""], "--db"],
    [["--socket-dir", "/d", "--wat"], "--wat"],
  ];
  for (const [args, flag] of cases) {
    assert.throws(
      () => parseHiveArgs(args),
      (error: unknown) => error instanceof UsageError && error.flag === flag,
    );
  }
});

Deno.test("runHive serves every socket until its signal, then removes them; 1 when it cannot start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hive-run-" });
  const stop = new AbortController();
  const log = createMemoryLogger();
  const running = runHive(
    parseHiveArgs(["--socket-dir", dir, "--agents", "a"]),
    { log, signal: stop.signal },
  );
  const path = `${dir}/a/mcp.sock`;
  for (let i = 0; i < 100 && !(await exists(path)); i++) await delay(20);
  const client = new SocketBroker(path);
  try {
    assert.equal(await client.inboxDepth("a"), 0);
    assert.ok(await exists(`${dir}/manager/mcp.sock`));
  } finally {
    await client.close();
    stop.abort();
  }
  assert.equal(await running, 0);
  assert.equal(await exists(path), false);
  const failed = await runHive({
    socketDir: dir,
    agents: [],
    manager: "m",
    db: dir,
  }, { log, signal: stop.signal });
  assert.equal(failed, 1);
  assert.ok(
    log.records.some((record) => record.msg === "Cannot start the hive broker"),
  );
  await Deno.remove(dir, { recursive: true });
});

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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
