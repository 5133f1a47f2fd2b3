/**
 * The turn-stats file breaking under a running harness: the loop goes on, the failure shows in
 * `/api/state.stores` and the log, and the rows land once the file is usable again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  postJson,
  startInProcessHarness,
  waitForHistory,
} from "../fixtures/in_process_harness.ts";
import { ROOT } from "../fixtures/harness_process.ts";

const OK_TURN = join(ROOT, "test", "fixtures", "fake_claude", "ok_turn.sh");

async function stores(
  harness: Awaited<ReturnType<typeof startInProcessHarness>>,
) {
  return (await (await harness.app.request("/api/state")).json()).stores;
}

function rowCount(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number(
      (db.prepare("SELECT count(*) AS n FROM turn_stats").get() as {
        n: number;
      }).n,
    );
  } finally {
    db.close();
  }
}

async function waitTurnEnds(
  harness: Awaited<ReturnType<typeof startInProcessHarness>>,
  count: number,
) {
  return await waitForHistory(harness, () => true).then(
    async function poll(events): Promise<unknown> {
      if (
        events.filter((event) => event.kind === "turn_stats_recorded").length >=
          count
      ) {
        return events;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      return poll(
        await (await harness.app.request("/events/history")).json().then((
          body,
        ) => body.events),
      );
    },
  );
}

Deno.test("a locked turn-stats file: the turn goes on, the failure shows, the row lands after", async () => {
  const harness = await startInProcessHarness({ claude: OK_TURN });
  const path = join(harness.stateDir, "hyperhive-turn-stats.sqlite");
  const locker = new DatabaseSync(path);
  try {
    locker.exec("BEGIN IMMEDIATE");
    await postJson(harness, "/api/send", { body: "while locked" });
    await waitTurnEnds(harness, 1);
    const broken = await stores(harness);
    assert.equal(broken.turn_stats.ok, false);
    assert.ok(broken.turn_stats.failures >= 1);
    assert.match(broken.turn_stats.error, /locked|busy/i);
    locker.exec("ROLLBACK");
    await postJson(harness, "/api/send", { body: "after" });
    await waitTurnEnds(harness, 2);
    assert.equal(rowCount(path), 2, "the held row landed with the next one");
    assert.equal((await stores(harness)).turn_stats.ok, true);
  } finally {
    locker.close();
    await harness.stop();
  }
});

Deno.test("a turn-stats file deleted under the running harness: later rows go to a fresh file", async () => {
  const harness = await startInProcessHarness({ claude: OK_TURN });
  const path = join(harness.stateDir, "hyperhive-turn-stats.sqlite");
  try {
    await postJson(harness, "/api/send", { body: "first" });
    await waitTurnEnds(harness, 1);
    for (const suffix of ["", "-wal", "-shm"]) {
      await Deno.remove(path + suffix).catch(() => {});
    }
    await postJson(harness, "/api/send", { body: "after delete" });
    await waitTurnEnds(harness, 2);
    assert.equal(
      rowCount(path),
      1,
      "the row after the delete is in a fresh file",
    );
    const health = (await stores(harness)).turn_stats;
    assert.ok(health.failures >= 1, "the loss was counted");
  } finally {
    await harness.stop();
  }
});

Deno.test("a corrupt turn-stats file: the loop goes on, state says why, rows land once the file is replaced", async () => {
  const stateDir = await Deno.makeTempDir({ prefix: "hive-corrupt-" });
  const path = join(stateDir, "hyperhive-turn-stats.sqlite");
  await Deno.writeTextFile(path, "this is not a database ".repeat(100));
  const harness = await startInProcessHarness({ claude: OK_TURN, stateDir });
  try {
    await postJson(harness, "/api/send", { body: "while corrupt" });
    await waitTurnEnds(harness, 1);
    const broken = (await stores(harness)).turn_stats;
    assert.equal(broken.ok, false);
    assert.match(broken.error, /not a database/);
    const healthz = await harness.app.request("/healthz");
    assert.equal(healthz.status, 200, "the loop goes on");
    await healthz.body?.cancel();
    await Deno.remove(path);
    await postJson(harness, "/api/send", { body: "after the fix" });
    await waitTurnEnds(harness, 2);
    assert.equal(rowCount(path), 2, "the held row and the new one");
    assert.equal((await stores(harness)).turn_stats.ok, true);
  } finally {
    await harness.stop();
  }
});
