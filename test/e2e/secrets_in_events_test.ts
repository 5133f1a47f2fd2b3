/**
 * The key the operator saves reaches claude's environment, so a Bash `env` prints it into a tool
 * result. Run that with the real CLI and look for the key everywhere it could land: the events
 * file, `/events/history`, the live SSE stream and the log.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { startScriptedApi, text, toolCalls } from "../fixtures/scripted_api.ts";
import {
  eventsOf,
  startHarnessProcess,
  waitForEvent,
} from "../fixtures/harness_process.ts";

Deno.test("a key saved with /api/login and printed by Bash env appears in no event, stream or log", async () => {
  const key = `sk-ant-api03-${crypto.randomUUID().replaceAll("-", "")}`;
  // Without its prefix no "sk-ant-" pattern can find it: a pattern's `[redacted]` keeps this.
  const tail = key.slice("sk-ant-api03-".length);
  const api = startScriptedApi({
    script: [
      toolCalls([{
        name: "Bash",
        input: {
          command: "env | sort",
          description: "show the environment",
        },
      }]),
      text("printed it"),
    ],
  });
  const harness = await startHarnessProcess({
    apiUrl: api.url,
    args: ["--allowed-tools", "Bash"],
  });
  const sse = new AbortController();
  let live = "";
  try {
    assert.equal(
      (await harness.post("/api/login", { token: key })).status,
      200,
    );
    const stream = await fetch(`${harness.url}/events/stream`, {
      signal: sse.signal,
    });
    const reading = (async () => {
      for await (
        const chunk of stream.body!.pipeThrough(new TextDecoderStream())
      ) {
        live += chunk;
      }
    })().catch(() => {});
    await harness.post("/api/send", { body: "print your environment" });
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_end",
    );
    assert.equal(eventsOf(events, "turn_end")[0]?.ok, true);
    // The tool really printed the variables: the redaction is what hid the key.
    const results = JSON.stringify(eventsOf(events, "stream", "user"));
    assert.match(results, /ANTHROPIC_API_KEY=\[redacted\]/);
    const history = await (await fetch(`${harness.url}/events/history`)).text();
    await new Promise((resolve) => setTimeout(resolve, 300));
    sse.abort();
    await reading;
    const status = await harness.stop();
    assert.equal(status.code, 0);

    const db = new DatabaseSync(
      join(harness.stateDir, "hyperhive-events.sqlite"),
    );
    const stored = db.prepare("SELECT payload_json FROM events").all()
      .map((row) => String(row.payload_json)).join("\n");
    db.close();
    assert.match(stored, /\[redacted\]/);
    assert.match(live, /\[redacted\]/);
    for (
      const [where, text] of [
        ["events file", stored],
        ["/events/history", history],
        ["SSE", live],
        ["log", harness.logs.join("\n")],
      ]
    ) {
      assert.ok(!text!.includes(key), `the key is in the ${where}`);
      assert.ok(!text!.includes(tail), `the key's tail is in the ${where}`);
    }
  } finally {
    sse.abort();
    await harness.stop().catch(() => {});
    await api.close();
  }
});
