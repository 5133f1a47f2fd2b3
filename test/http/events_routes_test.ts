import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { Bus } from "../../lib/events/bus.ts";
import {
  EVENT_STORE_MIGRATIONS,
  EventStore,
} from "../../lib/events/event_store.ts";
import {
  EVENT_KINDS,
  type EventKind,
  type LiveEvent,
  streamEvent,
} from "../../lib/wire/events.ts";
import { createEventRoutes } from "../../lib/http/events_routes.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { openDatabase } from "../../lib/sqlite/open.ts";
import { SseHub, type SseHubOptions } from "../../lib/events/sse_hub.ts";
import { StoreHealth } from "../../lib/sqlite/store_health.ts";

/** One event of every kind; the mapped type makes a new kind a compile error here. */
const SAMPLES: { [K in EventKind]: Extract<LiveEvent, { kind: K }> } = {
  "turn_start": {
    kind: "turn_start",
    from: "operator",
    body: 'line 1\nline 2 "quoted" ✓ \u2028 😀',
    unread: 2,
  },
  stream: streamEvent({
    type: "assistant",
    seq: 41, // the object's own seq and kind must survive as stream_seq / stream_kind
    kind: "theirs",
    message: {
      model: "claude-haiku",
      content: [{ type: "tool_use", name: "Bash", input: { command: "ls" } }],
      usage: { input_tokens: 3, output_tokens: 5 },
    },
    nothing: null,
  }) as Extract<LiveEvent, { kind: "stream" }>,
  note: { kind: "note", text: "claude exited 0" },
  "turn_end": { kind: "turn_end", ok: false, note: "cancelled by operator" },
  "status_changed": { kind: "status_changed", status: "rate_limited" },
  "model_changed": { kind: "model_changed", model: "opus" },
  "token_usage_changed": {
    kind: "token_usage_changed",
    usage: {
      input_tokens: 1,
      output_tokens: 2,
      cache_read_input_tokens: 3,
      cache_creation_input_tokens: 4,
    },
  },
  "turn_state_changed": {
    kind: "turn_state_changed",
    state: "thinking",
    since_unix: 1_700_000_000,
  },
  "turn_stats_recorded": {
    kind: "turn_stats_recorded",
    row: { agent: "a", result_kind: "ok", cost_usd: null, tool_call_count: 2 },
  },
};

interface Frame {
  id?: string;
  data?: string;
  comment?: string;
}

/** A raw SSE reader over fetch: frames split on the blank line, fields as sent. */
class SseReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  #buffer = "";
  constructor(response: Response) {
    this.#reader = response.body!.getReader();
  }
  async next(): Promise<Frame | null> {
    while (!this.#buffer.includes("\n\n")) {
      const { value, done } = await this.#reader.read();
      if (done) return null;
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
    const end = this.#buffer.indexOf("\n\n");
    const text = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end + 2);
    const frame: Frame = {};
    for (const line of text.split("\n")) {
      if (line.startsWith(": ")) frame.comment = line.slice(2);
      else if (line.startsWith("id: ")) frame.id = line.slice(4);
      else if (line.startsWith("data: ")) frame.data = line.slice(6);
      else throw new Error(`unexpected SSE line: ${line}`);
    }
    return frame;
  }
  /** The next frame that is not a keep-alive. */
  async event(): Promise<Frame | null> {
    for (let frame = await this.next(); frame; frame = await this.next()) {
      if (frame.comment !== "keep-alive") return frame;
    }
    return null;
  }
  async close(): Promise<void> {
    await this.#reader.cancel();
  }
}

interface Rig {
  path: string;
  log: ReturnType<typeof createMemoryLogger>;
  health: StoreHealth;
  /** A bus on a fresh connection to the file, its hub, app and server. */
  start(hubOptions?: Partial<SseHubOptions>): Harness;
}

interface Harness {
  bus: Bus;
  hub: SseHub;
  store: EventStore;
  app: Hono;
  url: string;
  stream(headers?: HeadersInit, query?: string): Promise<SseReader>;
  stop(): Promise<void>;
}

