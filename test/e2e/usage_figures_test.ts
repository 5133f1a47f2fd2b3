/**
 * Figures claude prints are checked before they are counted: a result line with 1e308 input
 * tokens, negative output tokens, a fractional cache figure and an absurd cost is a turn like
 * any other, but its bad figures land in the row's note, never in the row's columns or the
 * `/metrics` counters (which would otherwise read 1e+308 for good).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  postJson,
  startInProcessHarness,
  waitForHistory,
} from "../fixtures/in_process_harness.ts";
import { ROOT } from "../fixtures/harness_process.ts";

const BAD_USAGE = join(ROOT, "test", "fixtures", "fake_claude", "bad_usage.sh");

Deno.test("a result with impossible usage figures: counted as 0, said in the note, /metrics stays sane", async () => {
  const harness = await startInProcessHarness({
    claude: BAD_USAGE,
    keepWarmSeconds: 0,
  });
  try {
    const sent = await postJson(harness, "/api/send", { body: "go" });
    assert.equal(sent.status, 200);
    await sent.body?.cancel();
    const events = await waitForHistory(
      harness,
      (event) => event.kind === "turn_stats_recorded",
    );
    const row = events.find((event) => event.kind === "turn_stats_recorded")!
      .row as Record<string, unknown>;
    assert.equal(row.result_kind, "ok");
    assert.deepEqual(
      [
        row.input_tokens,
        row.output_tokens,
        row.cache_read_input_tokens,
        row.cache_creation_input_tokens,
        row.num_turns,
        row.cost_usd,
        row.last_input_tokens,
      ],
      [0, 0, 0, 7, null, null, 0],
    );
    assert.match(String(row.note), /cannot be real/);
    for (
      const figure of [
        "input_tokens=1e+308",
        "output_tokens=-5",
        "cache_read_input_tokens=2.5",
        "num_turns=1.5",
        "total_cost_usd=1e+300",
      ]
    ) assert.ok(String(row.note).includes(figure), `${figure} in ${row.note}`);
    const metrics = await (await harness.app.request("/metrics")).text();
    assert.doesNotMatch(metrics, /e\+30/);
    assert.match(
      metrics,
      /hive_tokens_total\{[^}]*type="cacheCreation"[^}]*\} 7/,
    );
  } finally {
    await harness.stop();
  }
});
