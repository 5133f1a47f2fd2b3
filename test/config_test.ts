import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type ConfigEnvironment,
  DEFAULT_ALLOWED_TOOLS,
  DEFAULT_MODEL,
  realEnvironment,
  resolveAgentName,
  resolveStateDir,
  statePaths,
} from "../lib/config.ts";

function fakeEnvironment(
  vars: Record<string, string> = {},
  options: { writable?: string[]; hostname?: string; cwd?: string } = {},
): ConfigEnvironment & { probed: string[] } {
  const probed: string[] = [];
  return {
    env: (name) => vars[name],
    hostname: () => options.hostname ?? "box",
    isWritableDir: (path) => {
      probed.push(path);
      return (options.writable ?? []).includes(path);
    },
    cwd: () => options.cwd ?? "/home/op/project",
    probed,
  };
}

Deno.test("resolveAgentName() takes the flag, else $HYPERHIVE_AGENT, else the host name", async (t) => {
  const cases: [string, string | undefined, Record<string, string>, string][] =
    [
      ["flag wins", "alice", { HYPERHIVE_AGENT: "bob" }, "alice"],
      ["env", undefined, { HYPERHIVE_AGENT: "bob" }, "bob"],
      ["empty env is none", undefined, { HYPERHIVE_AGENT: "" }, "box"],
      ["blank env is none", undefined, { HYPERHIVE_AGENT: "  " }, "box"],
      ["host name", undefined, {}, "box"],
    ];
  for (const [name, flag, vars, expected] of cases) {
    await t.step(
      name,
      () =>
        assert.equal(resolveAgentName(flag, fakeEnvironment(vars)), expected),
    );
  }
});

Deno.test("resolveStateDir() takes the flag, else $HYPERHIVE_STATE_DIR, else writable /state, else ./.state", async (t) => {
  await t.step("flag, absolute", () => {
    const environment = fakeEnvironment({ HYPERHIVE_STATE_DIR: "/env" }, {
      writable: ["/state"],
    });
    assert.equal(resolveStateDir("/flag", environment), "/flag");
    assert.deepEqual(
      environment.probed,
      [],
      "a given state dir must not probe /state",
    );
  });
  await t.step("flag, relative to the cwd", () => {
    assert.equal(
      resolveStateDir("data/s", fakeEnvironment()),
      "/home/op/project/data/s",
    );
  });
  await t.step("env", () => {
    assert.equal(
      resolveStateDir(
        undefined,
        fakeEnvironment({ HYPERHIVE_STATE_DIR: "/env" }, {
          writable: ["/state"],
        }),
      ),
      "/env",
    );
  });
  await t.step("env relative", () => {
    assert.equal(
      resolveStateDir(
        undefined,
        fakeEnvironment({ HYPERHIVE_STATE_DIR: "rel" }),
      ),
      "/home/op/project/rel",
    );
  });
  await t.step("empty env falls through", () => {
    assert.equal(
      resolveStateDir(
        undefined,
        fakeEnvironment({ HYPERHIVE_STATE_DIR: "" }, { writable: ["/state"] }),
      ),
      "/state",
    );
  });
  await t.step("/state when writable", () => {
    assert.equal(
      resolveStateDir(undefined, fakeEnvironment({}, { writable: ["/state"] })),
      "/state",
    );
  });
  await t.step("./.state otherwise, absolute", () => {
    assert.equal(
      resolveStateDir(undefined, fakeEnvironment()),
      "/home/op/project/.state",
    );
  });
});

Deno.test("statePaths() names the compat files of SPEC §3 inside the state dir", () => {
  assert.deepEqual(statePaths("/s", fakeEnvironment()), {
    stateDir: "/s",
    eventsDb: "/s/hyperhive-events.sqlite",
    turnStatsDb: "/s/hyperhive-turn-stats.sqlite",
    modelFile: "/s/hyperhive-model",
    statusFile: "/s/hyperhive-status",
    pausedFile: "/s/hyperhive-paused",
    budgetFile: "/s/hyperhive-budget",
    brokerDb: "/s/hyperhive-broker.sqlite",
    credentialsFile: "/s/hyperhive-credentials",
    runtimeDir: "/s/runtime",
  });
});

Deno.test("statePaths() applies the env overrides, relative ones against the cwd", () => {
  const paths = statePaths(
    "/s",
    fakeEnvironment({
      HYPERHIVE_EVENTS_DB: "/elsewhere/events.db",
      HYPERHIVE_TURN_STATS_DB: "stats.db",
      HYPERHIVE_MODEL_FILE: "/etc/hive/model",
      HYPERHIVE_BROKER_DB: "/b/broker.db",
    }),
  );
  assert.equal(paths.eventsDb, "/elsewhere/events.db");
  assert.equal(paths.turnStatsDb, "/home/op/project/stats.db");
  assert.equal(paths.modelFile, "/etc/hive/model");
  assert.equal(paths.brokerDb, "/b/broker.db");
  // No override exists for these (SPEC §3).
  assert.equal(paths.statusFile, "/s/hyperhive-status");
  assert.equal(paths.credentialsFile, "/s/hyperhive-credentials");
});

Deno.test("statePaths() ignores an empty env override", () => {
  const paths = statePaths(
    "/s",
    fakeEnvironment({ HYPERHIVE_EVENTS_DB: "", HYPERHIVE_MODEL_FILE: "  " }),
  );
  assert.equal(paths.eventsDb, "/s/hyperhive-events.sqlite");
  assert.equal(paths.modelFile, "/s/hyperhive-model");
});

Deno.test("DEFAULT_ALLOWED_TOOLS holds claude's coding tools and every hyperhive MCP tool", () => {
  for (
    const tool of ["Bash", "Read", "Write", "Edit", "Glob", "Grep", "TodoWrite"]
  ) {
    assert.ok(
      (DEFAULT_ALLOWED_TOOLS as readonly string[]).includes(tool),
      `missing ${tool}`,
    );
  }
  // `mcp__hyperhive` allows every tool of the server, as `mcp__hyperhive__*` would.
  assert.ok(
    (DEFAULT_ALLOWED_TOOLS as readonly string[]).includes("mcp__hyperhive"),
  );
  assert.equal(DEFAULT_MODEL, "haiku");
});

Deno.test("realEnvironment().isWritableDir() is true only for a directory it can write, and leaves no probe", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const environment = realEnvironment();
    assert.equal(environment.isWritableDir(dir), true);
    assert.deepEqual(
      [...Deno.readDirSync(dir)],
      [],
      "the write probe was left behind",
    );
    const file = join(dir, "file");
    await Deno.writeTextFile(file, "x");
    assert.equal(environment.isWritableDir(file), false);
    assert.equal(environment.isWritableDir(join(dir, "missing")), false);
    assert.equal(environment.cwd(), Deno.cwd());
    assert.equal(environment.hostname(), Deno.hostname());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
