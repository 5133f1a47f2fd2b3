import assert from "node:assert/strict";
import { join } from "node:path";
import { openDatabase } from "../../lib/sqlite/open.ts";
import { EVENT_STORE_MIGRATIONS } from "../../lib/events/event_store.ts";
import { startInProcessHarness } from "../fixtures/in_process_harness.ts";

function modeOf(path: string): number {
  return (Deno.statSync(path).mode ?? 0) & 0o777;
}

Deno.test("openDatabase() makes the store, its -wal and -shm readable by the owner only", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = join(dir, "store.sqlite");
    const db = openDatabase(path, EVENT_STORE_MIGRATIONS);
    db.exec(
      "INSERT INTO events (ts, kind, payload_json) VALUES (1, 'note', '{}')",
    );
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      assert.equal(modeOf(file).toString(8), "600", file);
    }
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("openDatabase() tightens a store an older run left world-readable", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = join(dir, "store.sqlite");
    openDatabase(path, EVENT_STORE_MIGRATIONS).close();
    Deno.chmodSync(path, 0o644);
    const db = openDatabase(path, EVENT_STORE_MIGRATIONS);
    assert.equal(modeOf(path).toString(8), "600");
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the harness keeps its state dir 0700 and every store in it 0600", async () => {
  const parent = Deno.makeTempDirSync();
  const stateDir = join(parent, "state");
  Deno.mkdirSync(stateDir, { mode: 0o755 });
  Deno.chmodSync(stateDir, 0o755);
  const harness = await startInProcessHarness({ stateDir });
  try {
    await harness.app.request(
      new Request("http://127.0.0.1:8080/api/model", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"model":"sonnet"}',
      }),
    );
    harness.parts.bus.flush();
    assert.equal(modeOf(stateDir).toString(8), "700");
    const files = [...Deno.readDirSync(stateDir)]
      .filter((entry) => entry.isFile).map((entry) => entry.name);
    assert.ok(files.includes("hyperhive-events.sqlite"), files.join(", "));
    assert.ok(files.includes("hyperhive-model"), files.join(", "));
    for (const name of files) {
      assert.equal(
        modeOf(join(stateDir, name)) & 0o077,
        0,
        `${name} is private`,
      );
    }
  } finally {
    await harness.stop();
    Deno.removeSync(parent, { recursive: true });
  }
});
