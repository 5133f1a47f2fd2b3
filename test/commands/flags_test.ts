/**
 * Flag errors in the project's words: one line naming the flag, never Node's parseArgs
 * wording (its "positional argument", "ambiguous" and "'--x <value>'" phrasing).
 */
import assert from "node:assert/strict";
import { parseFlags } from "../../lib/commands/flags.ts";
import { assertUsageError } from "./usage_error_assert.ts";

const FLAGS = {
  port: { type: "string" },
  "keep-days": { type: "string" },
  name: { type: "string" },
  json: { type: "boolean" },
} as const;

const parse = (args: string[]) => parseFlags(args, FLAGS);
const NODE_WORDING = /positional|ambiguous|<value>|option/i;

Deno.test("an unknown flag is named, with the likely one when it is close", () => {
  assertUsageError(
    () => parse(["--bogus"]),
    "--bogus",
    /^Unknown flag --bogus: --help lists the flags$/,
  );
  assertUsageError(
    () => parse(["--prot", "80"]),
    "--prot",
    /^Unknown flag --prot: did you mean --port\?$/,
  );
  assertUsageError(
    () => parse(["--keep", "3"]),
    "--keep",
    /did you mean --keep-days\?/,
  );
  assertUsageError(() => parse(["-x"]), "-x", /^Unknown flag -x/);
});

Deno.test("a negative number after a flag is its value, for the command to judge", () => {
  assert.equal(parse(["--keep-days", "-1"]).values["keep-days"], "-1");
  assert.equal(parse(["--port", "-5", "--json"]).values.port, "-5");
  assert.deepEqual(parse(["--", "--port", "-5"]).positionals, ["--port", "-5"]);
});

Deno.test("a missing value, a flag where a value goes, and a value on a switch read plainly", () => {
  assertUsageError(() => parse(["--port"]), "--port", /^--port needs a value$/);
  assertUsageError(
    () => parse(["--name", "--json"]),
    "--name",
    /^--name needs a value, got the flag --json \(to pass a value starting with "-", write --name=--json\)$/,
  );
  assertUsageError(
    () => parse(["--json=1"]),
    "--json",
    /^--json takes no value$/,
  );
});

Deno.test("no flag error shows Node's parseArgs wording", () => {
  for (
    const args of [["--bogus"], ["-x"], ["--port"], ["--name", "-v"], [
      "--json=yes",
    ]]
  ) {
    assert.throws(
      () => parse(args),
      (error: unknown) =>
        error instanceof Error && !NODE_WORDING.test(error.message),
      JSON.stringify(args),
    );
  }
});
