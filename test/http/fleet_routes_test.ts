/**
 * The host page's routes (SPEC §11) on a real broker: agents and questions listed, a question
 * answered (the asker gets it as a `system` message), controls queued for the agent's harness —
 * and bad input refused with a 4xx naming the field, queuing nothing. The token, Origin and Host
 * rules are the agent page's.
 */
import assert from "node:assert/strict";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";
import { SseHub } from "../../lib/events/sse_hub.ts";
import { createApp } from "../../lib/http/app.ts";
import { createFleetRoutes } from "../../lib/http/fleet_routes.ts";
import { createHivePageRoutes } from "../../lib/http/hive_page_routes.ts";
import { FleetFeed } from "../../lib/fleet/fleet_view.ts";
import { createMemoryLogger } from "../../lib/log.ts";

async function withHostApp(
  fn: (
    request: (path: string, init?: RequestInit) => Promise<Response>,
    broker: ReturnType<typeof openEmbeddedBroker>,
  ) => Promise<void>,
  uiToken?: string,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fleet-routes-" });
  const log = createMemoryLogger();
  const broker = openEmbeddedBroker(`${dir}/hyperhive-broker.sqlite`, { log });
  const hub = new SseHub({ log });
  const feed = new FleetFeed({ broker, hub, log });
  const app = createApp({
    log,
    uiToken,
    alive: () => true,
    routers: [
      createFleetRoutes({ broker, feed, hub }),
      createHivePageRoutes(),
    ],
  });
  try {
    await broker.addAgent("alice");
    await fn(async (path, init = {}) =>
      await app.request(
        new Request(`http://127.0.0.1:9000${path}`, {
          ...init,
          headers: {
            host: "127.0.0.1:9000",
            ...(init.method === "POST"
              ? { "content-type": "application/json" }
              : {}),
            ...(init.headers as Record<string, string> | undefined),
          },
        }),
      ), broker);
  } finally {
    hub.close();
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const post = (body: unknown): RequestInit => ({
  method: "POST",
  body: typeof body === "string" ? body : JSON.stringify(body),
});

Deno.test("GET /api/agents and /api/questions list the fleet; answering wakes the asker", async () => {
  await withHostApp(async (request, broker) => {
    const { id } = await broker.ask("alice", {
      question: "ship?",
      options: ["yes", "no"],
      multi: false,
      ttlSeconds: null,
      target: "operator",
    });
    const agents = await (await request("/api/agents")).json();
    assert.deepEqual(
      agents.agents.map((agent: Record<string, unknown>) => [
        agent.name,
        agent.state,
        agent.open_questions,
      ]),
      [["alice", "down", 1]],
    );
    const questions = await (await request("/api/questions")).json();
    assert.deepEqual(
      questions.questions.map((
        q: Record<string, unknown>,
      ) => [q.id, q.asker, q.question]),
      [[id, "alice", "ship?"]],
    );
    const answered = await request(
      `/api/questions/${id}/answer`,
      post({ answer: "yes" }),
    );
    assert.equal(answered.status, 200);
    const wake = await broker.nextWakeup("alice", { waitMs: 0 });
    assert.equal(wake?.from, "system");
    assert.match(wake!.body, /ship\?/);
    assert.match(wake!.body, /yes/);
    const again = await request(
      `/api/questions/${id}/answer`,
      post({ answer: "no" }),
    );
    assert.equal(
      again.status,
      409,
      "an answered question is not answered twice",
    );
  });
});

Deno.test("pause, resume and budget on the host page queue the control for the agent", async () => {
  await withHostApp(async (request, broker) => {
    for (
      const [path, body] of [
        ["/api/agents/alice/pause", {}],
        ["/api/agents/alice/budget", { daily_usd: 1.5 }],
        ["/api/agents/alice/budget", { daily_usd: null }],
        ["/api/agents/alice/resume", {}],
      ] as const
    ) {
      const response = await request(path, post(body));
      assert.equal(response.status, 200, `${path}: ${await response.text()}`);
    }
    const taken = [];
    for (;;) {
      const control = await broker.nextControl("alice", { waitMs: 0 });
      if (control === null) break;
      taken.push(control);
    }
    assert.deepEqual(taken.map(({ id: _, ...control }) => control), [
      { action: "pause" },
      { action: "budget", daily_usd: 1.5 },
      { action: "budget", daily_usd: null },
      { action: "resume" },
    ]);
  });
});

Deno.test("the host page's routes refuse bad input with a 4xx naming the field, and queue nothing", async (t) => {
  await withHostApp(async (request, broker) => {
    const cases: [string, RequestInit, number, RegExp][] = [
      ["/api/questions/abc/answer", post({ answer: "x" }), 400, /id/],
      ["/api/questions/0/answer", post({ answer: "x" }), 400, /id/],
      ["/api/questions/1/answer", post({}), 400, /answer/],
      ["/api/questions/1/answer", post({ answer: "  " }), 400, /answer/],
      ["/api/questions/1/answer", post("{nope"), 400, /JSON/],
      ["/api/questions/999/answer", post({ answer: "x" }), 404, /999/],
      ["/api/agents/alice/budget", post({}), 400, /daily_usd/],
      ["/api/agents/alice/budget", post({ daily_usd: -1 }), 400, /daily_usd/],
      ["/api/agents/alice/budget", post({ daily_usd: "5" }), 400, /daily_usd/],
      ["/api/agents/alice/budget", post("[1]"), 400, /object/],
      ["/api/agents/nobody/pause", post({}), 404, /nobody/],
      ["/api/agents/..%2Fx/resume", post({}), 400, /name/],
      ["/api/agents/alice/pause", { method: "GET" }, 405, /GET/],
      [
        "/api/agents/alice/pause",
        {
          method: "POST",
          body: "{}",
          headers: { "content-type": "text/plain" },
        },
        415,
        /application\/json/,
      ],
      [
        "/api/agents/alice/pause",
        {
          ...post({}),
          headers: { origin: "http://evil.example" },
        },
        403,
        /cross-origin/,
      ],
      [
        "/api/agents",
        { headers: { host: "evil.example" } },
        403,
        /evil\.example/,
      ],
    ];
    for (const [path, init, status, message] of cases) {
      await t.step(`${init.method ?? "GET"} ${path} → ${status}`, async () => {
        const response = await request(path, init);
        const body = await response.json();
        assert.equal(response.status, status, JSON.stringify(body));
        assert.match(body.error, message);
      });
    }
    assert.equal(await broker.nextControl("alice", { waitMs: 0 }), null);
  });
});

Deno.test("with --ui-token, the host page and its API need the token", async () => {
  await withHostApp(async (request) => {
    assert.equal((await request("/api/agents")).status, 401);
    assert.equal((await request("/")).status, 401);
    assert.equal((await request("/events/stream")).status, 401);
    const ok = await request("/api/agents", {
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(ok.status, 200);
    const page = await request("/?token=s3cret");
    assert.equal(page.status, 200);
    assert.match(await page.text(), /static\/hive\.js\?v=/);
  }, "s3cret");
});
