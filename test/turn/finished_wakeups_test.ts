import assert from "node:assert/strict";
import { FinishedWakeups } from "../../lib/turn/finished_wakeups.ts";

Deno.test("FinishedWakeups remembers unmarked wake-ups until delivered, and at most its limit", () => {
  const finished = new FinishedWakeups(2);
  finished.add(1);
  finished.add(2);
  assert.ok(finished.has(1) && finished.has(2));
  finished.delivered(1);
  assert.equal(finished.has(1), false);
  finished.add(3);
  finished.add(4);
  assert.deepEqual([finished.has(2), finished.has(3), finished.has(4)], [
    false,
    true,
    true,
  ]);
  assert.equal(finished.size, 2);
});
