import assert from "node:assert/strict";
import { parseRunArgs, RUN_USAGE } from "../../lib/commands/run_command.ts";
import { SUBCOMMANDS } from "../../lib/commands/subcommand.ts";
import { assertUsageError } from "./usage_error_assert.ts";

Deno.test("parseRunArgs() with no flags gives SPEC §2's defaults", () => {
  assert.deepEqual(parseRunArgs([]), {
    role: "agent",
    name: undefined,
    stateDir: undefined,
    host: "127.0.0.1",
    port: 8080,
    hiveSocket: undefined,
    claude: undefined,
    cwd: undefined,
    model: undefined,
    uiToken: undefined,
    allowedTools: undefined,
    exposure: { allowedHosts: [], allowEmbed: [] },
    budgetDailyUsd: null,
    maxFailedTurns: 5,
    maxQueued: 1000,
    keepWarmSeconds: 600,
    oneMessagePerTurn: false,
  });
});

Deno.test("parseRunArgs() reads every run flag", () => {
  assert.deepEqual(
    parseRunArgs([
      "--role",
      "manager",
      "--name",
      "alice",
      "--state-dir",
      "/tmp/s",
      "--host=0.0.0.0",
      "--port",
      "0",
      "--hive-socket",
      "/run/hive/mcp.sock",
      "--claude",
      "./bin/claude",
      "--cwd",
      "/work",
      "--model",
      "claude-sonnet-4-5[1m]",
      "--ui-token",
      "s3cret",
      "--allowed-tools",
      "Bash, Read  mcp__hyperhive",
      "--allowed-host",
      "Agent.Example",
      "--allowed-host=proxy.example:8443",
      "--allow-embed",
      "https://dash.example",
      "--allow-embed=http://127.0.0.1:3000/",
      "--budget-daily-usd",
      "2.50",
      "--max-failed-turns",
      "3",
      "--keep-warm",
      "0",
      "--max-queued",
      "50",
      "--one-message-per-turn",
    ]),
    {
      role: "manager",
      name: "alice",
      stateDir: "/tmp/s",
      host: "0.0.0.0",
      port: 0,
      hiveSocket: "/run/hive/mcp.sock",
      claude: "./bin/claude",
      cwd: "/work",
      model: "claude-sonnet-4-5[1m]",
      uiToken: "s3cret",
      allowedTools: ["Bash", "Read", "mcp__hyperhive"],
      exposure: {
        allowedHosts: ["agent.example", "proxy.example:8443"],
        allowEmbed: ["https://dash.example", "http://127.0.0.1:3000"],
      },
      budgetDailyUsd: 2.5,
      maxFailedTurns: 3,
      keepWarmSeconds: 0,
      maxQueued: 50,
      oneMessagePerTurn: true,
    },
  );
});

Deno.test("parseRunArgs() rejects a bad --allowed-host or --allow-embed naming the flag", async (t) => {
  const cases: [string[], string][] = [
    [["--allowed-host", "evil.example/path"], "--allowed-host"],
    [["--allowed-host", "a b"], "--allowed-host"],
    [["--allowed-host", "host:99999"], "--allowed-host"],
    [["--allow-embed", "dash.example"], "--allow-embed"],
    [["--allow-embed", "https://dash.example/page"], "--allow-embed"],
    [["--allow-embed", "javascript:alert(1)"], "--allow-embed"],
  ];
  for (const [args, flag] of cases) {
    await t.step(
      args.join(" "),
      () => assertUsageError(() => parseRunArgs(args), flag),
    );
  }
});

Deno.test("parseRunArgs() refuses a bad budget or breaker limit, naming the flag", async (t) => {
  for (
    const args of [
      ["--budget-daily-usd", "-1"],
      ["--budget-daily-usd", "lots"],
      ["--budget-daily-usd", ""],
      ["--max-failed-turns", "-2"],
      ["--max-failed-turns", "1.5"],
    ]
  ) {
    await t.step(args.join(" "), () => {
      assertUsageError(() => parseRunArgs(args), args[0]!);
    });
  }
});

Deno.test("parseRunArgs() refuses a --keep-warm that is not whole seconds", async (t) => {
  for (const value of ["-1", "1.5", "ten", "", "86401"]) {
    await t.step(
      JSON.stringify(value),
      () =>
        assertUsageError(
          () => parseRunArgs(["--keep-warm", value]),
          "--keep-warm",
        ),
    );
  }
  assert.equal(parseRunArgs(["--keep-warm", "30"]).keepWarmSeconds, 30);
});

