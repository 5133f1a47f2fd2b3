import assert from "node:assert/strict";
import { SseParser } from "../../ui/src/sse_parser.ts";

Deno.test("SseParser joins frames split anywhere, with LF or CRLF, and skips comments", () => {
  const text =
    ': connected\n\nid: 1\ndata: {"a":1}\n\nid: 2\r\ndata: line one\r\ndata: line two\r\n\r\nevent: reset\ndata: {}\n\nid: 3\rdata: cr\r\r\n';
  for (let cut = 0; cut < text.length; cut++) {
    const parser = new SseParser();
    const frames = [
      ...parser.push(text.slice(0, cut)),
      ...parser.push(text.slice(cut)),
    ];
    assert.deepEqual(frames, [
      { id: "1", event: "message", data: '{"a":1}' },
      { id: "2", event: "message", data: "line one\nline two" },
      { id: "2", event: "reset", data: "{}" },
      { id: "3", event: "message", data: "cr" },
    ], `cut at ${cut}`);
  }
});
