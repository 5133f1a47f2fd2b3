import assert from "node:assert/strict";
import { noteEvent } from "../../lib/events/note_event.ts";
import { NOTE_LIMIT_BYTES } from "../../lib/wire/events.ts";

const encoder = new TextEncoder();

function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** The part of a cut note before its marker. */
function keptPart(text: string): string {
  const at = text.lastIndexOf("… [cut: ");
  assert.ok(at >= 0, `no cut marker in a ${text.length}-character note`);
  return text.slice(0, at);
}

Deno.test("noteEvent() keeps a short note whole", () => {
  assert.deepEqual(noteEvent("claude stderr: boom"), {
    kind: "note",
    text: "claude stderr: boom",
  });
  const exact = "x".repeat(NOTE_LIMIT_BYTES);
  assert.deepEqual(noteEvent(exact), { kind: "note", text: exact });
});

Deno.test("noteEvent() cuts at 4 KiB of UTF-8 and says how long the text was", () => {
  const text = "a".repeat(10_000);
  const note = noteEvent(text) as { kind: "note"; text: string };
  const kept = keptPart(note.text);
  assert.equal(kept, "a".repeat(NOTE_LIMIT_BYTES));
  assert.match(note.text, /… \[cut: 10000 bytes\]$/);
});

Deno.test("noteEvent() never splits a character at the cut", async (t) => {
  const characters: [string, string][] = [
    ["2-byte é", "é"],
    ["3-byte €", "€"],
    ["4-byte emoji", "😀"],
  ];
  for (const [name, character] of characters) {
    // Offset by 0..3 ASCII bytes so the 4096-byte cut lands at every position inside a character.
    for (let offset = 0; offset < 4; offset++) {
      await t.step(`${name}, offset ${offset}`, () => {
        const text = "x".repeat(offset) + character.repeat(3000);
        const note = (noteEvent(text) as { text: string }).text;
        const kept = keptPart(note);
        assert.ok(
          utf8Length(kept) <= NOTE_LIMIT_BYTES,
          `kept ${utf8Length(kept)} bytes`,
        );
        assert.ok(
          utf8Length(kept) > NOTE_LIMIT_BYTES - 4,
          `cut too early: ${utf8Length(kept)} bytes`,
        );
        assert.ok(!kept.includes("\uFFFD"), "a split character became U+FFFD");
        assert.ok(
          text.startsWith(kept),
          "the kept part is not a prefix of the text",
        );
        assert.ok(note.endsWith(`… [cut: ${utf8Length(text)} bytes]`));
      });
    }
  }
});

Deno.test("noteEvent() redacts an API key or bearer token quoted from claude's output", () => {
  const note = noteEvent(
    "claude stderr: key sk-ant-api03-abcdefghijklmnop rejected; Authorization: Bearer abc.def",
  ) as { text: string };
  assert.ok(!note.text.includes("sk-ant-api03"), note.text);
  assert.ok(!note.text.includes("abc.def"), note.text);
  assert.match(note.text, /\[redacted\]/);
});
