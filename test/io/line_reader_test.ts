import assert from "node:assert/strict";
import {
  type ByteSource,
  encodeJsonLine,
  type LineItem,
  LineSplitter,
  pullLines,
  readLines,
} from "../../lib/io/line_reader.ts";
import { parseStreamLine } from "../../lib/claude/stream_json.ts";

const encoder = new TextEncoder();

function splitChunks(
  chunks: (string | Uint8Array)[],
  options = {},
): LineItem[] {
  const splitter = new LineSplitter(options);
  const out: LineItem[] = [];
  for (const chunk of chunks) {
    out.push(
      ...splitter.push(
        typeof chunk === "string" ? encoder.encode(chunk) : chunk,
      ),
    );
  }
  return [...out, ...splitter.flush()];
}

function line(text: string, partial = false): LineItem {
  return { kind: "line", text, partial };
}

Deno.test("LineSplitter gives the same lines however the bytes are chunked", () => {
  const text = '{"a":1}\nplain\r\n\n{"b":"é€😀"}\nlast';
  const expected = [
    line('{"a":1}'),
    line("plain"),
    line(""),
    line('{"b":"é€😀"}'),
    line("last", true),
  ];
  const bytes = encoder.encode(text);
  assert.deepEqual(splitChunks([bytes]), expected);
  // One byte at a time also cuts every multi-byte character in half.
  assert.deepEqual(
    splitChunks([...bytes].map((byte) => Uint8Array.of(byte))),
    expected,
  );
  for (const cut of [1, 7, 8, 9, 20, 25]) {
    assert.deepEqual(
      splitChunks([bytes.subarray(0, cut), bytes.subarray(cut)]),
      expected,
      `cut at ${cut}`,
    );
  }
});

Deno.test("LineSplitter emits nothing at EOF after a final newline", () => {
  assert.deepEqual(splitChunks(["a\n", "b\n"]), [line("a"), line("b")]);
  assert.deepEqual(splitChunks([]), []);
});

Deno.test("LineSplitter turns a line over the cap into an oversize item and goes on", () => {
  const options = { maxLineBytes: 10, headBytes: 4 };
  // Exactly at the cap is still a line.
  assert.deepEqual(splitChunks(["0123456789\nok\n"], options), [
    line("0123456789"),
    line("ok"),
  ]);
  const long = "x".repeat(25);
  const oversize = {
    kind: "oversize",
    bytes: 25,
    head: "xxxx",
    partial: false,
  };
  // Within one chunk, and carried over many chunks (never buffered whole).
  assert.deepEqual(splitChunks([`a\n${long}\nb\n`], options), [
    line("a"),
    oversize,
    line("b"),
  ]);
  assert.deepEqual(
    splitChunks(["a\nxxx", "xxxxxxxxxx", "xxxxxxxxxxxx\nb", "\n"], options),
    [line("a"), oversize, line("b")],
  );
  // Cut at EOF mid-line, it is a partial oversize item.
  assert.deepEqual(splitChunks([long], options), [{
    ...oversize,
    partial: true,
  }]);
});

Deno.test("LineSplitter keeps an oversize head free of half characters", () => {
  const items = splitChunks(["ééééé\n"], { maxLineBytes: 4, headBytes: 3 });
  assert.deepEqual(items, [{
    kind: "oversize",
    bytes: 10,
    head: "é",
    partial: false,
  }]);
});

Deno.test("LineSplitter splits a 20 MiB line into an oversize item and a 10 MiB one whole, quickly", () => {
  const chunk = new Uint8Array(65536).fill(120);
  const splitter = new LineSplitter({ maxLineBytes: 16 * 1024 * 1024 });
  const started = performance.now();
  const items: LineItem[] = [];
  for (const megabytes of [20, 10]) {
    for (let i = 0; i < megabytes * 16; i++) {
      items.push(...splitter.push(chunk));
    }
    items.push(...splitter.push(encoder.encode('\n{"type":"after"}\n')));
  }
  const elapsed = performance.now() - started;
  assert.deepEqual(items.length, 4);
  assert.deepEqual(
    items[0]?.kind === "oversize" && [items[0].bytes, items[0].head.length],
    [20 * 1024 * 1024, 4096],
  );
  assert.deepEqual(items[1], line('{"type":"after"}'));
  assert.deepEqual(
    items[2]?.kind === "line" && items[2].text.length,
    10 * 1024 * 1024,
  );
  assert(elapsed < 3000, `took ${elapsed} ms`);
});

