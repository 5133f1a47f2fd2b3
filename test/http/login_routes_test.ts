/**
 * The interactive login over HTTP (SPEC §9): start shows the URL the login command prints, the
 * pasted code goes to its stdin, and the agent leaves `needs_login_*` once a turn proves it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  postJson,
  startInProcessHarness,
} from "../fixtures/in_process_harness.ts";
import { ROOT } from "../fixtures/harness_process.ts";

const LOGINS = join(ROOT, "test", "fixtures", "fake_login");

Deno.test("login start shows the URL, the code goes to the login command, the flow finishes", async () => {
  const harness = await startInProcessHarness({
    env: { HYPERHIVE_LOGIN_CMD: join(LOGINS, "url_then_code.sh") },
  });
  try {
    const early = await postJson(harness, "/api/login/code", {
      code: "too-early",
    });
    assert.equal(early.status, 409, "no flow yet");
    await early.body?.cancel();
    const started = await postJson(harness, "/api/login/start");
    assert.equal(started.status, 200);
    const body = await started.json();
    assert.equal(body.phase, "running");
    assert.equal(
      body.url,
      "https://claude.example/oauth/authorize?code=true&client_id=abc&state=xyz",
    );
    const code = await postJson(harness, "/api/login/code", {
      code: "good-code",
    });
    assert.equal(code.status, 200);
    await code.body?.cancel();
    for (let i = 0; i < 100; i++) {
      const state = await (await harness.app.request("/api/state")).json();
      if (state.login.phase === "finished") {
        assert.equal(state.login.ok, true);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail("the login flow never finished");
  } finally {
    await harness.stop();
  }
});

Deno.test("a login command that fails at once answers 502 with its words, secrets redacted", async () => {
  const harness = await startInProcessHarness({
    env: { HYPERHIVE_LOGIN_CMD: join(LOGINS, "exit_at_once.sh") },
  });
  try {
    const started = await postJson(harness, "/api/login/start");
    assert.equal(started.status, 502);
    assert.match((await started.json()).error, /raw mode is not supported/);
  } finally {
    await harness.stop();
  }
});

Deno.test("a wrong code: the flow ends failed and the leaked-looking token is redacted", async () => {
  const harness = await startInProcessHarness({
    env: { HYPERHIVE_LOGIN_CMD: join(LOGINS, "url_then_code.sh") },
  });
  try {
    await (await postJson(harness, "/api/login/start")).body?.cancel();
    await (await postJson(harness, "/api/login/code", { code: "bad-code" }))
      .body?.cancel();
    for (let i = 0; i < 100; i++) {
      const text = await (await harness.app.request("/api/state")).text();
      const state = JSON.parse(text);
      if (state.login.phase === "finished") {
        assert.equal(state.login.ok, false);
        assert.ok(
          !text.includes("sk-ant-oat01-leaked"),
          "the token in the output is redacted",
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail("the login flow never finished");
  } finally {
    await harness.stop();
  }
});
