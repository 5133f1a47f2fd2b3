/**
 * The transcript on the real Claude Code CLI's lines (scripted API): a turn that fails on the
 * prompt's size, the `/compact` turn the harness runs for it, and the retry, are all said in
 * words: no raw JSON row, and the failure shown once.
 */
import assert from "node:assert/strict";
import {
  promptTooLong,
  startScriptedApi,
  text,
} from "../fixtures/scripted_api.ts";
import { startHarnessProcess, turnEnds } from "../fixtures/harness_process.ts";
import { Transcript } from "../../ui/src/transcript.ts";

Deno.test("a prompt-too-long turn, its /compact turn and the retry read in words on the real CLI", async () => {
  const api = startScriptedApi({
    script: [
      text("first answer"),
      promptTooLong(),
      text("Summary of the conversation so far."),
      text("answer after retry"),
    ],
  });
  const harness = await startHarnessProcess({ apiUrl: api.url });
  try {
    await harness.post("/api/send", { body: "warm up" });
    await harness.post("/api/send", { body: "a big request" });
    let events: Record<string, unknown>[] = [];
    for (let tries = 0; turnEnds(events).length < 4; tries++) {
      assert.ok(tries < 600, "four turns within 120 s");
      await new Promise((resolve) => setTimeout(resolve, 200));
      events = (await harness.get("/events/history")).body.events as Record<
        string,
        unknown
      >[];
    }
    const transcript = new Transcript();
    for (const event of events) transcript.apply(event);
    const rows = transcript.rows;
    const raw = rows.filter((row) => row.type === "raw");
    assert.deepEqual(
      raw,
      [],
      `kinds the page does not know:\n${JSON.stringify(raw, null, 1)}`,
    );
    const shown = rows.map((row) =>
      row.type === "info" || row.type === "text" || row.type === "api_error"
        ? `${row.type}: ${row.text}`
        : row.type
    );
    assert.ok(
      shown.some((line) => /^info: context compacted/.test(line)),
      shown.join("\n"),
    );
    const failed = rows.filter((row) =>
      row.type === "turn_end" && row.ok === false
    );
    assert.equal(failed.length, 1, shown.join("\n"));
    const failure = failed[0];
    assert.ok(failure?.type === "turn_end");
    const apiErrors = rows.filter((row) => row.type === "api_error");
    // The failure's text is on screen once: as the error row, or as the turn's note, not both.
    assert.ok(
      apiErrors.length === 0 || failure.noteShownAbove || !failure.note,
      shown.join("\n"),
    );
  } finally {
    await harness.stop();
    await api.close();
  }
});
