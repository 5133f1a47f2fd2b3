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
