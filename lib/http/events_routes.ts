/**
 * @module The event routes of SPEC §6: `GET /events/stream` (SSE, with `Last-Event-ID` replay
 * from the bus's ring: no gap, no duplicate, else `reset`) and `GET /events/history`. Both send
 * the JSON text the bus made once, never re-serializing an event. History goes compressed (br or
 * gzip) to a client that accepts it.
 */
import { Hono } from "hono";
import {
  COMPRESS_MIN_BYTES,
  compressBody,
  pickEncoding,
} from "./compression.ts";
import { HTTPException } from "hono/http-exception";
import type { Bus } from "../events/bus.ts";
import { EVENTS_KEPT } from "../wire/events.ts";
import type { Logger } from "../log.ts";
import {
  encodeSseComment,
  encodeSseEvent,
  type SseHub,
} from "../events/sse_hub.ts";

/** What {@linkcode createEventRoutes} needs. */
export interface EventRoutesDeps {
  bus: Bus;
  hub: SseHub;
  log: Logger;
}

const HELLO_FRAME = encodeSseComment("connected");
const RESET_FRAME = encodeSseEvent(null, '{"kind":"reset"}');

/**
 * The `/events/*` router. It only routes: the hub is fed by the bus where both are built (the
 * composition root subscribes it), so each event is encoded once for every client.
 */
export function createEventRoutes(deps: EventRoutesDeps): Hono {
  const { bus, hub, log } = deps;
  const app = new Hono();

  // Not hono's streamSSE: it writes (and encodes) per client and per event, while the hub writes
  // one encoded frame to every client and bounds each client's queue.
  app.get("/events/stream", (c) => {
    const lastId = readLastEventId(
      c.req.header("last-event-id") ?? c.req.query("last_event_id"),
    );
    // Joining the hub and reading the ring happen in one synchronous step, so no event falls in
    // between; the client drops any frame at or below the last seq replayed.
    // No request.signal: Deno cancels the body when the client goes, which drops it from the hub.
    const client = hub.open();
    client.sendFrame(HELLO_FRAME);
    if (lastId !== undefined) {
      const replay = lastId === null ? null : bus.replaySince(lastId);
      if (replay === null || lastId === null) {
        client.sendFrame(RESET_FRAME);
      } else {
        replay.forEach((json, i) => client.sendEvent(lastId + 1 + i, json));
      }
      log.debug("SSE client reconnected", {
        last_event_id: lastId,
        replayed: replay?.length ?? null,
      });
    }
    return new Response(client.stream, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        // Proxies such as nginx would otherwise buffer the stream.
        "x-accel-buffering": "no",
      },
    });
  });

  app.get("/events/history", async (c) => {
    const limit = parseLimit(c.req.query("limit"));
    const { seq, events } = bus.history(limit);
    // The stored event text is spliced in as it is: parsing it again costs ~2× (issue 7).
    const body = `{"seq":${seq},"events":[${events.join(",")}]}`;
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=UTF-8",
      "vary": "accept-encoding",
    };
    const encoding = pickEncoding(c.req.header("accept-encoding"));
    if (encoding === null || body.length < COMPRESS_MIN_BYTES) {
      return c.body(body, 200, headers);
    }
    // ~1.9 MB of JSON at the cap goes as ~0.1 MB: the page loads it over slow links in time.
    const compressed = await compressBody(body, encoding);
    return c.body(compressed, 200, {
      ...headers,
      "content-encoding": encoding,
    });
  });

  return app;
}

/** undefined = none given; null = given but not a seq (gets a reset); else the seq. */
function readLastEventId(value: string | undefined): number | null | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const text = value.trim();
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return EVENTS_KEPT;
  const limit = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= EVENTS_KEPT)) {
    throw new HTTPException(400, {
      message: `limit: must be an integer from 1 to ${EVENTS_KEPT}`,
    });
  }
  return limit;
}
