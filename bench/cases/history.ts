/**
 * @module History: server time of `GET /events/history?limit=2000` (the route, through Hono, body
 * read to its end) against the raw floor: one query of the stored JSON and a splice of it into the
 * response text. The events are of a previous boot, so the route reads the file, not the ring (a
 * page opened after a restart: the slow path).
 */
import { join } from "node:path";
import { Bus } from "../../lib/events/bus.ts";
import {
  EVENT_STORE_MIGRATIONS,
  EventStore,
} from "../../lib/events/event_store.ts";
import type { LiveEvent } from "../../lib/wire/events.ts";
import { createApp } from "../../lib/http/app.ts";
import { createEventRoutes } from "../../lib/http/events_routes.ts";
import { openDatabase } from "../../lib/sqlite/open.ts";
import { SseHub } from "../../lib/events/sse_hub.ts";
import { StoreHealth } from "../../lib/sqlite/store_health.ts";
import { streamLine } from "../fixtures/stream_mix.ts";
import { benchLogger } from "../harness_setup.ts";
import { type BenchCase, median, row } from "../measure.ts";

/** The history case. */
export const historyCase: BenchCase = {
  name: "history",
  async run(context) {
    const rounds = context.quick ? 5 : 60;
    const path = join(
      await Deno.makeTempDir({ dir: context.tmp, prefix: "history-" }),
      "events.sqlite",
    );
    const log = benchLogger();
    const health = new StoreHealth(log);
    // A previous boot fills the file.
    const before = new EventStore(openDatabase(path, EVENT_STORE_MIGRATIONS));
    const old = new Bus({ store: before, health, log, flushIntervalMs: 0 });
    for (let i = 0; i < 2500; i++) {
      const { type, ...rest } = JSON.parse(streamLine(i));
      old.emit({ kind: "stream", type, ...rest } as LiveEvent);
    }
    old.close();
    before.close();

    const db = openDatabase(path, EVENT_STORE_MIGRATIONS);
    const store = new EventStore(db);
    const bus = new Bus({ store, health, log, flushIntervalMs: 0 });
    const hub = new SseHub({ log, keepAliveMs: 0 });
    bus.subscribe((event, json) => hub.publish(event.seq, json));
    // Mounted as the harness mounts it: guards, then the router.
    const app = createApp({
      log,
      uiToken: undefined,
      routers: [createEventRoutes({ bus, hub, log })],
      alive: () => true,
    });
    const raw = db.prepare(
      "SELECT payload_json FROM events ORDER BY id DESC LIMIT ?",
    );
    const route: number[] = [];
    const floor: number[] = [];
    let routeBytes = 0;
    let floorBytes = 0;
    try {
      for (let i = 0; i < rounds; i++) {
        let started = performance.now();
        const response = await app.request("/events/history?limit=2000");
        routeBytes = (await response.text()).length;
        route.push(performance.now() - started);

        started = performance.now();
        const rows = raw.all(2000) as { payload_json: string }[];
        const texts = new Array<string>(rows.length);
        for (let j = 0; j < rows.length; j++) {
          texts[j] = rows[rows.length - 1 - j]!.payload_json;
        }
        floorBytes =
          `{"seq":${bus.currentSeq()},"events":[${texts.join(",")}]}`.length;
        floor.push(performance.now() - started);
      }
    } finally {
      bus.close();
      store.close();
    }
    // The first rounds warm the JIT and sqlite's cache for both; medians of the rest.
    const warm = Math.min(5, rounds - 1);
    const figure = median(route.slice(warm));
    const baseline = median(floor.slice(warm));
    return [row(context, {
      name: "history of 2000, server time",
      figure,
      unit: "ms",
      baseline,
      target: "≤ 2×",
      pass: figure / baseline <= 2,
      note: `${(routeBytes / 1024 / 1024).toFixed(1)} MB body (floor ${
        (floorBytes / 1024 / 1024).toFixed(1)
      } MB), median of ${rounds - warm}`,
      details: { route, floor },
    })];
  },
};
