import assert from "node:assert/strict";
import { startScriptedApi, text } from "../fixtures/scripted_api.ts";
import {
  startHarnessProcess,
  waitForEvent,
} from "../fixtures/harness_process.ts";

Deno.test("a message sent from the page runs one real claude turn that streams in and ends ok", async () => {
  const api = startScriptedApi({ script: [text("Hello, operator.")] });
  const harness = await startHarnessProcess({ apiUrl: api.url });
  try {
    const sent = await harness.post("/api/send", { body: "say hello" });
    assert.equal(sent.status, 200);
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_end",
    );
    const start = events.find((event) => event.kind === "turn_start");
    assert.equal(start?.from, "operator");
    assert.equal(start?.body, "say hello");
    const assistant = events.find((event) =>
      event.kind === "stream" && event.type === "assistant"
    );
    assert.ok(JSON.stringify(assistant).includes("Hello, operator."));
    const end = events.find((event) => event.kind === "turn_end");
    assert.deepEqual({ ok: end?.ok, note: end?.note }, {
      ok: true,
      note: null,
    });
  } finally {
    await harness.stop();
    await api.close();
  }
});
