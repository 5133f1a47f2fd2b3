/**
 * @module A stand-in harness for page tests: the real page routes, plus `/api/state`,
 * `/events/history` and an SSE `/events/stream` that the test drives (emit events, drop the
 * connection, restart under a new boot). Replays from `Last-Event-ID` like the real one, else
 * `reset`. POSTs are recorded and answered `{ok:true}` unless the test set another answer.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { createPageRoutes } from "../../lib/http/page_routes.ts";

/** An event before the fake stamps its seq. */
export type FakeEvent = Record<string, unknown> & { kind: string };

/** A POST the page made. */
export interface RecordedPost {
  path: string;
  body: Record<string, unknown>;
}

/** The running fake. */
export interface FakeHarness {
  url: string;
  /** Every event of this boot and before, oldest first. */
  readonly events: Record<string, unknown>[];
  /** Fields merged into `/api/state` (its `seq` is always the current one). */
  state: Record<string, unknown>;
  posts: RecordedPost[];
  /** `Last-Event-ID` of each stream request (null when none). */
  streamRequests: (string | null)[];
  /** GET answers by path (with query), for `/api/loose-ends`, `/api/inbox`, `/api/turn-stats?...`. */
  gets: Map<string, unknown>;
  /** Stamp seqs and send to every stream; returns the stamped events. */
  emit(...events: FakeEvent[]): Record<string, unknown>[];
  /** Close every open stream (a dropped connection). */
  dropClients(): void;
  /** Start a new boot: seqs go on, but replay across it is refused (the page must reset). */
  newBoot(): void;
  /** Answer POSTs to `path` with this status and body, once `until` settles when given. */
  answerPost(
    path: string,
    status: number,
    body: Record<string, unknown>,
    until?: Promise<unknown>,
  ): void;
  /** Wait until some stream is connected. */
  waitForClient(): Promise<void>;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/** Start the fake on a free loopback port. */
export function startFakeHarness(
  initialState: Record<string, unknown> = {},
): FakeHarness {
  const events: Record<string, unknown>[] = [];
  const clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const postAnswers = new Map<
    string,
    {
      status: number;
      body: Record<string, unknown>;
      until: Promise<unknown> | undefined;
    }
  >();
  let seq = 0;
  let bootFirstSeq = 1;
  let clientWaiters: (() => void)[] = [];

  const fake: FakeHarness = {
    url: "",
    events,
    state: {
      agent: "alice",
      role: "agent",
      status: "online",
      status_text: "",
      turn_state: "idle",
      since_unix: Math.floor(Date.now() / 1000),
      model: "haiku",
      last_usage: null,
      context_window_tokens: 200000,
      unread: 0,
      inbox: [],
      stores: {},
      version: "test",
      ...initialState,
    },
    posts: [],
    streamRequests: [],
    gets: new Map(),
    emit(...fresh) {
      const stamped = fresh.map((event) => ({ seq: ++seq, ...event }));
      for (const event of stamped) {
        events.push(event);
        const frame = encoder.encode(
          `id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`,
        );
        for (const client of clients) client.enqueue(frame);
      }
      return stamped;
    },
    dropClients() {
      for (const client of clients) client.close();
      clients.clear();
    },
    newBoot() {
      fake.dropClients();
      bootFirstSeq = seq + 1;
    },
    answerPost(path, status, body, until) {
      postAnswers.set(path, { status, body, until });
    },
    waitForClient() {
      return clients.size > 0
        ? Promise.resolve()
        : new Promise((resolve) => clientWaiters.push(resolve));
    },
    close: async () => {
      fake.dropClients();
      await server.shutdown();
    },
  };

  const app = new Hono();
  app.route("/", createPageRoutes());
  app.get("/api/state", (c) => c.json({ ...fake.state, seq }));
  app.get("/events/history", (c) => {
    const limit = Number(c.req.query("limit") ?? 2000);
    return c.json({ seq, events: events.slice(-limit) });
  });
  app.get("/events/stream", (c) => {
    const lastId = c.req.header("last-event-id") ?? null;
    fake.streamRequests.push(lastId);
    let self: ReadableStreamDefaultController<Uint8Array> | null = null;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        self = controller;
        controller.enqueue(encoder.encode(": connected\n\n"));
        if (lastId !== null) {
          const last = Number(lastId);
          // As the real bus: an id from before this boot, or ahead of it, cannot be resumed.
          if (!(last >= bootFirstSeq && last <= seq)) {
            controller.enqueue(encoder.encode(`data: {"kind":"reset"}\n\n`));
          } else {
            for (
              const event of events.filter((event) =>
                (event.seq as number) > last
              )
            ) {
              controller.enqueue(
                encoder.encode(
                  `id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`,
                ),
              );
            }
          }
        }
        clients.add(controller);
        const waiters = clientWaiters;
        clientWaiters = [];
        for (const wake of waiters) wake();
      },
      cancel() {
        if (self) clients.delete(self);
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
      },
    });
  });
  app.get("/api/*", (c) => {
    const path = c.req.path + (new URL(c.req.url).search);
    const answer = fake.gets.get(path) ?? fake.gets.get(c.req.path);
    if (answer === undefined) {
      if (c.req.path === "/api/loose-ends") {
        return c.json({ questions: [], reminders: [] });
      }
      if (c.req.path === "/api/inbox") return c.json({ messages: [] });
      if (c.req.path === "/api/turn-stats") return c.json({ rows: [] });
      throw new HTTPException(404, { message: `not found: ${c.req.path}` });
    }
    return c.json(answer as Record<string, unknown>);
  });
  app.post("/api/*", async (c) => {
    const text = await c.req.text();
    const body = text === "" ? {} : JSON.parse(text) as Record<string, unknown>;
    fake.posts.push({ path: c.req.path, body });
    const answer = postAnswers.get(c.req.path);
    if (answer) {
      await answer.until;
      return c.json(answer.body, answer.status as 200);
    }
    return c.json({ ok: true });
  });
  app.onError((error, c) => {
    const status = error instanceof HTTPException ? error.status : 500;
    return c.json({ error: error.message }, status);
  });

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    app.fetch,
  );
  fake.url = `http://127.0.0.1:${server.addr.port}`;
  return fake;
}
