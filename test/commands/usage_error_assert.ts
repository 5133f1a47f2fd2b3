/** Checks on the {@linkcode UsageError} a command-line parser throws. */
import assert from "node:assert/strict";
import { UsageError } from "../../lib/commands/flags.ts";

/** Assert `parse` throws a one-line UsageError naming `flag` (in the message and `.flag`). */
export function assertUsageError(
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
