import assert from "node:assert/strict";
import {
  type BrokerMessage,
  type LooseEnds,
  readBrokerMessages,
  readLooseEnds,
} from "../../lib/wire/broker_shapes.ts";

Deno.test("readLooseEnds() reads what the broker sends back unchanged", () => {
  const sent: LooseEnds = {
    questions: [{
      id: 3,
      asker: "alice",
      target: "operator",
      question: "Deploy now?",
      options: ["yes", "no"],
      multi: false,
      asked_at: 1_700_000_000,
      deadline: null,
    }],
    reminders: [{
      id: 4,
      agent: "alice",
      message: "check the build",
      due_at: 1_700_000_600,
      created_at: 1_700_000_000,
    }],
  };
  assert.deepEqual(readLooseEnds(JSON.parse(JSON.stringify(sent))), sent);
});

Deno.test("readLooseEnds() and readBrokerMessages() give defaults for bad or missing fields", () => {
  assert.deepEqual(readLooseEnds(null), { questions: [], reminders: [] });
  assert.deepEqual(readLooseEnds({ questions: [{ id: "x" }, 7] }), {
    questions: [{
      id: 0,
      asker: "?",
      target: "operator",
      question: "",
      options: [],
      multi: false,
      asked_at: 0,
      deadline: null,
    }],
    reminders: [],
  });
  assert.deepEqual(readBrokerMessages("nope"), []);
  const message: BrokerMessage = {
    id: 1,
    from: "operator",
    to: "alice",
    body: "hi",
    "sent_at": 5,
    "delivered_at": null,
  };
  assert.deepEqual(readBrokerMessages([message, 3]), [message]);
});
