import assert from "node:assert/strict";
import {
  type EventSourceLike,
  type LiveStatus,
  watchStats,
} from "../../ui/src/stats_live.ts";

/** An EventSource the test drives. */
class FakeSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  constructor(readonly url: string) {}
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  send(event: Record<string, unknown> | string): void {
    const data = typeof event === "string" ? event : JSON.stringify(event);
    this.onmessage?.(new MessageEvent("message", { data }));
  }
  fail(readyState: 0 | 2): void {
    this.readyState = readyState;
    this.onerror?.(new Event("error"));
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rig(options: { retryMs?: number } = {}) {
  const sources: FakeSource[] = [];
  const statuses: LiveStatus[] = [];
  let reloads = 0;
  const stop = watchStats({
    url: "events/stream",
    reload: () => reloads++,
    status: (status) => statuses.push(status),
    delayMs: 20,
    pollMs: 60_000,
    retryMs: options.retryMs ?? 60_000,
    open: (url) => {
      const source = new FakeSource(url);
      sources.push(source);
      return source;
    },
  });
  return {
    sources,
    statuses,
    stop,
    get reloads() {
      return reloads;
    },
  };
}

Deno.test("watchStats() reloads once for a burst of turn_stats_recorded events", async () => {
  const live = rig();
  try {
    const [source] = live.sources;
    assert.ok(source);
    assert.equal(source.url, "events/stream");
    source.open();
    assert.deepEqual(live.statuses, ["connecting", "live"]);
    assert.equal(live.reloads, 0, "the first open needs no reload");
    source.send({ seq: 1, kind: "stream", type: "assistant" });
    source.send({ seq: 2, kind: "turn_end", ok: true });
    source.send("not json turn_stats_recorded");
    await wait(40);
    assert.equal(live.reloads, 0, "other events do not reload");
    for (let seq = 3; seq < 6; seq++) {
      source.send({ seq, kind: "turn_stats_recorded", row: { id: seq } });
    }
    await wait(40);
    assert.equal(live.reloads, 1);
    source.send({ kind: "reset" });
    await wait(40);
    assert.equal(live.reloads, 2, "a reset reloads");
  } finally {
    live.stop();
  }
});

Deno.test("watchStats() reloads when the stream comes back, and retries one the browser gave up", async () => {
  const live = rig({ retryMs: 10 });
  try {
    const [first] = live.sources;
    assert.ok(first);
    first.open();
    first.fail(0); // dropped: the browser reconnects by itself
    assert.equal(live.statuses.at(-1), "reconnecting");
    first.open();
    await wait(40);
    assert.equal(live.reloads, 1, "rows may have landed meanwhile");
    first.fail(2); // an HTTP error: the browser gives up
    assert.equal(first.closed, true);
    await wait(40);
    const second = live.sources[1];
    assert.ok(second, "a new stream is opened");
    second.open();
    await wait(40);
    assert.equal(live.reloads, 2);
    assert.equal(live.statuses.at(-1), "live");
  } finally {
    live.stop();
  }
  assert.equal(live.sources.at(-1)?.closed, true, "stop() closes the stream");
});
