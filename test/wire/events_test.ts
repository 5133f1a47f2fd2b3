import assert from "node:assert/strict";
import {
  cutText,
  EVENT_KINDS,
  isRecord,
  readTokenUsage,
  streamEvent,
} from "../../lib/wire/events.ts";

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

Deno.test("streamEvent() flattens the stream-json object beside kind stream", () => {
  const line = {
    type: "assistant",
    message: { id: "m", content: [] },
    "session_id": "s",
  };
  assert.deepEqual(streamEvent(line), {
    kind: "stream",
    type: "assistant",
    message: { id: "m", content: [] },
    session_id: "s",
  });
});

Deno.test("streamEvent() keeps the object's own seq and kind as stream_seq / stream_kind", async (t) => {
  await t.step("both", () => {
    const event = streamEvent({
      type: "system",
      seq: 7,
      kind: "note",
      text: "x",
    }) as Record<string, unknown>;
    assert.equal(event.kind, "stream");
    assert.equal(
      event.seq,
      undefined,
      "the object's seq must not pose as the envelope's",
    );
    assert.equal(event.stream_seq, 7);
    assert.equal(event.stream_kind, "note");
    assert.equal(event.text, "x");
  });
  await t.step("falsy values survive", () => {
    const event = streamEvent({ seq: 0, kind: "" }) as Record<string, unknown>;
    assert.deepEqual(event, { kind: "stream", stream_seq: 0, stream_kind: "" });
  });
  await t.step("null values survive", () => {
    const event = streamEvent({ seq: null, kind: null }) as Record<
      string,
      unknown
    >;
    assert.deepEqual(event, {
      kind: "stream",
      stream_seq: null,
      stream_kind: null,
    });
  });
  await t.step("absent", () => {
    assert.deepEqual(Object.keys(streamEvent({ type: "result" })), [
      "kind",
      "type",
    ]);
  });
  await t.step("the input is not changed", () => {
    const line = { seq: 1, kind: "x" };
    streamEvent(line);
    assert.deepEqual(line, { seq: 1, kind: "x" });
  });
});

Deno.test("streamEvent() of an object with a seq survives a bus stamping its own seq", () => {
  const stamped = {
    ...streamEvent({ type: "assistant", seq: 3 }),
    seq: 99,
  } as Record<string, unknown>;
  assert.equal(stamped.seq, 99);
  assert.equal(stamped.stream_seq, 3);
  assert.equal(stamped.kind, "stream");
});

Deno.test("cutText() counts bytes, not characters: 1500 three-byte characters are cut", () => {
  const text = "€".repeat(1500); // 4500 bytes, 1500 UTF-16 units
  const cut = cutText(text, 4096);
  assert.notEqual(cut, text);
  assert.equal(utf8Length(keptPart(cut)), 4095);
});

Deno.test("EVENT_KINDS lists every SPEC §5 kind, in order", () => {
  assert.deepEqual([...EVENT_KINDS], [
    "turn_start",
    "stream",
    "note",
    "turn_end",
    "status_changed",
    "model_changed",
    "token_usage_changed",
    "turn_state_changed",
    "turn_stats_recorded",
  ]);
});

Deno.test("readTokenUsage() fills every counter, 0 where missing or not a finite number", async (t) => {
  const cases: [string, unknown, number[]][] = [
    ["undefined", undefined, [0, 0, 0, 0]],
    ["not an object", "usage", [0, 0, 0, 0]],
    ["array", [1, 2], [0, 0, 0, 0]],
    ["partial", { input_tokens: 5, cache_read_input_tokens: 9 }, [5, 0, 9, 0]],
    ["full", {
      input_tokens: 1,
      output_tokens: 2,
      cache_read_input_tokens: 3,
      cache_creation_input_tokens: 4,
    }, [1, 2, 3, 4]],
    ["junk values", {
      input_tokens: "5",
      output_tokens: null,
      cache_read_input_tokens: NaN,
      cache_creation_input_tokens: Infinity,
    }, [0, 0, 0, 0]],
  ];
  for (const [name, value, [input, output, read, creation]] of cases) {
    await t.step(name, () => {
      assert.deepEqual(readTokenUsage(value), {
        input_tokens: input,
        output_tokens: output,
        cache_read_input_tokens: read,
        cache_creation_input_tokens: creation,
      });
    });
  }
  await t.step("extra fields are dropped", () => {
    assert.deepEqual(
      Object.keys(
        readTokenUsage({ input_tokens: 1, service_tier: "standard" }),
      ),
      [
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
      ],
    );
  });
});

Deno.test("isRecord() accepts plain objects only", () => {
  assert.equal(isRecord({}), true);
  assert.equal(isRecord(null), false);
  assert.equal(isRecord([]), false);
  assert.equal(isRecord("x"), false);
});
