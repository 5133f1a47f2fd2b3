import assert from "node:assert/strict";
import type { Broker } from "../../lib/broker/broker.ts";
import { BrokerError } from "../../lib/broker/broker_api.ts";
import { WriteHealthBroker } from "../../lib/broker/write_health_broker.ts";
import { StoreHealth } from "../../lib/sqlite/store_health.ts";
import { createMemoryLogger } from "../../lib/log.ts";

/** A broker whose writes fail while `failing` says so, as a hive over a full disk does. */
function flakyBroker(failing: Set<string>): Broker {
  const outcome = (what: string) =>
    failing.has(what)
      ? Promise.reject(
        new BrokerError(
          "Cannot use the broker store: database or disk is full",
          "unavailable",
        ),
      )
      : Promise.resolve();
  const partial: Partial<Broker> = {
    send: () => outcome("send").then(() => ({ id: 1 })),
    markDelivered: () => outcome("mark"),
    inboxDepth: () => Promise.resolve(3),
    setStatus: () =>
      Promise.reject(new BrokerError('Invalid "text"', "invalid")),
  };
  return partial as Broker;
}

Deno.test("WriteHealthBroker: failing writes mark the store failing until every kind of them lands again; reads and refusals prove nothing", async () => {
  const health = new StoreHealth(createMemoryLogger());
  const failing = new Set(["send", "mark"]);
  const broker = new WriteHealthBroker(
    flakyBroker(failing),
    health,
    "/run/hive/alice/mcp.sock",
  );
  assert.deepEqual(
    [health.report().broker?.ok, health.report().broker?.path],
    [true, "/run/hive/alice/mcp.sock"],
  );
  await assert.rejects(broker.send("operator", "alice", "hi"), /disk is full/);
  await assert.rejects(broker.markDelivered("alice", 1), /disk is full/);
  assert.equal(health.report().broker?.ok, false);
  assert.match(String(health.report().broker?.error), /mark delivered/);
  assert.equal(await broker.inboxDepth("alice"), 3);
  assert.equal(health.report().broker?.ok, false, "a read proves nothing");
  failing.delete("send");
  await broker.send("operator", "alice", "hi");
  assert.equal(health.report().broker?.ok, false, "the mark still fails");
  failing.delete("mark");
  await broker.markDelivered("alice", 1);
  assert.equal(health.report().broker?.ok, true);
  await assert.rejects(broker.setStatus("alice", "x"), /Invalid/);
  assert.equal(health.report().broker?.ok, true, "a refusal is not a failure");
  assert.equal(health.report().broker?.failures, 2);
});
