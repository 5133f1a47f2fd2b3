/**
 * The host page's reading of the hive's snapshots: "needs me" first, a running turn's time,
 * page links only for http(s) addresses, and junk rows read without throwing.
 */
import assert from "node:assert/strict";
import { dollars, elapsedText, readSnapshot } from "../../ui/src/hive_model.ts";

const agent = (fields: Record<string, unknown>) => ({
  name: "x",
  state: "online",
  open_questions: 0,
  ...fields,
});

Deno.test("readSnapshot() puts the agents that need the operator first, then by name", () => {
  const snapshot = readSnapshot({
    kind: "fleet",
    agents: [
      agent({ name: "dan" }),
      agent({ name: "cat", state: "down" }),
      agent({ name: "bob", open_questions: 2 }),
      agent({ name: "amy", state: "running" }),
      agent({ name: "eve", state: "over_budget" }),
    ],
    questions: [{
      id: 4,
      asker: "bob",
      question: "ok?",
      options: ["y"],
      multi: true,
    }],
  });
  assert.deepEqual(snapshot?.agents.map((a) => a.name), [
    "bob",
    "cat",
    "eve",
    "amy",
    "dan",
  ]);
  assert.deepEqual(snapshot?.questions[0], {
    id: 4,
    asker: "bob",
    target: "operator",
    question: "ok?",
    options: ["y"],
    multi: true,
    "asked_at": 0,
    deadline: null,
  });
});

Deno.test("readSnapshot() links only http(s) pages and survives junk", () => {
  const snapshot = readSnapshot({
    agents: [
      agent({ name: "a", url: "javascript:alert(1)" }),
      agent({ name: "b", url: "http://127.0.0.1:9/" }),
      "junk",
      { turns_today: "many" },
    ],
  });
  assert.deepEqual(
    snapshot?.agents.map((a) => [a.name, a.url, a.turns_today]),
    [
      ["?", null, 0],
      ["a", null, 0],
      ["b", "http://127.0.0.1:9/", 0],
    ],
  );
  assert.equal(readSnapshot({ kind: "reset" }), null);
  assert.equal(readSnapshot(null), null);
});

Deno.test("elapsedText() and dollars() read as the page shows them", () => {
  const running = readSnapshot({
    agents: [agent({ turn_started_at: 1000 })],
  })!.agents[0]!;
  assert.equal(elapsedText(running, 1_042_000), "42s");
  assert.equal(elapsedText(running, 1_065_000), "1m 05s");
  assert.equal(elapsedText({ ...running, "turn_started_at": null }, 0), "");
  assert.equal(dollars(0), "$0.00");
  assert.equal(dollars(0.0123), "$0.0123");
  assert.equal(dollars(12.5), "$12.50");
});
