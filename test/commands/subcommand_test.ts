import assert from "node:assert/strict";
import {
  splitSubcommand,
  SUBCOMMANDS,
  wantsHelp,
} from "../../lib/commands/subcommand.ts";
import { assertUsageError } from "./usage_error_assert.ts";

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
