import assert from "node:assert/strict";
import { createMemoryLogger } from "../../lib/log.ts";
import { StoreHealth } from "../../lib/sqlite/store_health.ts";

function setup() {
  const log = createMemoryLogger();
  let now = 1_700_000_000_000;
  const health = new StoreHealth(log, () => now);
  return { log, health, advance: (ms: number) => now += ms };
}

Deno.test("StoreHealth shows a registered store as healthy before anything happened", () => {
  const { health, log } = setup();
  health.register("events", "/s/hyperhive-events.sqlite");
  assert.deepEqual(health.report(), {
    events: {
      path: "/s/hyperhive-events.sqlite",
      ok: true,
      error: null,
      failures: 0,
      last_failure_unix: null,
    },
  });
  assert.deepEqual(log.records, []);
});

Deno.test("StoreHealth counts every failure but logs a repeated cause once", () => {
  const { health, log, advance } = setup();
  health.register("events", "/s/e.sqlite");
  for (let i = 0; i < 5; i++) {
    health.failed("events", "insert events", new Error("disk I/O error"));
    advance(2_000);
  }
  assert.equal(log.records.length, 1);
  assert.equal(log.records[0]!.level, "error");
  assert.equal(log.records[0]!.msg, "Cannot insert events in events store");
  assert.equal(log.records[0]!.path, "/s/e.sqlite");
  assert.equal(log.records[0]!.error, "disk I/O error");
  assert.deepEqual(health.report().events, {
    path: "/s/e.sqlite",
    ok: false,
    error: "insert events: disk I/O error",
    failures: 5,
    last_failure_unix: 1_700_000_008,
  });
});

Deno.test("StoreHealth logs again when the cause changes", () => {
  const { health, log } = setup();
  health.register("turn_stats", "/s/t.sqlite");
  health.failed("turn_stats", "insert a row", new Error("database is locked"));
  health.failed("turn_stats", "insert a row", new Error("database is locked"));
  health.failed("turn_stats", "insert a row", new Error("disk full"));
  assert.deepEqual(log.records.map((record) => record.error), [
    "database is locked",
    "disk full",
  ]);
  assert.equal(health.report().turn_stats!.failures, 3);
  assert.equal(health.report().turn_stats!.error, "insert a row: disk full");
});

Deno.test("StoreHealth.succeeded() clears the error, keeps the count, logs the recovery once", () => {
  const { health, log } = setup();
  health.register("events", "/s/e.sqlite");
  health.failed("events", "insert events", new Error("disk full"));
  health.failed("events", "insert events", new Error("disk full"));
  health.succeeded("events");
  health.succeeded("events");
  assert.deepEqual(health.report().events, {
    path: "/s/e.sqlite",
    ok: true,
    error: null,
    failures: 2,
    last_failure_unix: 1_700_000_000,
  });
  assert.deepEqual(log.records.map((record) => [record.level, record.msg]), [
    ["error", "Cannot insert events in events store"],
    ["info", "events store recovered"],
  ]);
});

Deno.test("StoreHealth logs the same cause again after a recovery", () => {
  const { health, log } = setup();
  health.failed("events", "insert events", new Error("disk full"));
  health.succeeded("events");
  health.failed("events", "insert events", new Error("disk full"));
  assert.deepEqual(log.records.map((record) => record.level), [
    "error",
    "info",
    "error",
  ]);
  assert.equal(health.report().events!.failures, 2);
});

Deno.test("StoreHealth.succeeded() on a healthy or unknown store logs nothing", () => {
  const { health, log } = setup();
  health.register("events", "/e");
  health.succeeded("events");
  health.succeeded("nobody");
  assert.deepEqual(log.records, []);
  assert.deepEqual(Object.keys(health.report()), ["events"]);
});

Deno.test("StoreHealth.failed() takes a non-Error cause and an unregistered store", () => {
  const { health, log } = setup();
  health.failed("broker", "open", "no such file");
  assert.equal(health.report().broker!.error, "open: no such file");
  assert.equal(health.report().broker!.ok, false);
  assert.equal(log.records.length, 1);
});

Deno.test("StoreHealth.register() of a known store keeps its failures", () => {
  const { health } = setup();
  health.register("events", "/e");
  health.failed("events", "insert events", new Error("x"));
  health.register("events", "/e");
  assert.equal(health.report().events!.failures, 1);
  assert.equal(health.report().events!.ok, false);
});

Deno.test("StoreHealth.report() is a snapshot the caller cannot change", () => {
  const { health } = setup();
  health.register("events", "/e");
  const report = health.report();
  report.events!.ok = false;
  report.events!.failures = 99;
  assert.equal(health.report().events!.ok, true);
  assert.equal(health.report().events!.failures, 0);
  assert.ok(
    !("lastLoggedCause" in health.report().events!),
    "internal bookkeeping leaks into /api/state",
  );
});
