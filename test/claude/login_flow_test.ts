import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  loginCommandFrom,
  LoginFlow,
  type LoginFlowOptions,
} from "../../lib/claude/login_flow.ts";

function assertIncludes(text: string, part: string): void {
  assert.ok(
    text.includes(part),
    `expected ${JSON.stringify(text)} to include ${JSON.stringify(part)}`,
  );
}

const FAKES = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "fixtures",
  "fake_login",
);
const URL_THEN_CODE = join(FAKES, "url_then_code.sh");
const EXIT_AT_ONCE = join(FAKES, "exit_at_once.sh");
const NO_URL = join(FAKES, "no_url.sh");
const SPLIT_URL = join(FAKES, "split_url.sh");

function flowFor(
  script: string,
  options: Partial<LoginFlowOptions> = {},
): LoginFlow {
  return new LoginFlow({
    command: [script],
    env: () => ({ PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" }),
    cwd: Deno.cwd(),
    now: () => 1_700_000_000_000,
    urlWaitMs: 5_000,
    ...options,
  });
}

Deno.test("loginCommandFrom() runs `claude /login` unless HYPERHIVE_LOGIN_CMD names a command", async (t) => {
  const cases: [string | undefined, string[]][] = [
    [undefined, ["/opt/claude", "/login"]],
    ["", ["/opt/claude", "/login"]],
    ["   ", ["/opt/claude", "/login"]],
    ["my-login", ["my-login"]],
    ["  my-login  --flag   x ", ["my-login", "--flag", "x"]],
  ];
  for (const [env, expected] of cases) {
    await t.step(`${JSON.stringify(env)} -> ${expected.join(" ")}`, () => {
      assert.deepEqual(loginCommandFrom(env, "/opt/claude"), expected);
    });
  }
});

Deno.test("LoginFlow starts idle and refuses a code when no login runs", async () => {
  const flow = flowFor(URL_THEN_CODE);
  assert.deepEqual(flow.state, { phase: "idle" });
  await assert.rejects(() => flow.submitCode("good-code"), {
    name: "LoginNotRunningError",
    message: /no login is in progress/,
  });
});

Deno.test("LoginFlow.start() waits for the URL printed after a delay, and a good code finishes ok", async () => {
  const flow = flowFor(URL_THEN_CODE);
  const state = await flow.start();
  assert.deepEqual(state, {
    phase: "running",
    url:
      "https://claude.example/oauth/authorize?code=true&client_id=abc&state=xyz",
    started_at: 1_700_000_000,
  });
  await flow.submitCode("  good-code \n");
  await flow.finished();
  assert.deepEqual(flow.state, {
    phase: "finished",
    ok: true,
    message: "login command finished",
    finished_at: 1_700_000_000,
  });
});

Deno.test("LoginFlow with a wrong code finishes failed, naming the exit code, with secrets redacted", async () => {
  const flow = flowFor(URL_THEN_CODE);
  const state = await flow.start();
  assert.deepEqual(state.phase, "running");
  await flow.submitCode("bad-code");
  await flow.finished();
  const end = flow.state;
  assert.ok(end.phase === "finished");
  assert.deepEqual(end.ok, false);
  assertIncludes(end.message, "login command exited 1");
  assertIncludes(end.message, "OAuth error: invalid code");
  assert.ok(
    !end.message.includes("leakedLEAKEDleaked"),
    `secret leaked into: ${end.message}`,
  );
  await assert.rejects(() => flow.submitCode("good-code"), {
    name: "LoginNotRunningError",
  });
});

Deno.test("LoginFlow.start() answers at once when the command exits before printing a URL", async () => {
  const flow = flowFor(EXIT_AT_ONCE, { urlWaitMs: 20_000 });
  const started = performance.now();
  const state = await flow.start();
  assert.ok(
    performance.now() - started < 5_000,
    "start() waited for a URL from a command that had exited",
  );
  assert.ok(
    state.phase === "finished",
    `expected finished, got ${JSON.stringify(state)}`,
  );
  assert.deepEqual(state.ok, false);
  assertIncludes(state.message, "exited 1");
  assertIncludes(state.message, "raw mode is not supported");
  await flow.finished();
});

Deno.test("LoginFlow.start() gives up waiting for a URL after urlWaitMs and keeps the flow running", async () => {
  const flow = flowFor(NO_URL, { urlWaitMs: 150 });
  const state = await flow.start();
  assert.ok(state.phase === "running");
  assert.deepEqual(state.url, null);
  flow.stop();
  await flow.finished();
  assert.ok(flow.state.phase === "finished");
  assert.deepEqual(flow.state.ok, false);
});

Deno.test("LoginFlow.stop() ends the flow even when a helper process still holds its output open", async () => {
  // Long enough for the script to have started its `sleep`, which outlives the killed shell.
  const flow = flowFor(NO_URL, { urlWaitMs: 250 });
  await flow.start();
  const stopped = performance.now();
  flow.stop();
  await flow.finished();
  const waited = performance.now() - stopped;
  assert.ok(
    waited < 1_500,
    `finished() took ${Math.round(waited)} ms after stop()`,
  );
  assert.deepEqual(flow.state.phase, "finished");
});

Deno.test("LoginFlow stops a command that runs longer than timeoutMs", async () => {
  const flow = flowFor(NO_URL, { urlWaitMs: 50, timeoutMs: 150 });
  await flow.start();
  await flow.finished();
  assert.ok(flow.state.phase === "finished");
  assert.deepEqual(flow.state.ok, false);
});

Deno.test("LoginFlow.start() while a flow runs returns that flow instead of starting another", async () => {
  const flow = flowFor(URL_THEN_CODE);
  const first = await flow.start();
  const second = await flow.start();
  assert.deepEqual(second, first);
  await flow.submitCode("good-code");
  await flow.finished();
  assert.ok(flow.state.phase === "finished" && flow.state.ok);
});

Deno.test("LoginFlow.start() after a finished flow starts a new one", async () => {
  const flow = flowFor(URL_THEN_CODE);
  await flow.start();
  await flow.submitCode("bad-code");
  await flow.finished();
  assert.ok(flow.state.phase === "finished" && !flow.state.ok);
  const again = await flow.start();
  assert.ok(again.phase === "running");
  assert.match(again.url ?? "", /^https:\/\/claude\.example\//);
  await flow.submitCode("good-code");
  await flow.finished();
  assert.ok(flow.state.phase === "finished" && flow.state.ok);
});

Deno.test("LoginFlow shows the whole URL when it arrives in two writes", async () => {
  const flow = flowFor(SPLIT_URL);
  const state = await flow.start();
  assert.ok(state.phase === "running");
  assert.deepEqual(
    state.url,
    "https://claude.example/oauth/authorize?code=true&state=second-half-of-the-url",
  );
  await flow.submitCode("good-code");
  await flow.finished();
  assert.ok(flow.state.phase === "finished" && flow.state.ok);
});

Deno.test("LoginFlow.start() with a missing command finishes failed naming it", async () => {
  const missing = join(FAKES, "does-not-exist");
  const flow = flowFor(missing);
  const state = await flow.start();
  assert.ok(state.phase === "finished");
  assert.deepEqual(state.ok, false);
  assertIncludes(state.message, `Cannot start login command "${missing}"`);
  await flow.finished();
});

Deno.test("LoginFlow runs the command with only the environment it is given", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = join(dir, "print_env.sh");
    await Deno.writeTextFile(
      script,
      '#!/bin/sh\necho "https://x.example/?home=${HOME:-none}&k=$HIVE_K"\nread -r code\n',
    );
    await Deno.chmod(script, 0o755);
    const flow = new LoginFlow({
      command: [script],
      env: () => ({ HIVE_K: "v" }),
      cwd: dir,
      urlWaitMs: 5_000,
    });
    const state = await flow.start();
    assert.ok(state.phase === "running");
    assert.deepEqual(state.url, "https://x.example/?home=none&k=v");
    await flow.submitCode("x");
    await flow.finished();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LoginFlow tells onCodeFlowEnded when a flow given a code ends, and not for one without", async () => {
  let ended = 0;
  const withCode = flowFor(URL_THEN_CODE, {
    onCodeFlowEnded: () => ended++,
  });
  await withCode.start();
  await withCode.submitCode("good-code");
  await withCode.finished();
  assert.equal(ended, 1);
  const withoutCode = flowFor(EXIT_AT_ONCE, {
    onCodeFlowEnded: () => ended++,
  });
  await withoutCode.start();
  await withoutCode.finished();
  assert.equal(ended, 1);
});
