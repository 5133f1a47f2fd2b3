import assert from "node:assert/strict";
import { parseWakeArgs, WAKE_USAGE } from "../../lib/commands/wake_command.ts";
import { assertUsageError } from "./usage_error_assert.ts";

Deno.test("parseWakeArgs() reads --from and --body, - meaning stdin", () => {
  assert.deepEqual(
    parseWakeArgs(["--from", "operator", "--body", "hello there"]),
    {
      name: undefined,
      stateDir: undefined,
      hiveSocket: undefined,
      create: false,
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
      "--create",
    ]),
    {
      name: "bob",
      stateDir: "/s",
      hiveSocket: "/sock",
      create: true,
      from: "x",
      body: "y",
    },
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

Deno.test("the wake usage text shows --from and --body", () => {
  assert.match(WAKE_USAGE, /--from LABEL --body TEXT\|-/);
});
