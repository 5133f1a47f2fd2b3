import assert from "node:assert/strict";
import { parseSendArgs, SEND_USAGE } from "../../lib/commands/send_command.ts";
import { assertUsageError } from "./usage_error_assert.ts";

Deno.test("parseSendArgs() takes --to and the text after the flags", () => {
  assert.deepEqual(parseSendArgs(["--to", "bob", "hello", "there"]), {
    name: undefined,
    stateDir: undefined,
    hiveSocket: undefined,
    create: false,
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

Deno.test("the send usage text shows --to and the text", () => {
  assert.match(SEND_USAGE, /--to NAME TEXT/);
});
