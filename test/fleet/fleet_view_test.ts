/**
 * The host page's feed: a snapshot goes out only when something changed, and with no page open
 * the broker is not read at all.
 */
import assert from "node:assert/strict";
import { FleetFeed, type FleetSource } from "../../lib/fleet/fleet_view.ts";
import { SseHub } from "../../lib/events/sse_hub.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import type { FleetRow } from "../../lib/broker/fleet_report.ts";

function source(rows: FleetRow[]): FleetSource & { reads: number } {
  return {
    reads: 0,
    fleet() {
      this.reads++;
      return Promise.resolve(rows.map((row) => ({ ...row })));
    },
    allOpenQuestions: () => Promise.resolve([]),
  };
}

const row = (name: string, questions = 0): FleetRow => ({
  name,
  report: null,
  "reported_at": null,
  "open_questions": questions,
  "open_reminders": 0,
});

async function readFrames(stream: ReadableStream<Uint8Array>, count: number) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while ((text.match(/^data: /gm) ?? []).length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel();
  return [...text.matchAll(/^id: (\d+)\ndata: (.*)$/gm)].map((match) => ({
    id: Number(match[1]),
    data: JSON.parse(match[2]!),
  }));
}

Deno.test("FleetFeed publishes a snapshot only when it changed, and reads nothing with no page open", async () => {
  const log = createMemoryLogger();
  const hub = new SseHub({ log, keepAliveMs: 0 });
  const rows = [row("alice")];
  const broker = source(rows);
  const feed = new FleetFeed({ broker, hub, log, intervalMs: 10 });
  feed.start();
  try {
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(broker.reads, 0, "no page open: the broker is left alone");
    const client = hub.open();
    const [seq, json] = await feed.latest();
    client.sendEvent(seq, json);
    await new Promise((resolve) => setTimeout(resolve, 60));
    rows[0] = row("alice", 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const frames = await readFrames(client.stream, 2);
    assert.deepEqual(
      frames.map((frame) => [frame.id, frame.data.agents[0].open_questions]),
      [[1, 0], [2, 1]],
      "one frame per change, none for the unchanged ticks",
    );
    assert.ok(broker.reads > 2, "ticks read while a page is open");
  } finally {
    feed.stop();
    hub.close();
  }
});
