/**
 * A broker file that will not open does not stop the harness: the page is up, the failure is
 * in `/api/state.stores.broker`, sends answer 503, and the broker opens once the file is fixed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  postJson,
  startInProcessHarness,
} from "../fixtures/in_process_harness.ts";

Deno.test("a corrupt broker file: the harness runs on, says why, and recovers once it is replaced", async () => {
  const stateDir = await Deno.makeTempDir({ prefix: "hive-broker-fault-" });
  const path = join(stateDir, "hyperhive-broker.sqlite");
  await Deno.writeTextFile(path, "not a database at all ".repeat(100));
  const harness = await startInProcessHarness({ stateDir });
  try {
    const state = await (await harness.app.request("/api/state")).json();
    assert.equal(state.stores.broker.ok, false);
    assert.match(state.stores.broker.error, /not a database/);
    assert.equal(state.broker_ok, false);
    const healthz = await harness.app.request("/healthz");
    assert.equal(healthz.status, 200);
    await healthz.body?.cancel();
    const refused = await postJson(harness, "/api/send", { body: "hello" });
    assert.equal(refused.status, 503);
    assert.match((await refused.json()).error, /broker/i);
    await Deno.remove(path);
    let sent: Response | undefined;
    for (let i = 0; i < 160; i++) {
      sent = await postJson(harness, "/api/send", { body: "hello" });
      if (sent.status === 200) break;
      await sent.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(
      sent?.status,
      200,
      "the broker opened once the file was fixed",
    );
    await sent?.body?.cancel();
    const after = await (await harness.app.request("/api/state")).json();
    assert.equal(after.stores.broker.ok, true);
  } finally {
    await harness.stop();
  }
});