function withRig(fn: (rig: Rig) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = Deno.makeTempDirSync({ prefix: "events_routes_test_" });
    const path = join(dir, "hyperhive-events.sqlite");
    const log = createMemoryLogger();
    const health = new StoreHealth(log);
    const running: Harness[] = [];
    const rig: Rig = {
      path,
      log,
      health,
      start(hubOptions = {}) {
        const store = new EventStore(
          openDatabase(path, EVENT_STORE_MIGRATIONS),
        );
        const bus = new Bus({ store, health, log });
        const hub = new SseHub({ log, ...hubOptions });
        bus.subscribe((event, json) => hub.publish(event.seq, json));
        const app = new Hono();
        app.route("/", createEventRoutes({ bus, hub, log }));
        app.onError((err, c) => {
          if (err instanceof HTTPException) {
            return c.json({ error: err.message }, err.status);
          }
          throw err;
        });
        const server = Deno.serve(
          { port: 0, hostname: "127.0.0.1", onListen() {} },
          app.fetch,
        );
        const url = `http://127.0.0.1:${server.addr.port}`;
        const readers: SseReader[] = [];
        const harness: Harness = {
          bus,
          hub,
          store,
          app,
          url,
          async stream(headers = {}, query = "") {
            const response = await fetch(`${url}/events/stream${query}`, {
              headers,
            });
            assert.equal(response.status, 200);
            assert.equal(
              response.headers.get("content-type"),
              "text/event-stream",
            );
            assert.equal(response.headers.get("cache-control"), "no-cache");
            const reader = new SseReader(response);
            readers.push(reader);
            return reader;
          },
          async stop() {
            if (!running.includes(harness)) return;
            running.splice(running.indexOf(harness), 1);
            for (const reader of readers) await reader.close().catch(() => {});
            hub.close();
            await server.shutdown();
            bus.close();
            store.close();
          },
        };
        running.push(harness);
        return harness;
      },
    };
    try {
      await fn(rig);
    } finally {
      for (const harness of [...running]) await harness.stop();
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(condition(), `timed out waiting for ${what}`);
}

const note = (text: string): LiveEvent => ({ kind: "note", text });

Deno.test(
  "every event kind round-trips unchanged: emit → SSE → events table → /events/history",
  withRig(async (rig) => {
    assert.deepEqual(Object.keys(SAMPLES).sort(), [...EVENT_KINDS].sort());
    const first = rig.start();
    const sse = await first.stream();
    assert.deepEqual(await sse.next(), { comment: "connected" });
    const expected = Object.values(SAMPLES).map((event) =>
      first.bus.emit(event)
    );
    assert.deepEqual(expected.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const { kind, stream_seq: streamSeq, stream_kind: streamKind } =
      expected[1] as Record<string, unknown>;
    assert.deepEqual([kind, streamSeq, streamKind], ["stream", 41, "theirs"]);

    for (const event of expected) {
      const frame = await sse.event();
      assert.equal(frame?.id, String(event.seq));
      assert.deepEqual(JSON.parse(frame!.data!), event);
    }
    first.bus.flush();
    const db = new DatabaseSync(rig.path, { readOnly: true });
    const rows = db.prepare(
      "SELECT kind, payload_json, seq, boot_id FROM events ORDER BY id",
    ).all();
    db.close();
    assert.deepEqual(
      rows.map((
        r,
      ) => [r.kind, JSON.parse(String(r.payload_json)), r.seq, r.boot_id]),
      expected.map((e) => [e.kind, e, e.seq, first.bus.bootId]),
    );
    const live = await first.app.request("/events/history");
    assert.deepEqual(await live.json(), { seq: 9, events: expected });
    await first.stop();

    // After a restart the history comes from the events table alone.
    const second = rig.start();
    const stored = await second.app.request("/events/history?limit=2000");
    assert.equal(
      stored.headers.get("content-type"),
      "application/json; charset=UTF-8",
    );
    const body = await stored.json();
    assert.deepEqual(body.events, expected);
    assert.ok(body.seq >= 9);
  }),
);

Deno.test(
  "a reconnect with Last-Event-ID gets exactly the missed events, then live ones",
  withRig(async (rig) => {
    const h = rig.start();
    const a = await h.stream();
    await a.next(); // connected
    for (let i = 1; i <= 3; i++) h.bus.emit(note(`${i}`));
    for (let i = 1; i <= 3; i++) assert.equal((await a.event())?.id, `${i}`);
    await a.close();
    await until(() => h.hub.clientCount === 0, "the client to leave the hub");

    for (let i = 4; i <= 6; i++) h.bus.emit(note(`${i}`));
    const b = await h.stream({ "last-event-id": "3" });
    const c = await h.stream({}, "?last_event_id=5");
    h.bus.emit(note("7"));
    const read = async (reader: SseReader, count: number) => {
      const frames: [string | undefined, string][] = [];
      for (let i = 0; i < count; i++) {
        const frame = await reader.event();
        frames.push([
          frame?.id,
          frame?.data ? JSON.parse(frame.data).text : frame?.comment,
        ]);
      }
      return frames;
    };
    assert.deepEqual(await read(b, 5), [
      [undefined, "connected"],
      ["4", "4"],
      ["5", "5"],
      ["6", "6"],
      ["7", "7"],
    ]);
    assert.deepEqual(await read(c, 3), [[undefined, "connected"], ["6", "6"], [
      "7",
      "7",
    ]]);
    h.bus.emit(note("8"));
    assert.deepEqual(await read(b, 1), [["8", "8"]]);
  }),
);

Deno.test(
  "an unknown, future, foreign-boot or malformed Last-Event-ID gets a reset first",
  withRig(async (rig) => {
    const old = rig.start();
    for (let i = 1; i <= 3; i++) old.bus.emit(note(`${i}`));
    await old.stop();
    const h = rig.start(); // a new boot on the same file
    h.bus.emit(note("now"));
    const now = h.bus.currentSeq();
    for (const id of ["2", `${now + 5}`, "abc", "-1"]) {
      const reader = await h.stream({ "last-event-id": id });
      assert.deepEqual(await reader.next(), { comment: "connected" });
      assert.deepEqual(await reader.next(), { data: '{"kind":"reset"}' }, id);
      h.bus.emit(note(`after ${id}`));
      const live = await reader.event();
      assert.equal(JSON.parse(live!.data!).text, `after ${id}`);
      await reader.close();
    }
  }),
);

Deno.test(
  "a client without Last-Event-ID gets only live events after a comment",
  withRig(async (rig) => {
    const h = rig.start();
    h.bus.emit(note("before"));
    const reader = await h.stream();
    assert.deepEqual(await reader.next(), { comment: "connected" });
    h.bus.emit(note("live"));
    const frame = await reader.event();
    assert.equal(frame?.id, "2");
    assert.equal(JSON.parse(frame!.data!).text, "live");
  }),
);

Deno.test(
  "GET /events/history returns the newest events oldest first, and rejects a bad limit",
  withRig(async (rig) => {
    const h = rig.start();
    for (let i = 1; i <= 5; i++) h.bus.emit(note(`${i}`));
    const two = await (await h.app.request("/events/history?limit=2")).json();
    assert.deepEqual(two, {
      seq: 5,
      events: [{ seq: 4, kind: "note", text: "4" }, {
        seq: 5,
        kind: "note",
        text: "5",
      }],
    });
    for (const limit of ["0", "2001", "abc", "1.5", "-1", "", "1e3"]) {
      const response = await h.app.request(`/events/history?limit=${limit}`);
      assert.equal(response.status, 400, limit);
      const { error } = await response.json();
      assert.match(error, /^limit: /);
    }
  }),
);

Deno.test(
  "GET /events/history serves rows the Rust harness wrote, with seq 0",
  withRig(async (rig) => {
    const rust = new DatabaseSync(rig.path);
    rust.exec(`CREATE TABLE IF NOT EXISTS events (
      id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,
      kind TEXT NOT NULL, payload_json TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS idx_events_ts ON events (ts);
      INSERT INTO events (ts, kind, payload_json) VALUES
        (1, 'note', '{"kind":"note","text":"x"}'), (2, 'note', 'null');`);
    rust.close();
    const h = rig.start();
    h.bus.emit(note("new"));
    const body = await (await h.app.request("/events/history")).json();
    assert.deepEqual(body, {
      seq: 1,
      events: [{ seq: 0, kind: "note", text: "x" }, {
        seq: 1,
        kind: "note",
        text: "new",
      }],
    });
  }),
);

Deno.test(
  "a stalled SSE client is cut off while a fast one gets every event",
  withRig(async (rig) => {
    const h = rig.start({ maxQueueBytes: 256 * 1024 });
    // A raw socket that asks for the stream and never reads a byte.
    const stalled = await Deno.connect({
      hostname: "127.0.0.1",
      port: Number(new URL(h.url).port),
    });
    try {
      await stalled.write(
        new TextEncoder().encode(
          "GET /events/stream HTTP/1.1\r\nhost: x\r\n\r\n",
        ),
      );
      await until(() => h.hub.clientCount === 1, "the stalled client");
      const fast = await h.stream();
      await fast.next();
      const text = "x".repeat(1000);
      const total = 30_000;
      let received = 0;
      const reading = (async () => {
        while (received < total && (await fast.event())) received++;
      })();
      for (let i = 1; i <= total; i++) {
        h.bus.emit(note(text));
        if (i % 25 === 0) {
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
      await reading;
      assert.equal(received, total);
      assert.equal(h.hub.cutOffCount, 1);
      assert.equal(h.hub.clientCount, 1);
    } finally {
      stalled.close();
    }
  }),
);
