import assert from "node:assert/strict";
import { completeCommand, parseComposerInput } from "../../ui/src/commands.ts";

Deno.test("parseComposerInput reads messages and slash commands", async (t) => {
  const cases: [string, unknown][] = [
    ["", { kind: "empty" }],
    ["  hello\nthere  ", { kind: "send", body: "hello\nthere" }],
    ["/cancel", { kind: "cancel" }],
    ["/compact", { kind: "compact" }],
    ["/new-session", { kind: "new-session" }],
    ["/help", { kind: "help" }],
    ["/login", { kind: "login" }],
    ["/model sonnet", { kind: "model", model: "sonnet" }],
    ["/model claude-opus-4-1[1m]", {
      kind: "model",
      model: "claude-opus-4-1[1m]",
    }],
    ["//etc/passwd is a path", { kind: "send", body: "/etc/passwd is a path" }],
  ];
  for (const [input, expected] of cases) {
    await t.step(
      JSON.stringify(input),
      () => assert.deepEqual(parseComposerInput(input), expected),
    );
  }
  assert.equal(parseComposerInput("/model").kind, "invalid");
  assert.equal(parseComposerInput("/cancel now").kind, "invalid");
  assert.match(
    (parseComposerInput("/nope") as { message: string }).message,
    /unknown command \/nope/,
  );
});

Deno.test("completeCommand completes names, then model names, and lists ambiguous choices", () => {
  assert.deepEqual(completeCommand("/ca"), { text: "/cancel", candidates: [] });
  assert.deepEqual(completeCommand("/m"), { text: "/model ", candidates: [] });
  assert.deepEqual(completeCommand("/c"), {
    text: "/c",
    candidates: ["/cancel", "/compact"],
  });
  assert.deepEqual(completeCommand("/model s"), {
    text: "/model sonnet",
    candidates: [],
  });
  assert.deepEqual(completeCommand("/model "), {
    text: "/model ",
    candidates: ["haiku", "sonnet", "opus"],
  });
  assert.deepEqual(completeCommand("hello"), { text: "hello", candidates: [] });
});
