import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Bus, type BusOptions, SEQ_BLOCK } from "../../lib/events/bus.ts";
import {
  EVENT_STORE_MIGRATIONS,
  EventStore,
} from "../../lib/events/event_store.ts";
import { type LiveEvent, streamEvent } from "../../lib/wire/events.ts";
import { noteEvent } from "../../lib/events/note_event.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { openDatabase } from "../../lib/sqlite/open.ts";
import { StoreHealth } from "../../lib/sqlite/store_health.ts";
import { SecretValues } from "../../lib/security/secret_values.ts";

interface Rig {
  path: string;
  open: () => DatabaseSync;
  log: ReturnType<typeof createMemoryLogger>;
  health: StoreHealth;
  bus: (store: EventStore | null, options?: Partial<BusOptions>) => Bus;
}

/** A temp dir with the events file path, a logger and health; cleans up after `fn`. */
function withRig(fn: (rig: Rig) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = Deno.makeTempDirSync({ prefix: "bus_test_" });
    const path = join(dir, "hyperhive-events.sqlite");
    const log = createMemoryLogger();
    const health = new StoreHealth(log);
    health.register("events", path);
    const buses: Bus[] = [];
    const rig: Rig = {
      path,
      open: () =>
        openDatabase(path, EVENT_STORE_MIGRATIONS, { busyTimeoutMs: 20 }),
      log,
      health,
      bus: (store, options = {}) => {
        const bus = new Bus({ store, health, log, ...options });
        buses.push(bus);
        return bus;
      },
    };
    try {
      await fn(rig);
    } finally {
      for (const bus of buses) bus.close();
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

const note = (text: string): LiveEvent => ({ kind: "note", text });

Deno.test(
  "Bus.emit() stamps seq from 1 and encodes the event once for every listener",
  withRig(({ bus }) => {
    const b = bus(null);
    const seen: [number, string][] = [];
    const unsubscribe = b.subscribe((event, json) =>
      seen.push([event.seq, json])
    );
    const first = b.emit(note("a"));
    b.emit({ kind: "model_changed", model: "opus" });
    unsubscribe();
    b.emit(note("not seen"));
    assert.deepEqual(first, { seq: 1, kind: "note", text: "a" });
    assert.deepEqual(seen, [
      [1, '{"seq":1,"kind":"note","text":"a"}'],
      [2, '{"seq":2,"kind":"model_changed","model":"opus"}'],
    ]);
    assert.equal(b.currentSeq(), 3);
  }),
);

Deno.test(
  "Bus.emit() keeps the bus's seq over one the event carries",
  withRig(({ bus }) => {
    const b = bus(null);
    const odd = { kind: "stream", seq: 99, type: "x" } as LiveEvent;
    assert.equal(b.emit(odd).seq, 1);
    const wrapped = b.emit(
      streamEvent({ seq: 7, kind: "k", type: "assistant" }),
    );
    assert.deepEqual(wrapped, {
      seq: 2,
      kind: "stream",
      type: "assistant",
      stream_seq: 7,
      stream_kind: "k",
    });
  }),
);

Deno.test(
  "Bus.emit() turns an event that cannot be serialized into a note naming its kind",
  withRig(({ bus, open }) => {
    const store = new EventStore(open());
    const b = bus(store);
    const cyclic: Record<string, unknown> = { type: "assistant" };
    cyclic.self = cyclic;
    const seen: string[] = [];
    b.subscribe((_event, json) => seen.push(json));
    const big = b.emit(streamEvent({ type: "result", n: 10n }));
    const cycle = b.emit(streamEvent(cyclic));
    assert.equal(big.kind, "note");
    assert.equal(big.seq, 1);
    assert.match(
      (big as { text: string }).text,
      /^Cannot serialize stream event: .*BigInt/,
    );
    assert.match(
      (cycle as { text: string }).text,
      /^Cannot serialize stream event: .*circular/i,
    );
    b.flush();
    assert.deepEqual(store.recent(10).map((r) => r.payload_json), seen);
    assert.deepEqual(store.recent(10).map((r) => r.kind), ["note", "note"]);
    store.close();
  }),
);

Deno.test(
  "Bus resumes above the previous boot's seqs even when its last batch never reached the file",
  withRig(({ bus, open }) => {
    const first = new EventStore(open());
    const boot1 = bus(first, { flushIntervalMs: 0, bootId: "boot-1" });
    for (let i = 0; i < 3; i++) boot1.emit(note(`kept ${i}`));
    boot1.flush();
    for (let i = 0; i < 4; i++) boot1.emit(note(`lost ${i}`));
    assert.equal(boot1.currentSeq(), 7);
    // A crash: the pending batch is never written.
    first.close();

    const second = new EventStore(open());
    const boot2 = bus(second, { bootId: "boot-2" });
    assert.ok(boot2.currentSeq() >= 7, `${boot2.currentSeq()}`);
    const next = boot2.emit(note("after restart"));
    assert.equal(next.seq, SEQ_BLOCK + 1);
    boot2.flush();
    assert.deepEqual(
      second.recent(10).map((r) => [r.seq, r.boot_id]),
      [[1, "boot-1"], [2, "boot-1"], [3, "boot-1"], [SEQ_BLOCK + 1, "boot-2"]],
    );
    // History spans boots; replay does not: boot 1's ids get a reset.
    const history = boot2.history(10);
    assert.equal(history.seq, SEQ_BLOCK + 1);
    assert.equal(history.events.length, 4);
    assert.equal(boot2.replaySince(3), null);
    assert.deepEqual(boot2.replaySince(SEQ_BLOCK), null);
    assert.deepEqual(boot2.replaySince(SEQ_BLOCK + 1), []);
    second.close();
  }),
);

Deno.test(
  "Bus reserves the next seq block before crossing the reservation",
  withRig(({ bus, open }) => {
    const store = new EventStore(open());
    const b = bus(store, { flushIntervalMs: 0, ringCapacity: 10 });
    b.emit(note("1"));
    assert.equal(store.reservedSeq(), SEQ_BLOCK);
    for (let i = 1; i < SEQ_BLOCK; i++) b.emit(note("x"));
    assert.equal(store.reservedSeq(), SEQ_BLOCK);
    b.emit(note("crossing"));
    assert.equal(store.reservedSeq(), 2 * SEQ_BLOCK);
    store.close();
  }),
);

Deno.test(
  "Bus.replaySince() serves exactly this boot's events after the id, else null",
  withRig((rig) => {
    const b = rig.bus(null, { ringCapacity: 5 });
    assert.equal(b.replaySince(0), null); // nothing emitted: any id is foreign
    for (let i = 1; i <= 3; i++) b.emit(note(`${i}`));
    t(b.replaySince(1), ["2", "3"]);
    t(b.replaySince(3), []);
    assert.equal(b.replaySince(0), null); // before this boot
    assert.equal(b.replaySince(4), null); // newer than now
    assert.equal(b.replaySince(1.5), null);
    for (let i = 4; i <= 8; i++) b.emit(note(`${i}`));
    // The ring holds 4..8: id 3 still gets exactly 4..8, id 2 would miss 3.
    t(b.replaySince(3), ["4", "5", "6", "7", "8"]);
    assert.equal(b.replaySince(2), null);

    function t(replay: string[] | null, texts: string[]): void {
      assert.deepEqual(replay?.map((json) => JSON.parse(json).text), texts);
    }
  }),
);

Deno.test(
  "Bus.history() merges stored rows of earlier boots, the ring and rows not yet written",
  withRig(({ bus, open }) => {
    const store = new EventStore(open());
    const boot1 = bus(store, { bootId: "boot-1" });
    boot1.emit(note("old 1"));
    boot1.emit(note("old 2"));
    boot1.close();
    const boot2 = bus(store, {
      bootId: "boot-2",
      flushIntervalMs: 0,
      ringCapacity: 2,
    });
    for (let i = 1; i <= 3; i++) boot2.emit(note(`new ${i}`));
    boot2.flush();
    for (let i = 4; i <= 6; i++) boot2.emit(note(`new ${i}`)); // pending; the ring has 5, 6
    const texts = (limit: number) =>
      boot2.history(limit).events.map((json) => JSON.parse(json).text);
    assert.deepEqual(texts(2000), [
      "old 1",
      "old 2",
      "new 1",
      "new 2",
      "new 3",
      "new 4",
      "new 5",
      "new 6",
    ]);
    assert.deepEqual(texts(4), ["new 3", "new 4", "new 5", "new 6"]);
    assert.deepEqual(texts(1), ["new 6"]);
    assert.throws(() => boot2.history(0), RangeError);
    assert.throws(() => boot2.history(2001), RangeError);
    store.close();
  }),
);

Deno.test(
  "Bus keeps the newest 2000 events in the file, and a restart's history shows them",
  withRig(({ bus, open }) => {
    const store = new EventStore(open());
    const boot1 = bus(store, { flushIntervalMs: 0 });
    for (let i = 1; i <= 2500; i++) boot1.emit(note(`${i}`));
    boot1.close();
    const boot2 = bus(store);
    const { events } = boot2.history(2000);
    assert.equal(events.length, 2000);
    assert.equal(JSON.parse(events[0]!).seq, 501);
    assert.equal(JSON.parse(events.at(-1)!).seq, 2500);
    store.close();
  }),
);

Deno.test(
  "Bus writes rows in batches: after flushIntervalMs, or at maxBatch pending",
  withRig(async ({ bus, open }) => {
    const store = new EventStore(open());
    const timed = bus(store, { flushIntervalMs: 10 });
    timed.emit(note("a"));
    assert.equal(store.recent(10).length, 0);
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(store.recent(10).length, 1);
    timed.close();
    const counted = bus(store, { flushIntervalMs: 0, maxBatch: 3 });
    counted.emit(note("b"));
    counted.emit(note("c"));
    assert.equal(store.recent(10).length, 1);
    counted.emit(note("d"));
    assert.equal(store.recent(10).length, 4);
    store.close();
  }),
);

Deno.test(
  "Bus delivers events emitted by a listener after the current one, in seq order",
  withRig(({ bus }) => {
    const b = bus(null);
    const order: string[] = [];
    b.subscribe((event) => {
      if (event.seq === 1) b.emit(note("nested"));
    });
    b.subscribe((event) => order.push(`${event.seq}`));
    b.subscribe(() => {
      throw new Error("listener bug");
    });
    b.emit(note("outer"));
    assert.deepEqual(order, ["1", "2"]);
  }),
);

for (
  const [name, breakIt, mendIt] of [
    [
      "read-only",
      (db: DatabaseSync) => db.exec("PRAGMA query_only = ON"),
      (db: DatabaseSync) => db.exec("PRAGMA query_only = OFF"),
    ],
    [
      "locked",
      (_db: DatabaseSync, other: DatabaseSync) => other.exec("BEGIN EXCLUSIVE"),
      (_db: DatabaseSync, other: DatabaseSync) => other.exec("COMMIT"),
    ],
  ] as const
) {
  Deno.test(
    `Bus goes on when the events file is ${name}: counted, logged once, and recovers`,
    withRig(({ bus, open, health, log }) => {
      const db = open();
      const other = open();
      const store = new EventStore(db);
      const b = bus(store, { flushIntervalMs: 0 });
      const seen: number[] = [];
      b.subscribe((event) => seen.push(event.seq));
      b.emit(note("before"));
      b.flush();
      breakIt(db, other);
      for (let i = 0; i < 3; i++) {
        b.emit(note(`during ${i}`));
        b.flush();
      }
      assert.deepEqual(seen, [1, 2, 3, 4]);
      const failing = health.report().events!;
      assert.equal(failing.ok, false);
      assert.equal(failing.failures, 3);
      assert.equal(log.records.filter((r) => r.level === "error").length, 1);
      assert.equal(b.droppedEvents, 3); // 3 attempts, then the batch is dropped
      assert.deepEqual(b.history(10).events.length, 4); // the ring still has them
      mendIt(db, other);
      b.emit(note("after"));
      b.flush();
      assert.equal(health.report().events!.ok, true);
      assert.ok(log.records.some((r) => r.msg === "events store recovered"));
      assert.deepEqual(store.recent(10).map((r) => r.seq), [1, 5]);
      other.close();
      store.close();
    }),
  );
}

Deno.test(
  "Bus goes on when the events file is deleted, and writes a fresh one",
  withRig(({ bus, path, open, health, log }) => {
    const store = new EventStore(open(), { reopen: { path, open } });
    const b = bus(store, { flushIntervalMs: 0 });
    b.emit(note("before"));
    b.flush();
    for (const suffix of ["", "-wal", "-shm"]) Deno.removeSync(path + suffix);
    b.emit(noteEvent("while gone"));
    b.flush();
    assert.equal(health.report().events!.ok, false);
    assert.equal(log.records.filter((r) => r.level === "error").length, 1);
    b.flush(); // the retry writes to the new file
    assert.equal(health.report().events!.ok, true);
    assert.deepEqual(store.recent(10).map((r) => r.seq), [2]);
    // The new file holds the reservation again, so a restart still starts above it.
    assert.equal(store.reservedSeq(), SEQ_BLOCK);
    store.close();
  }),
);

Deno.test(
  "Bus.emit() redacts every known secret before it is kept, stored, replayed or heard",
  withRig(({ bus, open }) => {
    const secrets = new SecretValues();
    const b = bus(new EventStore(open()), { secrets });
    const heard: [unknown, string][] = [];
    b.subscribe((event, json) => heard.push([event, json]));
    const key = "sk-ant-api03-abcdefghijklmnop";
    b.emit(note(`before it was saved: ${key}`));
    secrets.add(key);
    b.emit({
      kind: "stream",
      type: "user",
      message: { content: [{ type: "tool_result", content: `KEY=${key}\n` }] },
    } as LiveEvent);
    b.flush();
    const [event, json] = heard[1]!;
    assert.equal(json.includes(key), false);
    assert.match(json, /KEY=\[redacted\]\\n/);
    assert.equal(
      JSON.stringify(event),
      json,
      "listeners get the redacted event",
    );
    assert.equal(b.history(10).events[1], json);
    assert.deepEqual(b.replaySince(1), [json]);
    const stored = open().prepare(
      "SELECT payload_json FROM events ORDER BY seq",
    )
      .all().map((row) => String(row.payload_json));
    assert.equal(stored[1], json);
    assert.ok(stored[0]!.includes(key), "only what is known can be redacted");
  }),
);
