import assert from "node:assert/strict";
import {
  applyHeaderEvent,
  headerFromState,
} from "../../ui/src/header_state.ts";
import { PageModel } from "../../ui/src/page_model.ts";

const STATE = {
  seq: 10,
  agent: "alice",
  role: "agent",
  status: "rate_limited",
  "rate_limited_until": 1800000000,
  "status_text": "busy with tests",
  "turn_state": "thinking",
  "since_unix": 1700000000,
  model: "haiku",
  "last_usage": {
    "input_tokens": 100,
    "cache_read_input_tokens": 900,
    "cache_creation_input_tokens": 0,
    "output_tokens": 5,
  },
  "context_window_tokens": 200000,
  unread: 2,
  stores: {
    events: { ok: false, error: "disk full" },
    stats: { ok: true, error: null },
  },
  version: "1.0.0",
};

Deno.test("headerFromState reads /api/state, the context as input plus cache tokens", () => {
  const header = headerFromState(STATE);
  assert.equal(header.contextTokens, 1000);
  assert.equal(header.rateLimitedUntil, 1800000000);
  assert.deepEqual(header.storeErrors, { events: "disk full" });
  assert.equal(header.statusText, "busy with tests");
});

Deno.test("the context gauge follows real inferences and skips the CLI's synthetic lines", () => {
  let header = headerFromState(STATE);
  const line = (model: string, input: number) => ({
    kind: "stream",
    type: "assistant",
    message: {
      model,
      usage: { "input_tokens": input, "cache_read_input_tokens": 0 },
      content: [],
    },
  });
  header = applyHeaderEvent(header, line("claude-haiku-5-5", 5000));
  assert.equal(header.contextTokens, 5000);
  header = applyHeaderEvent(header, line("<synthetic>", 0));
  assert.equal(header.contextTokens, 5000);
  header = applyHeaderEvent(header, {
    ...line("claude-haiku-5-5", 42),
    "parent_tool_use_id": "toolu_task",
  });
  assert.equal(header.contextTokens, 5000, "a sub-agent's context is its own");
  header = applyHeaderEvent(header, {
    kind: "token_usage_changed",
    usage: { "input_tokens": 9000 },
    "context_usage": { "input_tokens": 6000 },
    "context_window_tokens": 1000000,
  });
  assert.deepEqual([header.contextTokens, header.contextWindow], [
    6000,
    1000000,
  ]);
});

Deno.test("PageModel.load applies to the header only history events newer than the state", () => {
  const model = new PageModel();
  model.load({
    state: STATE,
    events: [
      { seq: 9, kind: "model_changed", model: "opus" },
      { seq: 10, kind: "turn_state_changed", state: "idle", "since_unix": 1 },
      { seq: 11, kind: "model_changed", model: "sonnet" },
    ],
  });
  assert.equal(model.header.model, "sonnet");
  assert.equal(model.header.turnState, "thinking");
  assert.equal(
    model.transcript.rows.length,
    2,
    "model changes are rows; state changes are not",
  );
});
