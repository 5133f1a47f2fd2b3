import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  EVENT_STORE_MIGRATIONS,
  type EventRow,
  EventStore,
  storedEventText,
} from "../../lib/events/event_store.ts";
import { hasColumn, schemaVersion } from "../../lib/sqlite/migrate.ts";
import { openDatabase } from "../../lib/sqlite/open.ts";

/** The DDL of the Rust harness (hive-ag3nt), verbatim: no user_version. */
const RUST_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
id INTEGER PRIMARY KEY AUTOINCREMENT,
ts INTEGER NOT NULL,
kind TEXT NOT NULL,
payload_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_events_ts ON events (ts);
`;

function row(seq: number, bootId = "boot-a"): EventRow {
  return {
    ts: 1_700_000_000 + seq,
    kind: "note",
    payload_json: JSON.stringify({ seq, kind: "note", text: `n${seq}` }),
    seq,
    boot_id: bootId,
  };
}

function withFile(fn: (path: string) => void): () => void {
  return () => {
    const dir = Deno.makeTempDirSync({ prefix: "event_store_test_" });
    try {
      fn(join(dir, "hyperhive-events.sqlite"));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

Deno.test(
  "EventStore migrations create the events table with seq, boot_id and meta",
  withFile((path) => {
    const db = openDatabase(path, EVENT_STORE_MIGRATIONS);
    try {
      assertEqualsVersion(db, 2);
      for (
        const column of ["id", "ts", "kind", "payload_json", "seq", "boot_id"]
      ) {
        assert.ok(hasColumn(db, "events", column), column);
      }
      assert.ok(hasColumn(db, "meta", "value"));
      const indexes = db.prepare("PRAGMA index_list(events)").all()
        .map((index) => index.name);
      assert.ok(indexes.includes("idx_events_ts"));
      assert.ok(!indexes.includes("idx_events_seq"), "dropped by migration 2");
    } finally {
      db.close();
    }
  }),
);

Deno.test(
  "EventStore adopts a file written by the Rust harness, rows and all",
  withFile((path) => {
    const rust = new DatabaseSync(path);
    rust.exec(RUST_SCHEMA);
    const insert = rust.prepare(
      "INSERT INTO events (ts, kind, payload_json) VALUES (?, ?, ?)",
    );
    insert.run(
      1_700_000_000,
      "turn_start",
      '{"kind":"turn_start","from":"operator","body":"hi","unread":0}',
    );
    insert.run(1_700_000_001, "note", "null"); // how the Rust harness stored every note
    insert.run(1_700_000_002, "note", '{"kind":"note","text":"x"}');
    rust.close();

    const db = openDatabase(path, EVENT_STORE_MIGRATIONS);
    try {
      assertEqualsVersion(db, 2);
      const store = new EventStore(db);
      const old = store.recent(10);
      assert.deepEqual(old.map((r) => [r.id, r.kind, r.seq, r.boot_id]), [
        [1, "turn_start", null, null],
        [2, "note", null, null],
        [3, "note", null, null],
      ]);
      assert.equal(store.maxSeq(), 0);
      assert.equal(store.reservedSeq(), 0);
      assert.deepEqual(old.map(storedEventText), [
        '{"seq":0,"kind":"turn_start","from":"operator","body":"hi","unread":0}',
        null,
        '{"seq":0,"kind":"note","text":"x"}',
      ]);
      store.appendBatch([row(1)]);
      assert.deepEqual(store.recent(2).map((r) => [r.id, r.seq, r.boot_id]), [
        [3, null, null],
        [4, 1, "boot-a"],
      ]);
    } finally {
      db.close();
    }
    // A second open is a no-op: the step ran once.
    const again = openDatabase(path, EVENT_STORE_MIGRATIONS);
    try {
      assertEqualsVersion(again, 2);
      assert.equal(new EventStore(again).recent(10).length, 4);
    } finally {
      again.close();
    }
  }),
);

Deno.test(
  "EventStore.appendBatch() keeps only the newest 2000 rows",
  withFile((path) => {
    const db = openDatabase(path, EVENT_STORE_MIGRATIONS);
    try {
      const store = new EventStore(db);
      let seq = 0;
      for (let batch = 0; batch < 10; batch++) {
        store.appendBatch(Array.from({ length: 250 }, () => row(++seq)));
      }
      const count = db.prepare("SELECT COUNT(*) AS n FROM events").get();
      assert.equal(count?.n, 2000);
      const rows = store.recent(2000);
      assert.equal(rows[0]?.seq, 501);
      assert.equal(rows.at(-1)?.seq, 2500);
      assert.equal(store.maxSeq(), 2500);
      assert.equal(store.recent(3).map((r) => r.seq).join(), "2498,2499,2500");
    } finally {
      db.close();
    }
  }),
);

Deno.test(
  "EventStore.appendBatch() writes all rows of a batch or none",
  withFile((path) => {
    const db = openDatabase(path, EVENT_STORE_MIGRATIONS);
    try {
      const store = new EventStore(db, { capacity: 5 });
      const bad = { ...row(2), kind: null } as unknown as EventRow;
      assert.throws(() => store.appendBatch([row(1), bad]), /NOT NULL/);
      assert.equal(store.recent(10).length, 0);
      store.appendBatch([row(1)]);
      assert.equal(store.recent(10).length, 1);
    } finally {
      db.close();
    }
  }),
);

Deno.test(
  "EventStore.reserveSeq() only ever raises the reservation",
  withFile((path) => {
    const db = openDatabase(path, EVENT_STORE_MIGRATIONS);
    try {
      const store = new EventStore(db);
      assert.equal(store.reservedSeq(), 0);
      store.reserveSeq(10_000);
      store.reserveSeq(500);
      assert.equal(store.reservedSeq(), 10_000);
      store.reserveSeq(20_000);
      assert.equal(new EventStore(db).reservedSeq(), 20_000);
    } finally {
      db.close();
    }
  }),
);

Deno.test(
  "EventStore notices its file was deleted, says so once, then writes a fresh file",
  withFile((path) => {
    const open = () => openDatabase(path, EVENT_STORE_MIGRATIONS);
    const store = new EventStore(open(), { reopen: { path, open } });
    try {
      store.appendBatch([row(1)]);
      for (const suffix of ["", "-wal", "-shm"]) Deno.removeSync(path + suffix);
      assert.throws(
        () => store.appendBatch([row(2)]),
        /was deleted or replaced/,
      );
      store.appendBatch([row(2)]);
      assert.deepEqual(store.recent(10).map((r) => r.seq), [2]);
      assert.ok(Deno.statSync(path).isFile);
    } finally {
      store.close();
    }
  }),
);

Deno.test("EventStore rejects a capacity below 1", () => {
  const db = new DatabaseSync(":memory:");
  try {
    assert.throws(() => new EventStore(db, { capacity: 0 }), RangeError);
  } finally {
    db.close();
  }
});

function assertEqualsVersion(db: DatabaseSync, version: number): void {
  assert.equal(schemaVersion(db), version);
}
