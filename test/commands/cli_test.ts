import assert from "node:assert/strict";
import {
  isValidModelName,
  parseRunArgs,
  parseSendArgs,
  parseWakeArgs,
  RUN_USAGE,
  SEND_USAGE,
  splitSubcommand,
  SUBCOMMANDS,
  WAKE_USAGE,
  wantsHelp,
} from "../../lib/commands/cli.ts";
import { UsageError } from "../../lib/commands/flags.ts";

/** Assert `parse` throws a one-line UsageError naming `flag` (in the message and `.flag`). */
function assertUsageError(
  parse: () => unknown,
  flag: string | undefined,
  message?: RegExp,
): void {
  assert.throws(parse, (error: unknown) => {
    assert.ok(
      error instanceof UsageError,
      `expected a UsageError, got ${error}`,
    );
    assert.equal(error.name, "UsageError");
    assert.equal(error.flag, flag);
    if (flag !== undefined) {
      assert.ok(
        error.message.includes(flag),
        `message does not name ${flag}: ${error.message}`,
      );
    }
    assert.ok(
      !error.message.includes("\n"),
      `message is not one line: ${error.message}`,
    );
    assert.ok(
      !error.message.endsWith("."),
      `message ends with a period: ${error.message}`,
    );
    if (message) assert.match(error.message, message);
    return true;
  });
}

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
    },
  );
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
        assertUsageError(() => parseRunArgs([flag]), flag, /Unknown option/),
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

Deno.test("isValidModelName() accepts aliases, full ids and bracketed variants", async (t) => {
  const cases: [string, boolean][] = [
    ["haiku", true],
    ["opus", true],
    ["claude-sonnet-4-5-20250929", true],
    ["claude-sonnet-4-5[1m]", true],
    ["us.anthropic.claude-3-5:0", true],
    ["a".repeat(100), true],
    ["a".repeat(101), false],
    ["", false],
    [" haiku", false],
    ["--print", false],
    ["haiku\n", false],
    ["../etc", false],
  ];
  for (const [name, valid] of cases) {
    await t.step(
      JSON.stringify(name),
      () => assert.equal(isValidModelName(name), valid),
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

Deno.test("splitSubcommand() picks the subcommand, defaulting to run", async (t) => {
  for (const command of SUBCOMMANDS) {
    await t.step(
      command,
      () =>
        assert.deepEqual(splitSubcommand([command, "--x"]), {
          command,
          rest: ["--x"],
        }),
    );
  }
  await t.step(
    "no arguments",
    () => assert.deepEqual(splitSubcommand([]), { command: "run", rest: [] }),
  );
  await t.step("flags only", () => {
    assert.deepEqual(splitSubcommand(["--role", "manager"]), {
      command: "run",
      rest: ["--role", "manager"],
    });
  });
});

Deno.test("splitSubcommand() rejects an unknown subcommand listing the known ones", () => {
  assertUsageError(
    () => splitSubcommand(["frobnicate"]),
    undefined,
    /Unknown subcommand "frobnicate".*run, hive, mcp/,
  );
});

Deno.test("wantsHelp() sees --help and -h", () => {
  assert.equal(wantsHelp(["--port", "1", "--help"]), true);
  assert.equal(wantsHelp(["-h"]), true);
  assert.equal(wantsHelp(["--port", "1"]), false);
});

Deno.test("parseWakeArgs() reads --from and --body, - meaning stdin", () => {
  assert.deepEqual(
    parseWakeArgs(["--from", "operator", "--body", "hello there"]),
    {
      name: undefined,
      stateDir: undefined,
      hiveSocket: undefined,
      from: "operator",
      body: "hello there",
    },
  );
  assert.equal(parseWakeArgs(["--from", "cron", "--body", "-"]).body, "-");
  assert.deepEqual(
    parseWakeArgs([
      "--name",
      "bob",
      "--state-dir",
      "/s",
      "--hive-socket",
      "/sock",
      "--from",
      "x",
      "--body",
      "y",
    ]),
    { name: "bob", stateDir: "/s", hiveSocket: "/sock", from: "x", body: "y" },
  );
});

Deno.test("parseWakeArgs() requires --from and --body naming them", () => {
  assertUsageError(() => parseWakeArgs(["--body", "hi"]), "--from", /required/);
  assertUsageError(() => parseWakeArgs(["--from=", "--body", "hi"]), "--from");
  assertUsageError(() => parseWakeArgs(["--from", "op"]), "--body", /required/);
  assertUsageError(
    () => parseWakeArgs(["--from", "op", "--body", "hi", "--to", "x"]),
    "--to",
  );
  assertUsageError(
    () => parseWakeArgs(["--from", "op", "--body", "hi", "extra"]),
    undefined,
    /Unexpected argument/,
  );
});

Deno.test("parseSendArgs() takes --to and the text after the flags", () => {
  assert.deepEqual(parseSendArgs(["--to", "bob", "hello", "there"]), {
    name: undefined,
    stateDir: undefined,
    hiveSocket: undefined,
    to: "bob",
    body: "hello there",
  });
  assert.equal(
    parseSendArgs(["--to", "bob", "--", "--not-a-flag"]).body,
    "--not-a-flag",
  );
});

Deno.test("parseSendArgs() requires --to and a text", () => {
  assertUsageError(() => parseSendArgs(["hello"]), "--to", /required/);
  assertUsageError(
    () => parseSendArgs(["--to", "bob"]),
    undefined,
    /message text/,
  );
  assertUsageError(
    () => parseSendArgs(["--to", "bob", " "]),
    undefined,
    /message text/,
  );
  assertUsageError(
    () => parseSendArgs(["--to", "bob", "--from", "x", "hi"]),
    "--from",
  );
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
  assert.match(WAKE_USAGE, /--from LABEL --body TEXT\|-/);
  assert.match(SEND_USAGE, /--to NAME TEXT/);
});
