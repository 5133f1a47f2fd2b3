/**
 * The harness against small fake claudes doing what the real CLI won't on cue: garbage, a
 * 20 MiB line, a crash mid-line, exit 137, a hang, a child that ignores SIGINT, no claude at all.
 * Nothing is dropped silently, the turn ends with the right verdict, and the harness stays up.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  historyOf,
  postJson,
  startInProcessHarness,
  waitForHistory,
} from "../fixtures/in_process_harness.ts";
import { ROOT } from "../fixtures/harness_process.ts";

const FAKES = join(ROOT, "test", "fixtures", "fake_claude");

async function turnWith(
  fake: string,
  options: { cancelAfterMs?: number; graceMs?: number } = {},
) {
  const harness = await startInProcessHarness({
    claude: join(FAKES, fake),
    ...(options.graceMs ? { graceMs: options.graceMs } : {}),
  });
  try {
    assert.equal(
      (await postJson(harness, "/api/send", { body: "go" })).status,
      200,
    );
    if (options.cancelAfterMs !== undefined) {
      await waitForHistory(harness, (event) => event.kind === "stream");
      await new Promise((resolve) =>
        setTimeout(resolve, options.cancelAfterMs)
      );
      assert.equal((await postJson(harness, "/api/cancel")).status, 200);
    }
    const events = await waitForHistory(
      harness,
      (event) => event.kind === "turn_end",
    );
    const healthz = await harness.app.request("/healthz");
    assert.equal(healthz.status, 200, "the loop is still alive");
    await healthz.body?.cancel();
    return events;
  } finally {
    await harness.stop();
  }
}

function notes(events: Record<string, unknown>[]): string[] {
  return events.filter((event) => event.kind === "note").map((event) =>
    String(event.text)
  );
}

function end(events: Record<string, unknown>[]): Record<string, unknown> {
  return events.find((event) => event.kind === "turn_end")!;
}

Deno.test("garbage lines become notes quoting them; JSON objects stream; the turn still ends ok", async () => {
  const events = await turnWith("garbage.sh");
  const text = notes(events).join("\n");
  for (
    const quoted of [
      "plain text, not json",
      "[1,2,3]",
      "42",
      '{"type":"broken",',
      "claude stderr: to stderr",
    ]
  ) {
    assert.ok(text.includes(quoted), `a note quotes ${quoted}`);
  }
  const types = events.filter((event) => event.kind === "stream").map((event) =>
    event.type
  );
  assert.deepEqual(types, ["system", "crlf", "result"]);
  assert.deepEqual([end(events).ok, end(events).note], [true, null]);
});

Deno.test("a 20 MiB line becomes a note and the lines after it are still read", async () => {
  const events = await turnWith("big_line.sh");
  assert.ok(
    notes(events).some((note) =>
      /20971\d+-byte line, over the 16 MiB limit/.test(note)
    ),
  );
  assert.ok(
    notes(events).every((note) => note.length < 6000),
    "notes are cut at 4 KiB",
  );
  assert.ok(
    events.some((event) => event.kind === "stream" && event.type === "result"),
  );
  assert.equal(end(events).ok, true);
});

Deno.test("a crash mid-line: the partial line is a note and the turn fails with the signal", async () => {
  const events = await turnWith("crash_mid_line.sh");
  assert.ok(
    notes(events).some((note) =>
      note.includes('{"type":"assistant","message":{"content":[{"type":"te')
    ),
  );
  assert.equal(end(events).ok, false);
  assert.match(String(end(events).note), /SIGKILL/);
});

Deno.test("exit 137 without a result line fails the turn naming the exit", async () => {
  const events = await turnWith("exit_137.sh");
  assert.equal(end(events).ok, false);
  assert.match(String(end(events).note), /exited 137 without a result line/);
});

Deno.test("a hung claude is cancelled: failed, 'cancelled by operator'", async () => {
  const events = await turnWith("hang.sh", { cancelAfterMs: 50, graceMs: 300 });
  assert.deepEqual([end(events).ok, end(events).note], [
    false,
    "cancelled by operator",
  ]);
});

Deno.test("a claude that ignores SIGINT is killed after the grace period", async () => {
  const events = await turnWith("ignore_sigint.sh", {
    cancelAfterMs: 50,
    graceMs: 300,
  });
  assert.deepEqual([end(events).ok, end(events).note], [
    false,
    "cancelled by operator",
  ]);
});

Deno.test("claude missing: status claude_missing, the message waits, and the turn runs once claude appears", async () => {
  const dir = await Deno.makeTempDir();
  const claude = join(dir, "claude");
  const harness = await startInProcessHarness({ claude });
  try {
    await postJson(harness, "/api/send", { body: "are you there" });
    const waitState = async (
      predicate: (state: Record<string, unknown>) => boolean,
    ) => {
      for (let i = 0; i < 200; i++) {
        const state = await (await harness.app.request("/api/state")).json();
        if (predicate(state)) return state;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error("state never matched");
    };
    const missing = await waitState((state) =>
      state.status === "claude_missing"
    );
    assert.match(String(missing.status_detail), /claude not found/);
    assert.equal(missing.unread, 1, "the wake-up is held, not burned");
    const healthz = await harness.app.request("/healthz");
    assert.equal(healthz.status, 200);
    await healthz.body?.cancel();
    await Deno.copyFile(join(FAKES, "ok_turn.sh"), claude);
    await Deno.chmod(claude, 0o755);
    const events = await waitForHistory(
      harness,
      (event) => event.kind === "turn_end",
    );
    assert.equal(end(events).ok, true);
    await waitState((state) => state.status === "online");
    assert.ok(
      (await historyOf(harness)).some((event) =>
        event.kind === "status_changed" && event.status === "claude_missing"
      ),
    );
  } finally {
    await harness.stop();
  }
});

Deno.test("unread counts messages waiting behind the turn, not the one it works on", async () => {
  const harness = await startInProcessHarness({
    claude: join(FAKES, "hang.sh"),
    graceMs: 200,
  });
  const unread = async () =>
    (await (await harness.app.request("/api/state")).json()).unread;
  try {
    await postJson(harness, "/api/send", { body: "first" });
    await waitForHistory(harness, (event) => event.kind === "stream");
    assert.equal(await unread(), 0);
    await postJson(harness, "/api/send", { body: "second" });
    assert.equal(await unread(), 1);
    assert.equal((await postJson(harness, "/api/cancel")).status, 200);
    const events = await waitForHistory(
      harness,
      (event) => event.kind === "turn_start" && event.body === "second",
    );
    const second = events.find((event) =>
      event.kind === "turn_start" && event.body === "second"
    )!;
    assert.equal(second.unread, 0);
    await waitForHistory(
      harness,
      (event) =>
        event.kind === "stream" && Number(event.seq) > Number(second.seq),
    );
    assert.equal(await unread(), 0);
    await postJson(harness, "/api/cancel");
    await waitForHistory(harness, () => true);
  } finally {
    await harness.stop();
  }
});

Deno.test("messages an operator sends while a turn runs are the next turn's one prompt, oldest first", async () => {
  const harness = await startInProcessHarness({
    claude: join(FAKES, "hang.sh"),
    graceMs: 200,
  });
  try {
    await postJson(harness, "/api/send", { body: "first" });
    await waitForHistory(harness, (event) => event.kind === "stream");
    await postJson(harness, "/api/send", { body: "second" });
    await postJson(harness, "/api/send", { body: "third" });
    assert.equal((await postJson(harness, "/api/cancel")).status, 200);
    const isNext = (event: Record<string, unknown>) =>
      event.kind === "turn_start" && event.body !== "first";
    const events = await waitForHistory(harness, isNext);
    const next = events.find(isNext)!;
    assert.equal(next.body, "(1) second\n\n(2) third");
    assert.equal(next.unread, 0);
    const during = await (await harness.app.request("/api/state")).json();
    assert.equal(during.unread, 0, "both are the turn's, neither waits");
    await postJson(harness, "/api/cancel");
    await waitForHistory(
      harness,
      (event) =>
        event.kind === "turn_end" && Number(event.seq) > Number(next.seq),
    );
    const state = await (await harness.app.request("/api/state")).json();
    assert.equal(state.unread, 0, "both were delivered with that turn");
  } finally {
    await harness.stop();
  }
});