Deno.test("parseRunArgs() accepts ports 0 to 65535", async (t) => {
  for (
    const [text, port] of [["0", 0], ["1", 1], ["8080", 8080], [
      "65535",
      65535,
    ]] as const
  ) {
    await t.step(
      text,
      () => assert.equal(parseRunArgs(["--port", text]).port, port),
    );
  }
});

Deno.test("parseRunArgs() rejects a bad --port naming the flag", async (t) => {
  for (
    const args of [
      ["--port", "70000"],
      ["--port", "65536"],
      ["--port=-1"],
      ["--port", "-1"],
      ["--port", "1e3"],
      [
        "--port",
        "80.5",
      ],
      ["--port", "http"],
      ["--port="],
      ["--port", " 80"],
      ["--port"],
    ]
  ) {
    await t.step(
      args.join(" "),
      () => assertUsageError(() => parseRunArgs(args), "--port"),
    );
  }
});

Deno.test("parseRunArgs() rejects a --role other than agent or manager naming the flag", () => {
  assertUsageError(
    () => parseRunArgs(["--role", "admin"]),
    "--role",
    /agent or manager/,
  );
  assertUsageError(() => parseRunArgs(["--role="]), "--role");
});

Deno.test("parseRunArgs() rejects an unknown flag naming it", async (t) => {
  for (const flag of ["--bogus", "--ui_token", "-p", "--help"]) {
    await t.step(
      flag,
      () =>
        assertUsageError(() => parseRunArgs([flag]), flag, /^Unknown flag /),
    );
  }
});

Deno.test("parseRunArgs() rejects a flag given without its value naming it", () => {
  assertUsageError(() => parseRunArgs(["--name"]), "--name");
  assertUsageError(() => parseRunArgs(["--model"]), "--model");
});

Deno.test("parseRunArgs() rejects empty path and name flags naming them", async (t) => {
  for (
    const flag of [
      "--name",
      "--state-dir",
      "--host",
      "--hive-socket",
      "--claude",
      "--cwd",
    ]
  ) {
    await t.step(flag, () => {
      assertUsageError(
        () => parseRunArgs([`${flag}=`]),
        flag,
        /must not be empty/,
      );
      assertUsageError(
        () => parseRunArgs([flag, "  "]),
        flag,
        /must not be empty/,
      );
    });
  }
});

Deno.test("parseRunArgs() rejects a stray positional argument", () => {
  assertUsageError(
    () => parseRunArgs(["--port", "1", "extra"]),
    undefined,
    /Unexpected argument "extra"/,
  );
});

Deno.test("parseRunArgs() treats an empty --ui-token as none", async (t) => {
  for (const value of ["", "   "]) {
    await t.step(
      JSON.stringify(value),
      () =>
        assert.equal(parseRunArgs([`--ui-token=${value}`]).uiToken, undefined),
    );
  }
});

Deno.test("parseRunArgs() rejects a --model that is not a model name naming the flag", async (t) => {
  for (
    const model of [
      "",
      "haiku sonnet",
      "-x",
      "haiku;rm -rf /",
      "a".repeat(101),
      "$(id)",
    ]
  ) {
    await t.step(
      JSON.stringify(model),
      () =>
        assertUsageError(() => parseRunArgs([`--model=${model}`]), "--model"),
    );
  }
});

Deno.test("parseRunArgs() rejects an --allowed-tools list naming no tool", async (t) => {
  for (const value of ["", " ", ",,", " , "]) {
    await t.step(
      JSON.stringify(value),
      () =>
        assertUsageError(
          () => parseRunArgs([`--allowed-tools=${value}`]),
          "--allowed-tools",
        ),
    );
  }
});

Deno.test("the usage texts name every run flag and subcommand", () => {
  for (
    const flag of [
      "--role",
      "--name",
      "--state-dir",
      "--host",
      "--port",
      "--hive-socket",
      "--claude",
      "--cwd",
      "--model",
      "--ui-token",
      "--allowed-tools",
      "--help",
    ]
  ) {
    assert.ok(RUN_USAGE.includes(flag), `RUN_USAGE lacks ${flag}`);
  }
  for (const command of SUBCOMMANDS) {
    assert.ok(
      RUN_USAGE.includes(`  ${command} `),
      `RUN_USAGE lacks ${command}`,
    );
  }
});
