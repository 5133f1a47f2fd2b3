/**
 * @module The host page's routes on `hive-harness hive --port` (SPEC §11): `GET /api/agents`,
 * `GET /api/questions`, `POST /api/questions/:id/answer {answer}` (the asker wakes with it),
 * `POST /api/agents/:name/pause`, `/resume`, `/budget {daily_usd|null}`, and the page's live
 * stream `GET /events/stream` (a `fleet` snapshot whenever something changed).
 */
import { Hono } from "hono";
import type { BrokerApi } from "../broker/broker_api.ts";
import { encodeSseComment, type SseHub } from "../events/sse_hub.ts";
import { type FleetFeed, readAgents } from "../fleet/fleet_view.ts";
import { readDailyUsd } from "./control_routes.ts";
import { readJsonObject, requireId, requireString } from "./json_body.ts";
import { HTTPException } from "hono/http-exception";
import { AGENT_NAME_PATTERN } from "../broker/broker_api.ts";

/** What the fleet routes need. */
export interface FleetRoutesDeps {
  broker: Pick<
    BrokerApi,
    "fleet" | "allOpenQuestions" | "answerQuestion" | "requestControl"
  >;
  feed: FleetFeed;
  hub: SseHub;
  now?: () => number;
}

const HELLO_FRAME = encodeSseComment("connected");

/** The host page's JSON and stream routes. */
export function createFleetRoutes(deps: FleetRoutesDeps): Hono {
  const app = new Hono();
  const now = deps.now ?? Date.now;
  const agentName = (name: string) => {
    if (!AGENT_NAME_PATTERN.test(name)) {
      throw new HTTPException(400, { message: "name: not an agent name" });
    }
    return name;
  };
  const controlled = async (name: string) => {
    await deps.feed.refresh();
    return { ok: true, agent: name };
  };

  app.get(
    "/api/agents",
    async (c) => c.json({ agents: await readAgents(deps.broker, now()) }),
  );

  app.get(
    "/api/questions",
    async (c) => c.json({ questions: await deps.broker.allOpenQuestions() }),
  );

  app.post("/api/questions/:id/answer", async (c) => {
    const id = requireId(c.req.param("id"), "id");
    const answer = requireString(await readJsonObject(c), "answer", 16 * 1024);
    await deps.broker.answerQuestion(id, answer);
    await deps.feed.refresh();
    return c.json({ ok: true });
  });

  app.post("/api/agents/:name/pause", async (c) => {
    const name = agentName(c.req.param("name"));
    await readJsonObject(c);
    await deps.broker.requestControl(name, { action: "pause" });
    return c.json(await controlled(name));
  });

  app.post("/api/agents/:name/resume", async (c) => {
    const name = agentName(c.req.param("name"));
    await readJsonObject(c);
    await deps.broker.requestControl(name, { action: "resume" });
    return c.json(await controlled(name));
  });

  app.post("/api/agents/:name/budget", async (c) => {
    const name = agentName(c.req.param("name"));
    const dailyUsd = readDailyUsd(await readJsonObject(c));
    await deps.broker.requestControl(name, {
      action: "budget",
      "daily_usd": dailyUsd,
    });
    return c.json(await controlled(name));
  });

  app.get("/events/stream", async () => {
    // Joined before the latest snapshot is read, so none published meanwhile is missed; the
    // page keeps the snapshot with the highest id.
    const client = deps.hub.open();
    client.sendFrame(HELLO_FRAME);
    const [seq, json] = await deps.feed.latest();
    client.sendEvent(seq, json);
    return new Response(client.stream, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
  });

  return app;
}
