import assert from "node:assert/strict";
import { settlesWithin, settleWithin, TIMED_OUT } from "../lib/timeout.ts";

// Deno's op sanitizer fails any of these tests that leaves its timer running.
Deno.test("settleWithin() gives the value of a promise that settles in time", async () => {
  assert.equal(await settleWithin(Promise.resolve(7), 1000), 7);
});

Deno.test("settleWithin() gives TIMED_OUT for a promise that never settles", async () => {
  assert.equal(await settleWithin(new Promise(() => {}), 10), TIMED_OUT);
});

Deno.test("settleWithin() passes a rejection on", async () => {
  await assert.rejects(
    settleWithin(Promise.reject(new RangeError("no")), 1000),
    RangeError,
  );
});

Deno.test("settlesWithin() is true for a promise that resolves or rejects in time, false otherwise", async () => {
  assert.equal(await settlesWithin(Promise.resolve(), 1000), true);
  assert.equal(await settlesWithin(Promise.reject(new Error("x")), 1000), true);
  assert.equal(await settlesWithin(new Promise(() => {}), 10), false);
});
