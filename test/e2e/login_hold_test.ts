/**
 * A wake-up refused for "not logged in" waits for the login across a restart (the real CLI,
 * no credentials), instead of running again, and failing again, at every start; a key exported
 * before the restart runs it at once.
 */
import assert from "node:assert/strict";
import { startScriptedApi, text } from "../fixtures/scripted_api.ts";
import {
  type HarnessProcess,
  startHarnessProcess,
  waitForState,
} from "../fixtures/harness_process.ts";

const NO_KEY = { ANTHROPIC_API_KEY: null };

async function rows(harness: HarnessProcess): Promise<string[]> {
  const { body } = await harness.get("/api/turn-stats");
  return (body.rows as { result_kind: string }[]).map((row) => row.result_kind);
}

/** The turn-stats result kinds, newest first, once there are `count` of them. */
async function rowsOnce(
  harness: HarnessProcess,
  count: number,
): Promise<string[]> {
  for (;;) {
    const kinds = await rows(harness);
    if (kinds.length >= count) return kinds;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A first harness whose wake-up claude refused for want of a login; stopped. */
async function refusedOnce(apiUrl: string): Promise<HarnessProcess> {
  const first = await startHarnessProcess({ apiUrl, env: NO_KEY });
  try {
    await first.post("/api/send", { body: "are you there" });
    await waitForState(first, (state) => state.status === "needs_login_idle");
    assert.deepEqual(await rowsOnce(first, 1), ["failed"]);
  } finally {
    await first.stop();
  }
  return first;
}

Deno.test("restarted without credentials, the harness waits for the login instead of running the refused wake-up again", async () => {
  const api = startScriptedApi({ script: [text("logged in now")] });
  try {
    const first = await refusedOnce(api.url);
    const second = await startHarnessProcess({
      apiUrl: api.url,
      env: NO_KEY,
      stateDir: first.stateDir,
      home: first.home,
    });
    try {
      const state = (await second.get("/api/state")).body;
      assert.equal(state.status, "needs_login_idle");
      assert.match(String(state.status_detail), /not logged in/i);
      const history = (await second.get("/events/history")).body
        .events as { kind: string; text?: string }[];
      assert.ok(
        history.some((event) =>
          event.kind === "note" && /^waiting for a login/.test(event.text ?? "")
        ),
        "the feed says why nothing runs",
      );
      assert.equal(
        (await second.post("/api/login", { token: "sk-ant-api03-test-key" }))
          .status,
        200,
      );
      await waitForState(second, (s) => s.status === "online");
      for (;;) {
        const kinds = await rows(second);
        if (kinds.length >= 2) {
          assert.deepEqual(
            kinds,
            ["ok", "failed"],
            "one refusal, then the turn",
          );
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(
        api.requests.length,
        1,
        "claude asked the API once: after the login",
      );
    } finally {
      await second.stop();
    }
  } finally {
    await api.close();
  }
});

Deno.test("restarted with a key exported, the refused wake-up runs at once", async () => {
  const api = startScriptedApi({ script: [text("hello with a key")] });
  try {
    const first = await refusedOnce(api.url);
    const second = await startHarnessProcess({
      apiUrl: api.url,
      stateDir: first.stateDir,
      home: first.home,
    });
    try {
      assert.deepEqual(await rowsOnce(second, 2), ["ok", "failed"]);
      assert.equal((await second.get("/api/state")).body.status, "online");
    } finally {
      await second.stop();
    }
  } finally {
    await api.close();
  }
});
