import assert from "node:assert/strict";
import { createMemoryLogger } from "../../lib/log.ts";
import {
  encodeSseComment,
  encodeSseEvent,
  type SseClient,
  SseHub,
} from "../../lib/events/sse_hub.ts";

const decoder = new TextDecoder();

/** Read until `until` says the text is complete or the stream ends. */
async function readText(
  client: SseClient,
  until: (text: string) => boolean = () => false,
): Promise<string> {
  const reader = client.stream.getReader();
  let text = "";
  try {
    while (!until(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
  } finally {
    reader.releaseLock();
  }
  return text;
}

Deno.test("encodeSseEvent() and encodeSseComment() frame SSE text", () => {
  assert.equal(
    decoder.decode(encodeSseEvent(3, '{"a":1}')),
    'id: 3\ndata: {"a":1}\n\n',
  );
  assert.equal(decoder.decode(encodeSseEvent(null, "{}")), "data: {}\n\n");
  assert.equal(decoder.decode(encodeSseComment("hi")), ": hi\n\n");
});

Deno.test("SseHub.publish() writes the same encoded bytes to every client", async () => {
  const hub = new SseHub({ log: createMemoryLogger() });
  const a = hub.open();
  const b = hub.open();
  const readA = a.stream.getReader();
  const readB = b.stream.getReader();
  const pendingA = readA.read();
  const pendingB = readB.read();
  hub.publish(1, '{"seq":1}');
  const [chunkA, chunkB] = [(await pendingA).value, (await pendingB).value];
  assert.equal(chunkA, chunkB, "one Uint8Array for both clients");
  assert.equal(decoder.decode(chunkA), 'id: 1\ndata: {"seq":1}\n\n');
  readA.releaseLock();
  readB.releaseLock();
  hub.close();
  assert.equal(hub.clientCount, 0);
  assert.equal(await readText(a), "");
});

Deno.test("SseHub skips frames a client already got by replay", async () => {
  const hub = new SseHub({ log: createMemoryLogger() });
  const client = hub.open();
  client.sendEvent(1, "1");
  client.sendEvent(2, "2");
  hub.publish(2, "2"); // published while the replay was being read
  hub.publish(3, "3");
  client.sendFrame(encodeSseComment("c"));
  assert.equal(
    await readText(client, (text) => text.endsWith(": c\n\n")),
    "id: 1\ndata: 1\n\nid: 2\ndata: 2\n\nid: 3\ndata: 3\n\n: c\n\n",
  );
  hub.close();
});

Deno.test("SseHub cuts off a client that stops reading while a fast one gets everything", async () => {
  const log = createMemoryLogger();
  const hub = new SseHub({ log, maxQueueBytes: 64 * 1024 });
  const slow = hub.open();
  const fast = hub.open();
  const json = JSON.stringify({ kind: "note", text: "x".repeat(1000) });
  const total = 1000;
  let received = 0;
  const reading = (async () => {
    for await (const chunk of fast.stream) {
      received += decoder.decode(chunk).split("\n\n").length - 1;
    }
  })();
  for (let seq = 1; seq <= total; seq++) {
    hub.publish(seq, json);
    // Let the fast reader run now and then, as the network would.
    if (seq % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert.equal(slow.closed, true);
  assert.equal(fast.closed, false);
  assert.equal(hub.cutOffCount, 1);
  assert.equal(hub.clientCount, 1);
  assert.ok(log.records.some((r) => r.msg.startsWith("Cut off an SSE client")));
  hub.close();
  await reading;
  assert.equal(received, total);
  // The slow one's stream just ends; it reconnects with Last-Event-ID.
  assert.equal(await readText(slow), "");
});

Deno.test("SseHub sends keep-alive comments only while clients are connected", async () => {
  const hub = new SseHub({ log: createMemoryLogger(), keepAliveMs: 5 });
  const client = hub.open();
  const text = await readText(client, (t) => t.length > 0);
  assert.equal(text, ": keep-alive\n\n");
  client.close();
  assert.equal(hub.clientCount, 0);
  // No interval is left running: the test's op sanitizer would fail otherwise.
});

Deno.test("SseHub drops a client whose request is aborted or whose reader cancels", async () => {
  const hub = new SseHub({ log: createMemoryLogger() });
  const controller = new AbortController();
  const aborted = hub.open({ signal: controller.signal });
  const cancelled = hub.open();
  assert.equal(hub.clientCount, 2);
  controller.abort();
  assert.equal(aborted.closed, true);
  await cancelled.stream.cancel();
  assert.equal(cancelled.closed, true);
  assert.equal(hub.clientCount, 0);
  const late = hub.open({ signal: AbortSignal.abort() });
  assert.equal(late.closed, true);
  assert.equal(hub.clientCount, 0);
});

Deno.test("SseHub lets other work run while clients drain a flood (a timer fires mid-backlog)", async () => {
  const hub = new SseHub({
    log: createMemoryLogger(),
    bytesPerTurn: 16 * 1024,
  });
  const clients = Array.from({ length: 20 }, () => hub.open());
  const frame = "x".repeat(500);
  const count = 2000;
  for (let seq = 1; seq <= count; seq++) hub.publish(seq, `"${frame}"`);
  let delivered = 0;
  let deliveredWhenTimerRan = -1;
  const timer = setTimeout(() => deliveredWhenTimerRan = delivered, 0);
  const total = clients.length *
    encodeSseEvent(count, `"${frame}"`).byteLength *
    count;
  await Promise.all(clients.map(async (client) => {
    const reader = client.stream.getReader();
    let frames = 0;
    while (frames < count) {
      const { value } = await reader.read();
      delivered += value!.byteLength;
      frames += decoder.decode(value).split("\n\n").length - 1;
    }
    reader.releaseLock();
  }));
  clearTimeout(timer);
  hub.close();
  assert.ok(delivered >= total * 0.99, `delivered ${delivered} of ${total}`);
  assert.ok(
    deliveredWhenTimerRan >= 0 && deliveredWhenTimerRan < total / 2,
    `the timer waited for ${deliveredWhenTimerRan} of ${total} bytes`,
  );
});

Deno.test("SseHub: a frame the turn's budget held back reaches a waiting reader next turn, in order", async () => {
  const hub = new SseHub({ log: createMemoryLogger(), bytesPerTurn: 1 });
  const client = hub.open();
  const reader = client.stream.getReader();
  const seen: string[] = [];
  const reading = (async () => {
    while (seen.length < 50) {
      const { value } = await reader.read();
      seen.push(...decoder.decode(value).split("\n\n").filter(Boolean));
    }
  })();
  for (let seq = 1; seq <= 50; seq++) {
    hub.publish(seq, String(seq));
    if (seq % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await reading;
  reader.releaseLock();
  hub.close();
  assert.deepEqual(
    seen,
    Array.from({ length: 50 }, (_, i) => `id: ${i + 1}\ndata: ${i + 1}`),
  );
});

Deno.test("SseHub calls onEmpty when its last client goes, not before", () => {
  let empty = 0;
  const hub = new SseHub({
    log: createMemoryLogger(),
    onEmpty: () => empty++,
  });
  const a = hub.open();
  const b = hub.open();
  a.close();
  assert.equal(empty, 0);
  b.close();
  assert.equal(empty, 1);
  hub.close();
});

Deno.test("SseHub: a waiting reader passed over replayed frames still gets the next new one", async () => {
  const hub = new SseHub({ log: createMemoryLogger() });
  const client = hub.open();
  client.sendEvent(1, "1");
  client.sendEvent(2, "2");
  const reader = client.stream.getReader();
  let text = "";
  while (!text.endsWith("id: 2\ndata: 2\n\n")) {
    text += decoder.decode((await reader.read()).value);
  }
  // The reader now waits; the frames published meanwhile were in the replay already.
  const next = reader.read();
  hub.publish(1, "1");
  hub.publish(2, "2");
  hub.publish(3, "3");
  assert.equal(decoder.decode((await next).value), "id: 3\ndata: 3\n\n");
  reader.releaseLock();
  hub.close();
});

Deno.test("SseHub never cuts off readers that keep up while many times the bound goes by", async () => {
  const hub = new SseHub({
    log: createMemoryLogger(),
    maxQueueBytes: 64 * 1024,
  });
  const laggards = Array.from({ length: 50 }, () => hub.open());
  const json = JSON.stringify("x".repeat(1000));
  // 48 KiB behind each: within the bound, so all 50 stay.
  for (let seq = 1; seq <= 48; seq++) hub.publish(seq, json);
  assert.equal(hub.cutOffCount, 0);
  // Everyone reads up; then far more than the bound goes by, read as it comes.
  const readers = laggards.map((client) => client.stream.getReader());
  let frames = 0;
  const readAll = async (until: number) => {
    await Promise.all(readers.map(async (reader) => {
      let seen = 0;
      while (seen < until) {
        seen += decoder.decode((await reader.read()).value).split("\n\n")
          .length - 1;
      }
      frames += seen;
    }));
  };
  await readAll(48);
  for (let round = 0; round < 10; round++) {
    for (let i = 1; i <= 48; i++) hub.publish(48 * (round + 1) + i, json);
    await readAll(48);
  }
  assert.equal(frames, 50 * 48 * 11);
  assert.equal(hub.cutOffCount, 0, "readers that keep up are never cut off");
  for (const reader of readers) reader.releaseLock();
  hub.close();
});
