/**
 * `wake` and `send` find their agent: the only agent of the state dir when none is named, and
 * never a made-up one (an unknown name is refused, exit 2, naming the agents there are, unless
 * `--create`). The last test reproduces the newcomer's case: a harness named otherwise than the
 * host, and a `wake` with no `--name` that must reach it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  openCommandBroker,
  pickAgent,
} from "../../lib/commands/command_broker.ts";
import { startHive } from "../../lib/broker/hive.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import type { ConfigEnvironment } from "../../lib/config.ts";
import { UsageError } from "../../lib/commands/flags.ts";
import { startScriptedApi, text } from "../fixtures/scripted_api.ts";
import {
  DENO,
  eventsOf,
  ROOT,
  startHarnessProcess,
  waitForEvent,
} from "../fixtures/harness_process.ts";

function directory(names: string[]) {
  const added: string[] = [];
  return {
    added,
    where: "state dir /s",
    list: () => Promise.resolve([...names, ...added]),
    add: (name: string) => {
      added.push(name);
      return Promise.resolve();
    },
  };
}

Deno.test("pickAgent(): the named agent, else the only one; an unknown one only with create", async () => {
  const one = directory(["alice"]);
  const opts = { create: false, fallback: "host" };
  assert.equal(await pickAgent(one, undefined, opts), "alice");
  assert.equal(await pickAgent(one, "alice", opts), "alice");
  await assert.rejects(
    pickAgent(one, "bob", opts),
    (error: unknown) =>
      error instanceof UsageError && error.flag === "--name" &&
      /Unknown agent "bob" in state dir \/s \(agents: alice\).*--create/.test(
        error.message,
      ),
  );
  assert.equal(await pickAgent(one, "bob", { ...opts, create: true }), "bob");
  assert.deepEqual(one.added, ["bob"]);
  await assert.rejects(
    pickAgent(directory(["alice", "bob"]), undefined, opts),
    /2 agents in state dir \/s \(alice, bob\): choose one with --name/,
  );
  await assert.rejects(
    pickAgent(directory([]), undefined, opts),
    /No agent in state dir \/s yet: start the harness there first, or name one with --name NAME --create/,
  );
  const empty = directory([]);
  assert.equal(
    await pickAgent(empty, undefined, { create: true, fallback: "host" }),
    "host",
  );
  assert.deepEqual(empty.added, ["host"]);
});

async function cli(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(DENO, {
    args: [
      "run",
      "--allow-all",
      "--config",
      join(ROOT, "deno.json"),
      "--frozen",
      join(ROOT, "main.ts"),
      ...args,
    ],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

Deno.test("wake and send refuse an unknown agent with exit 2, naming the agents there are", async () => {
  const stateDir = await Deno.makeTempDir({ prefix: "hive-agents-" });
  try {
    const wake = (...extra: string[]) =>
      cli([
        "wake",
        "--state-dir",
        stateDir,
        "--from",
        "op",
        "--body",
        "hi",
        ...extra,
      ]);
    const empty = await wake();
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /No agent in state dir .* yet/);
    assert.equal((await wake("--name", "alice", "--create")).code, 0);
    const alone = await wake();
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(alone.stdout, /for alice from op/);
    const unknown = await wake("--name", "bob");
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /Unknown agent "bob" in state dir .* \(agents: alice\)/,
    );
    assert.equal((await wake("--name", "bob", "--create")).code, 0);
    const two = await wake();
    assert.equal(two.code, 2);
    assert.match(
      two.stderr,
      /2 agents in state dir .* \(alice, bob\): choose one with --name/,
    );
    const send = (env: Record<string, string>, ...extra: string[]) =>
      cli(
        ["send", "--state-dir", stateDir, "--to", "bob", ...extra, "hello"],
        env,
      );
    const sent = await send({}, "--name", "alice");
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /from alice to bob/);
    assert.match((await send({})).stderr, /choose one with --name/);
    const asEnv = await send({ HYPERHIVE_AGENT: "dave" });
    assert.equal(asEnv.code, 2);
    assert.match(
      asEnv.stderr,
      /Unknown agent "dave" .* \(agents: alice, bob\)/,
    );
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});

Deno.test("wake with no --name reaches the running harness, whatever the host is called", async () => {
  const api = startScriptedApi({ script: [text("woken")] });
  const harness = await startHarnessProcess({
    apiUrl: api.url,
    name: "not-the-host",
  });
  try {
    const queued = await cli([
      "wake",
      "--state-dir",
      harness.stateDir,
      "--from",
      "operator",
      "--body",
      "list the files here",
    ]);
    assert.equal(queued.code, 0, queued.stderr);
    assert.match(queued.stdout, /for not-the-host from operator/);
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_end",
    );
    assert.deepEqual(
      eventsOf(events, "turn_start").map((event) => [event.from, event.body]),
      [["operator", "list the files here"]],
    );
  } finally {
    await harness.stop();
    await api.close();
  }
});

Deno.test("over a hive socket, the agent is the socket's own; another --name is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hive-socket-agent-" });
  const hive = await startHive({
    socketDir: dir,
    agents: ["alice", "bob"],
    manager: "boss",
    db: join(dir, "b.sqlite"),
  }, { log: createMemoryLogger() });
  try {
    const socket = hive.sockets.get("alice")!;
    const environment: ConfigEnvironment = {
      env: () => undefined,
      hostname: () => "the-host",
      cwd: () => dir,
      isWritableDir: () => false,
    };
    const opened = await openCommandBroker(
      { name: undefined, stateDir: undefined, hiveSocket: socket },
      environment,
    );
    try {
      assert.equal(opened.agent, "alice");
    } finally {
      await opened.broker.close();
    }
    await assert.rejects(
      openCommandBroker(
        { name: "bob", stateDir: undefined, hiveSocket: socket },
        environment,
      ),
      (error: unknown) =>
        error instanceof UsageError &&
        /Unknown agent "bob" on hive socket .*, which is agent "alice"/.test(
          error.message,
        ),
    );
  } finally {
    await hive.close();
    await Deno.remove(dir, { recursive: true });
  }
});
