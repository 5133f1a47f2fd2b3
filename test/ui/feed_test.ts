import assert from "node:assert/strict";
import {
  Feed,
  type FeedEvent,
  type FeedSnapshot,
  type FeedStatus,
} from "../../ui/src/feed.ts";
import { startFakeHarness } from "./fake_harness.ts";

async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function note(text: string) {
  return { kind: "note", text };
}

Deno.test("Feed loads state and history, then hands over live events once each across drops and resets", async () => {
  const fake = startFakeHarness();
  fake.emit(note("a"), note("b"), note("c"));
  const snapshots: FeedSnapshot[] = [];
  const live: FeedEvent[] = [];
  const statuses: FeedStatus[] = [];
  const feed = new Feed({
    snapshot: (snapshot) => snapshots.push(snapshot),
    events: (events) => live.push(...events),
    status: (status) => statuses.push(status),
  }, { baseUrl: fake.url, retryDelaysMs: [20] });
  try {
    feed.start();
    await waitFor("the snapshot", () => snapshots.length === 1);
    assert.deepEqual(snapshots[0]?.events.map((event) => event.text), [
      "a",
      "b",
      "c",
    ]);
    assert.equal(snapshots[0]?.state.seq, 3);
    await fake.waitForClient();
    fake.emit(note("d"), note("e"));
    await waitFor("live events", () => live.length === 2);

    // A dropped connection resumes from the last seq: what happened meanwhile comes once.
    fake.dropClients();
    fake.emit(note("f"));
    await waitFor("the replay", () => live.length === 3);
    await fake.waitForClient();
    fake.emit(note("g"));
    await waitFor("live after the replay", () => live.length === 4);
    assert.deepEqual(live.map((event) => event.text), ["d", "e", "f", "g"]);
    assert.deepEqual(fake.streamRequests, [null, "5"]);
    assert.ok(statuses.includes("reconnecting"));
    assert.equal(statuses.at(-1), "live");

    // A new boot cannot replay: the server says reset and the feed loads everything again.
    fake.newBoot();
    fake.emit(note("h"));
    await waitFor("the second snapshot", () => snapshots.length === 2);
    assert.deepEqual(snapshots[1]?.events.map((event) => event.text), [
      "a",
      "b",
      "c",
      "d",
      "e",
      "f",
      "g",
      "h",
    ]);
    await fake.waitForClient();
    fake.emit(note("i"));
    await waitFor("live after the reset", () => live.length === 5);
    assert.equal(live.at(-1)?.text, "i");
    assert.equal(feed.lastSeq, 9);
  } finally {
    await feed.stop();
    await fake.close();
  }
});

Deno.test("Feed drops buffered events the snapshot already holds", async () => {
  const fake = startFakeHarness();
  fake.emit(note("a"));
  const snapshots: FeedSnapshot[] = [];
  const live: FeedEvent[] = [];
  // Events emitted while the snapshot loads reach the stream and the history both.
  const slowFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (String(input).includes("/api/state")) fake.emit(note("during"));
    return response;
  };
  const feed = new Feed({
    snapshot: (snapshot) => snapshots.push(snapshot),
    events: (events) => live.push(...events),
    status: () => {},
  }, { baseUrl: fake.url, fetch: slowFetch, retryDelaysMs: [20] });
  try {
    feed.start();
    await waitFor("the snapshot", () => snapshots.length === 1);
    fake.emit(note("after"));
    await waitFor("live", () => live.some((event) => event.text === "after"));
    const seen = [...(snapshots[0]?.events ?? []), ...live].map((event) =>
      event.text
    );
    assert.deepEqual(seen, ["a", "during", "after"]);
  } finally {
    await feed.stop();
    await fake.close();
  }
});

Deno.test("Feed reads a backlog in slices and yields to the browser between them", async () => {
  let snapshotTaken: () => void = () => {};
  const afterSnapshot = new Promise<void>((resolve) => snapshotTaken = resolve);
  const chunks = Array.from(
    { length: 10 },
    (_, chunk) =>
      Array.from({ length: 5 }, (_, i) => {
        const seq = chunk * 5 + i + 1;
        return `id: ${seq}\ndata: ${
          JSON.stringify({ seq, kind: "note", text: `n${seq}` })
        }\n\n`;
      }).join(""),
  );
  // The whole backlog is waiting in the stream at once, as after a flood.
  const scriptedFetch: typeof fetch = (input, init) => {
    const path = String(input);
    if (path.endsWith("/events/stream")) {
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          // As a real fetch does, an abort ends the body.
          init?.signal?.addEventListener("abort", () => controller.error());
          await afterSnapshot;
          for (const chunk of chunks) {
            controller.enqueue(new TextEncoder().encode(chunk));
          }
        },
      });
      return Promise.resolve(
        new Response(body, {
          headers: { "content-type": "text/event-stream" },
        }),
      );
    }
    const json = path.includes("/api/state") ? { seq: 0 } : { events: [] };
    return Promise.resolve(Response.json(json));
  };
  const live: FeedEvent[] = [];
  const deliveredAtYield: number[] = [];
  let clockMs = 0;
  const feed = new Feed({
    snapshot: () => snapshotTaken(),
    events: (events) => live.push(...events),
    status: () => {},
  }, {
    fetch: scriptedFetch,
    sliceMs: 8,
    // Each look at the clock finds 3 ms gone: a slice holds a few reads.
    now: () => clockMs += 3,
    yieldToBrowser: () => {
      deliveredAtYield.push(live.length);
      return new Promise((resolve) => setTimeout(resolve, 0));
    },
  });
  try {
    feed.start();
    await waitFor("the backlog", () => live.length === 50);
    assert.deepEqual(
      live.map((event) => event.seq),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const duringBacklog = deliveredAtYield.filter((count) =>
      count > 0 && count < 50
    );
    assert.ok(
      duringBacklog.length >= 3,
      `yields with part of the backlog delivered: ${deliveredAtYield}`,
    );
  } finally {
    await feed.stop();
  }
});
