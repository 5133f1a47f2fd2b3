/**
 * Every store opens a file left at any past `user_version` and goes on reading and writing it.
 * Each past version is built from the frozen steps themselves (steps 1..k only), seeded with a
 * row through SQL that step 1 already accepts, then opened with today's code as the harness
 * opens it. A column added to the code without a migration step fails here.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import {
  migrate,
  type Migration,
  schemaVersion,
} from "../../lib/sqlite/migrate.ts";
import { openDatabase } from "../../lib/sqlite/open.ts";
import {
  EVENT_STORE_MIGRATIONS,
  EventStore,
} from "../../lib/events/event_store.ts";
import {
  TURN_STATS_COLUMNS,
  TURN_STATS_MIGRATIONS,
} from "../../lib/stats/turn_stats_schema.ts";
import { TurnStatsStore } from "../../lib/stats/turn_stats_store.ts";
import { BROKER_MIGRATIONS } from "../../lib/broker/broker_schema.ts";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { turnStatsRow } from "../fixtures/turn_stats_row.ts";

const NOW_MS = 1_800_000_000_000;

/** A store, the row a past version holds, and what today's code must do with the file. */
interface StoreCase {
  name: string;
  migrations: readonly Migration[];
  /** Literal SQL inserting one row; valid at every version from 1 on. */
  seed: string;
  /** Open the file with today's code, write, and read back (the seeded row too, if any). */
  check(path: string, seeded: boolean): Promise<void>;
}

const STORES: StoreCase[] = [
  {
    name: "events",
    migrations: EVENT_STORE_MIGRATIONS,
    seed: `INSERT INTO events (ts, kind, payload_json)
      VALUES (1700000000, 'note', '{"kind":"note","text":"from the past"}')`,
    check(path, seeded) {
      const db = openDatabase(path, EVENT_STORE_MIGRATIONS);
      try {
        assert.equal(schemaVersion(db), EVENT_STORE_MIGRATIONS.length);
        const store = new EventStore(db);
        store.appendBatch([{
          ts: 1_800_000_000,
          kind: "note",
          "payload_json": '{"seq":7,"kind":"note","text":"today"}',
          seq: 7,
          "boot_id": "boot-today",
        }]);
        store.reserveSeq(50);
        const rows = store.recent(10);
        assert.deepEqual(
          rows.map((row) => [row.kind, row.seq, row.boot_id]),
          [
            ...(seeded ? [["note", null, null]] : []),
            ["note", 7, "boot-today"],
          ],
        );
        assert.equal(store.maxSeq(), 7);
        assert.equal(store.reservedSeq(), 50);
      } finally {
        db.close();
      }
      return Promise.resolve();
    },
  },
  {
    name: "turn stats",
    migrations: TURN_STATS_MIGRATIONS,
    seed: `INSERT INTO turn_stats (agent, role, model, wake_from, result_kind,
      started_at, ended_at, duration_ms) VALUES ('alice', 'agent', 'haiku', 'bob', 'ok',
      1700000000, 1700000005, 5000)`,
    check(path, seeded) {
      const db = openDatabase(path, TURN_STATS_MIGRATIONS);
      try {
        assert.equal(schemaVersion(db), TURN_STATS_MIGRATIONS.length);
        // Every column the code writes is in the upgraded table: none left to a missing step.
        const columns = (db.prepare("PRAGMA table_info(turn_stats)").all() as {
          name: string;
        }[]).map((column) => column.name);
        assert.deepEqual(
          [...columns].sort(),
          ["id", ...TURN_STATS_COLUMNS].sort(),
        );
        const store = new TurnStatsStore(db, { owner: "today" });
        const row = turnStatsRow({
          "started_at": 1_800_000_000,
          "ended_at": 1_800_000_009,
          "last_input_tokens": 12,
          "open_threads_count": 1,
          "tool_call_breakdown_json": '{"Bash":1}',
          "tool_call_count": 1,
        });
        const id = store.record(row, store.beginTurn(row));
        assert.deepEqual(store.recoverInterrupted(1_800_000_010), []);
        const listed = store.list({ limit: 10 });
        assert.deepEqual(listed[0], { id, ...row });
        assert.deepEqual(
          listed.slice(1).map((old) => [old.wake_from, old.duration_ms]),
          seeded ? [["bob", 5000]] : [],
        );
      } finally {
        db.close();
      }
      return Promise.resolve();
    },
  },
  {
    name: "broker",
    migrations: BROKER_MIGRATIONS,
    seed: `INSERT INTO messages ("from", "to", body, sent_at)
      VALUES ('carol', 'alice', 'from the past', 1700000000)`,
    async check(path, seeded) {
      const broker = openEmbeddedBroker(path, {
        log: createMemoryLogger(),
        now: () => NOW_MS,
        schedule: false,
      });
      try {
        await broker.addAgent("alice");
        await broker.send("bob", "alice", "today");
        await broker.ask("alice", {
          question: "ship it?",
          options: ["yes", "no"],
          multi: false,
          ttlSeconds: null,
          target: "operator",
        });
        await broker.remind("alice", "stand-up", { delaySeconds: 60 });
        const bodies: string[] = [];
        for (;;) {
          const wakeup = await broker.nextWakeup("alice", { waitMs: 0 });
          if (wakeup === null) break;
          bodies.push(wakeup.body);
          await broker.markDelivered("alice", wakeup.id);
        }
        assert.deepEqual(bodies, [
          ...(seeded ? ["from the past"] : []),
          "today",
        ]);
        const recent = await broker.recent("alice", 10);
        assert.ok(recent.every((message) => message.delivered_at !== null));
        assert.equal(await broker.countPendingReminders("alice"), 1);
        const looseEnds = await broker.looseEnds("alice");
        assert.deepEqual(
          looseEnds.questions.map((question) => question.question),
          ["ship it?"],
        );
      } finally {
        await broker.close();
      }
      const db = new DatabaseSync(path);
      try {
        assert.equal(schemaVersion(db), BROKER_MIGRATIONS.length);
      } finally {
        db.close();
      }
    },
  },
];

for (const store of STORES) {
  Deno.test(`the ${store.name} store reads and writes a file left at every past user_version`, async (t) => {
    for (let version = 0; version <= store.migrations.length; version++) {
      await t.step(`user_version ${version}`, async () => {
        const dir = await Deno.makeTempDir({ prefix: "upgrade-" });
        try {
          const path = join(dir, "store.sqlite");
          const past = new DatabaseSync(path);
          try {
            migrate(past, store.migrations.slice(0, version));
            assert.equal(schemaVersion(past), version);
            if (version > 0) past.exec(store.seed);
          } finally {
            past.close();
          }
          await store.check(path, version > 0);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      });
    }
  });
}
