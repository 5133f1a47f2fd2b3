/**
 * SIGKILL the harness mid-turn and start it again on the same state dir: history intact, seq
 * resumes above the old boot's, the interrupted wake-up is delivered again, the cut-off turn is
 * one `failed` row, and the loop goes on.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { startScriptedApi, text } from "../fixtures/scripted_api.ts";
import {
  eventsOf,
  startHarnessProcess,
  turnEnds,
  waitForEvent,
} from "../fixtures/harness_process.ts";

Deno.test("SIGKILL mid-turn, restart: nothing lost, seq resumes, the wake-up comes again once", async () => {
  const api = startScriptedApi({
    script: [
      {
        kind: "message",
        blocks: [{ type: "text", text: "too slow" }],
        delayMs: 10_000,
      },
      text("answer after restart"),
    ],
  });
  const first = await startHarnessProcess({ apiUrl: api.url });
  let second: Awaited<ReturnType<typeof startHarnessProcess>> | undefined;
  try {
    await first.post("/api/send", { body: "survive a crash" });
    const before = await waitForEvent(
      first,
      (event) => event.kind === "stream" && event.type === "system",
    );
    await waitUntilRequested(api);
    const oldClaude = (await first.get("/api/state")).body.claude as {
      pid: number;
    };
    const status = await first.kill();
    assert.equal(status.signal, "SIGKILL");
    const oldMaxSeq = Math.max(...before.map((event) => Number(event.seq)));

    second = await startHarnessProcess({
      apiUrl: api.url,
      stateDir: first.stateDir,
      home: first.home,
    });
    const after = await waitForEvent(
      second,
      (event) => event.kind === "turn_end" && event.ok === true,
    );
    const starts = eventsOf(after, "turn_start").map((event) => event.body);
    assert.deepEqual(
      starts,
      ["survive a crash", "survive a crash"],
      "old turn kept, wake-up delivered again",
    );
    const beforeSeqs = new Set(before.map((event) => event.seq));
    for (const event of before) {
      assert.ok(
        after.some((kept) => kept.seq === event.seq),
        `event ${event.seq} kept`,
      );
    }
    const newEvents = after.filter((event) => !beforeSeqs.has(event.seq));
    assert.ok(
      newEvents.every((event) => Number(event.seq) > oldMaxSeq),
      "seq resumes above the old boot",
    );
    const seqs = after.map((event) => Number(event.seq));
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      "history is in seq order",
    );
    assert.equal(new Set(seqs).size, seqs.length, "no duplicate seq");
    assert.equal(turnEnds(after).length, 1, "only the new boot's turn ended");

    // The new harness keeps its own claude warm; the dead one's must be gone.
    assert.equal(
      await processExists(oldClaude.pid),
      false,
      "the dead harness's claude was killed at restart",
    );
    const newClaude = (await second.get("/api/state")).body.claude as {
      pid: number;
    } | null;
    assert.notEqual(newClaude?.pid, oldClaude.pid);
    const notes = eventsOf(after, "note").map((event) => String(event.text));
    assert.ok(
      notes.some((text) =>
        /killed \d+ processes of a turn the previous harness left running/.test(
          text,
        )
      ),
    );
    const state = await second.get("/api/state");
    assert.equal(
      state.body.unread,
      0,
      "delivered exactly once after the clean turn",
    );
    const db = new DatabaseSync(
      join(first.stateDir, "hyperhive-turn-stats.sqlite"),
      { readOnly: true },
    );
    try {
      const rows = db.prepare(
        "SELECT result_kind, note, wake_from FROM turn_stats ORDER BY id",
      ).all();
      assert.deepEqual(rows.map((row) => [row.result_kind, row.note]), [
        ["failed", "harness restarted mid-turn"],
        ["ok", null],
      ]);
    } finally {
      db.close();
    }
    const eventsDb = new DatabaseSync(
      join(first.stateDir, "hyperhive-events.sqlite"),
      { readOnly: true },
    );
    try {
      const boots = eventsDb.prepare("SELECT DISTINCT boot_id FROM events")
        .all();
      assert.equal(boots.length, 2, "two boots in the events table");
    } finally {
      eventsDb.close();
    }
  } finally {
    await second?.stop();
    await first.kill().catch(() => {});
    await api.close();
  }
});

async function waitUntilRequested(
  api: ReturnType<typeof startScriptedApi>,
): Promise<void> {
  for (let i = 0; i < 300 && api.requests.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(api.requests.length > 0, "claude reached the API");
}

/** Whether `pid` names a live process (not a zombie). */
async function processExists(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}
