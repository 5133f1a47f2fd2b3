/**
 * The per-turn cost out of the CLI's running `total_cost_usd`, with the figures Claude Code 2.1
 * printed against the scripted API (several turns in one warm process, a cold `--continue`
 * after a clean exit, and one after a kill, which saves nothing).
 */
import assert from "node:assert/strict";
import {
  CostLedger,
  type CostMark,
  parseCostMark,
} from "../../lib/turn/turn_cost.ts";

const result = (session: string, total: number) => ({
  type: "result",
  "session_id": session,
  "total_cost_usd": total,
});

Deno.test("CostLedger gives the 2nd and 3rd turn of one warm process their own cost", () => {
  const process = new CostLedger().processStarted();
  assert.equal(process.turnCost(result("s", 0.00002975)), 0.00002975);
  assert.equal(process.turnCost(result("s", 0.000158)), 0.00012825);
  assert.equal(process.turnCost(result("s", 0.0002565)), 0.0000985);
});

Deno.test("CostLedger: a clean exit saves the total; the next --continue starts from it", () => {
  const saved: CostMark[] = [];
  const ledger = new CostLedger({ save: (mark) => void saved.push(mark) });
  const first = ledger.processStarted();
  assert.equal(first.turnCost(result("s", 0.00015)), 0.00015);
  first.ended(true);
  assert.deepEqual(saved, [{ "session_id": "s", "total_cost_usd": 0.00015 }]);
  const second = ledger.processStarted();
  assert.equal(second.turnCost(result("s", 0.0003)), 0.00015);
});

Deno.test("CostLedger: after a kill the CLI restores the last clean total, and so does the ledger", () => {
  const ledger = new CostLedger({
    restored: { "session_id": "s", "total_cost_usd": 0.001 },
  });
  const killed = ledger.processStarted();
  assert.equal(killed.turnCost(result("s", 0.0015)), 0.0005);
  assert.equal(killed.turnCost(result("s", 0.002)), 0.0005);
  killed.ended(false);
  // The CLI starts again from 0.001, the total its last clean exit saved.
  const next = ledger.processStarted();
  assert.equal(next.turnCost(result("s", 0.0012)), 0.0002);
});

Deno.test("CostLedger: a new session starts from zero; an unknown share is null, never made up", () => {
  const ledger = new CostLedger({
    restored: { "session_id": "old", "total_cost_usd": 5 },
  });
  const process = ledger.processStarted();
  assert.equal(process.turnCost(result("new", 0.25)), 0.25);
  assert.equal(process.turnCost({ type: "result", "session_id": "new" }), null);
  assert.equal(process.turnCost(null), null);
  // A total below what we know the process printed: the share is unknown.
  assert.equal(process.turnCost(result("new", 0.1)), null);
});

Deno.test("parseCostMark() reads a saved mark and refuses anything else", () => {
  assert.deepEqual(
    parseCostMark('{"session_id":"s","total_cost_usd":0.5}'),
    { "session_id": "s", "total_cost_usd": 0.5 },
  );
  for (const text of [null, "", "{", "[]", '{"session_id":1}']) {
    assert.equal(parseCostMark(text), null);
  }
});