Deno.test("LineSplitter with parseStreamLine handles many short lines fast", () => {
  const text = JSON.stringify({ type: "assistant", text: "y".repeat(370) }) +
    "\n";
  const bytes = encoder.encode(text.repeat(100_000));
  const splitter = new LineSplitter();
  const started = performance.now();
  let objects = 0;
  for (let offset = 0; offset < bytes.length; offset += 65536) {
    for (const item of splitter.push(bytes.subarray(offset, offset + 65536))) {
      if (
        item.kind === "line" && parseStreamLine(item.text).kind === "object"
      ) objects++;
    }
  }
  const elapsed = performance.now() - started;
  assert.deepEqual(objects, 100_000);
  // ~1.5 M lines/s on an idle core; the bound only catches a quadratic or per-byte slip.
  assert(elapsed < 2000, `took ${elapsed} ms`);
});

Deno.test("readLines reads in the background, maps, and hands values out once", async () => {
  const source = ReadableStream.from(
    ["a\nskip\nb", "\nc"].map((s) => encoder.encode(s)),
  );
  const buffer = readLines(source, {
    map: (item) =>
      item.kind === "line" && item.text !== "skip" ? item.text : null,
  });
  // Read to the end before anyone iterates: a child never waits on an unread pipe.
  await buffer.done;
  assert.deepEqual(await Array.fromAsync(buffer), ["a", "b", "c"]);
  assert.throws(() => buffer[Symbol.asyncIterator](), TypeError);
});

Deno.test("readLines pauses at the high-water mark only while someone reads, and drains after a break", async () => {
  let pulled = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (++pulled > 50) controller.close();
      else controller.enqueue(encoder.encode(`${pulled}\n`));
    },
  }, { highWaterMark: 0 });
  const buffer = readLines(source, {
    map: (item) => item.kind === "line" ? item.text : null,
    highWater: 4,
  });
  const seen: string[] = [];
  for await (const value of buffer) {
    seen.push(value);
    if (seen.length === 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert(pulled <= 8, `pulled ${pulled} while the reader waited`);
    }
    if (seen.length === 10) break;
  }
  await buffer.done;
  assert.deepEqual(pulled, 51);
  assert.deepEqual(seen, ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
});

/** A `read()` source handing out `chunks` one per read, through one reused buffer as a conn does. */
function byteSource(chunks: string[]): ByteSource {
  const queue = chunks.map((chunk) => encoder.encode(chunk));
  return {
    read(buffer: Uint8Array): Promise<number | null> {
      const next = queue.shift();
      if (next === undefined) return Promise.resolve(null);
      buffer.set(next);
      return Promise.resolve(next.length);
    },
  };
}

Deno.test("pullLines gives the same items as readLines: whole lines, oversize lines skipped, a last partial line", async () => {
  const items: LineItem[] = [];
  for await (
    const item of pullLines(
      byteSource(["ab", "c\n", "x".repeat(10), "y".repeat(10) + "\nd", "e"]),
      { maxLineBytes: 8, headBytes: 0 },
    )
  ) items.push(item);
  assert.deepEqual(items, [
    line("abc"),
    { kind: "oversize", bytes: 20, head: "", partial: false },
    line("de", true),
  ]);
});

Deno.test("encodeJsonLine frames one JSON value as one line", () => {
  assert.equal(
    new TextDecoder().decode(encodeJsonLine({ ok: true, text: "a\nb" })),
    '{"ok":true,"text":"a\\nb"}\n',
  );
});
