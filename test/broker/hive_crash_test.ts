import assert from "node:assert/strict";
import { SocketBroker } from "../../lib/broker/socket_client.ts";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { delay } from "./broker_fixture.ts";

const ENTRY = new URL("../fixtures/hive_entry.ts", import.meta.url).pathname;

function spawnHive(dir: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--frozen",
      ENTRY,
      "hive",
      "--socket-dir",
      dir,
      "--agents",
      "a,b",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

Deno.test("SIGKILL of the hive under load: nothing acknowledged is lost, reminders fire once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hive-crash-" });
  let hive = spawnHive(dir);
  // Patient connects: the client rides out the broker's start and its restart.
  const a = new SocketBroker(`${dir}/a/mcp.sock`, { connectTimeoutMs: 10_000 });
  const acknowledged: string[] = [];
  try {
    await a.remind("a", "fires before the crash", { delaySeconds: 0 });
    await a.remind("a", "due while down", { delaySeconds: 2 });
    while (await a.inboxDepth("a") === 0) await delay(50);
    let sending = true;
    const load = (async () => {
      for (let k = 0; sending; k++) {
        try {
          await a.send("a", "b", `m${k}`);
          acknowledged.push(`m${k}`);
        } catch {
          // Unacknowledged: may or may not have landed, and the test does not count on it.
        }
      }
    })();
    while (acknowledged.length < 200) await delay(10);
    hive.kill("SIGKILL");
    await hive.status;
    await delay(2500);
    hive = spawnHive(dir);
    while (acknowledged.length < 400) await delay(10);
    sending = false;
    await load;
  } finally {
    await a.close();
    hive.kill("SIGTERM");
    await hive.status;
  }
  const broker = openEmbeddedBroker(`${dir}/hyperhive-broker.sqlite`, {
    log: createMemoryLogger(),
    schedule: false,
  });
  try {
    const inbox = new Set(
      (await broker.recv("b", { waitMs: 0, limit: 1000 })).map((m) => m.body),
    );
    const lost = acknowledged.filter((body) => !inbox.has(body));
    assert.deepEqual(lost, []);
    const reminders = (await broker.recv("a", { waitMs: 0 })).filter((m) =>
      m.from === "reminder"
    ).map((m) => m.body);
    assert.deepEqual(reminders.sort(), [
      "due while down",
      "fires before the crash",
    ]);
  } finally {
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGKILL of the hive during recv limit:1, again and again: no message is lost", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hive-crash-recv-" });
  let hive = spawnHive(dir);
  const a = new SocketBroker(`${dir}/a/mcp.sock`, { connectTimeoutMs: 10_000 });
  const b = new SocketBroker(`${dir}/b/mcp.sock`, { connectTimeoutMs: 10_000 });
  const total = 600;
  const received: string[] = [];
  try {
    for (let k = 0; k < total; k++) await a.send("a", "b", `m${k}`);
    let reading = true;
    const reader = (async () => {
      while (reading) {
        try {
          const messages = await b.recv("b", { waitMs: 0, limit: 1 });
          received.push(...messages.map((m) => m.body));
        } catch {
          // The hive is down: an answer that never came took nothing for good.
        }
      }
    })();
    for (let kill = 1; kill <= 6; kill++) {
      while (new Set(received).size < (total * kill) / 8) await delay(5);
      hive.kill("SIGKILL");
      await hive.status;
      hive = spawnHive(dir);
    }
    while (new Set(received).size < total) {
      const before = received.length;
      await delay(2000);
      if (received.length === before) break;
    }
    reading = false;
    await reader;
  } finally {
    await a.close();
    await b.close();
    hive.kill("SIGTERM");
    await hive.status;
  }
  try {
    const got = new Set(received);
    const lost = Array.from({ length: total }, (_, k) => `m${k}`).filter((
      body,
    ) => !got.has(body));
    assert.deepEqual(lost, [], `lost ${lost.length} of ${total}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
