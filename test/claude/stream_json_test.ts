import assert from "node:assert/strict";
import { parseStreamLine } from "../../lib/claude/stream_json.ts";

Deno.test("parseStreamLine accepts JSON objects only and never throws", async (t) => {
  const cases: [string, string][] = [
    ['{"type":"result"}', "object"],
    ['  {"a": [1, {"b": null}]}  ', "object"],
    ["{}", "object"],
    ["[1,2]", "not_json"],
    ["42", "not_json"],
    ['"text"', "not_json"],
    ["null", "not_json"],
    ['{"broken":', "not_json"],
    ["{not json}", "not_json"],
    ["", "not_json"],
    ["plain text", "not_json"],
  ];
  for (const [text, kind] of cases) {
    await t.step(JSON.stringify(text), () => {
      const parsed = parseStreamLine(text);
      assert.deepEqual(parsed.kind, kind);
      if (parsed.kind === "not_json") assert.deepEqual(parsed.text, text);
    });
  }
  assert.deepEqual(parseStreamLine('{"a":1}'), {
    kind: "object",
    value: { a: 1 },
  });
});
