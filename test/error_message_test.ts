import assert from "node:assert/strict";
import { errorMessage } from "../lib/error_message.ts";

Deno.test("errorMessage() takes an Error's message and stringifies anything else", () => {
  assert.equal(errorMessage(new TypeError("bad shape")), "bad shape");
  assert.equal(errorMessage("plain"), "plain");
  assert.equal(errorMessage(42), "42");
  assert.equal(errorMessage(undefined), "undefined");
});
