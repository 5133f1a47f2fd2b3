/**
 * Bad HTTP input, route by route: each gets a clear 4xx and changes nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startInProcessHarness } from "../fixtures/in_process_harness.ts";

const POST_ROUTES: {
  path: string;
  fields: Record<string, unknown>;
  required: string[];
}[] = [
  { path: "/api/model", fields: { model: "sonnet" }, required: ["model"] },
  { path: "/api/send", fields: { body: "hi" }, required: ["body"] },
  {
    path: "/api/login",
    fields: { token: "sk-ant-api03-x" },
    required: ["token"],
  },
  { path: "/api/login/code", fields: { code: "123" }, required: ["code"] },
  {
    path: "/api/questions/1/answer",
    fields: { answer: "yes" },
    required: ["answer"],
  },
  {
    path: "/api/loose-ends/cancel",
    fields: { kind: "reminder", id: 1 },
    required: ["kind", "id"],
  },
  { path: "/api/new-session", fields: {}, required: [] },
  { path: "/api/compact", fields: {}, required: [] },
  { path: "/api/cancel", fields: {}, required: [] },
  { path: "/api/login/start", fields: {}, required: [] },
];

const GET_ROUTES = [
  "/api/state",
  "/api/loose-ends",
  "/api/inbox",
  "/events/history",
  "/healthz",
];

async function snapshot(
  harness: Awaited<ReturnType<typeof startInProcessHarness>>,
) {
  const state = await (await harness.app.request("/api/state")).json();
  const files = [...Deno.readDirSync(harness.stateDir)].map((entry) =>
    entry.name
  ).sort();
  return {
    seq: state.seq,
    model: state.model,
    unread: state.unread,
    inbox: state.inbox,
    credentials: files.includes("hyperhive-credentials"),
    modelFile: files.includes("hyperhive-model"),
  };
}

function post(
  path: string,
  body: BodyInit | null,
  headers: Record<string, string> = {},
): Request {
  return new Request(`http://127.0.0.1:8080${path}`, {
    method: "POST",
    body,
    headers: {
      host: "127.0.0.1:8080",
      "content-type": "application/json",
      ...headers,
    },
  });
}

Deno.test("every route refuses bad input with a 4xx JSON error and changes nothing", async (t) => {
  const harness = await startInProcessHarness();
  try {
    const before = await snapshot(harness);
    await t.step("wrong method: 405", async () => {
      for (const { path } of POST_ROUTES) {
        const response = await harness.app.request(path, { method: "GET" });
        assert.equal(response.status, 405, path);
        assert.match((await response.json()).error, /not allowed/);
      }
      for (const path of GET_ROUTES) {
        const response = await harness.app.request(post(path, "{}"));
        assert.equal(response.status, 405, path);
        await response.body?.cancel();
      }
    });
    await t.step("bad JSON: 400", async () => {
      for (const { path, required } of POST_ROUTES) {
        if (required.length === 0) continue;
        const response = await harness.app.request(post(path, "{not json"));
        assert.equal(response.status, 400, path);
        assert.match((await response.json()).error, /not valid JSON/);
      }
    });
    await t.step("a body that is not an object: 400", async () => {
      for (const { path } of POST_ROUTES) {
        const response = await harness.app.request(post(path, "[1,2]"));
        assert.equal(response.status, 400, path);
        assert.match((await response.json()).error, /JSON object/);
      }
    });
    await t.step("each missing field: 400 naming it", async () => {
      for (const { path, fields, required } of POST_ROUTES) {
        for (const field of required) {
          const { [field]: _, ...rest } = fields;
          const response = await harness.app.request(
            post(path, JSON.stringify(rest)),
          );
          assert.equal(response.status, 400, `${path} without ${field}`);
          assert.match(
            (await response.json()).error,
            new RegExp(`^${field}`),
            path,
          );
        }
      }
    });
    await t.step("wrong field types: 400", async () => {
      const cases: [string, unknown][] = [
        ["/api/model", { model: 42 }],
        ["/api/model", { model: "--dangerously-skip-permissions x" }],
        ["/api/send", { body: "   " }],
        ["/api/loose-ends/cancel", { kind: "bogus", id: 1 }],
        ["/api/loose-ends/cancel", { kind: "reminder", id: -3 }],
        ["/api/questions/abc/answer", { answer: "x" }],
        ["/api/login", { token: "has spaces in it" }],
      ];
      for (const [path, body] of cases) {
        const response = await harness.app.request(
          post(path, JSON.stringify(body)),
        );
        assert.equal(response.status, 400, `${path} ${JSON.stringify(body)}`);
        await response.body?.cancel();
      }
    });
    await t.step("oversize body: 413", async () => {
      const big = JSON.stringify({ body: "x".repeat(70 * 1024) });
      for (const { path } of POST_ROUTES) {
        const response = await harness.app.request(post(path, big));
        assert.equal(response.status, 413, path);
        await response.body?.cancel();
      }
    });
    await t.step("cross-origin: 403", async () => {
      for (const { path, fields } of POST_ROUTES) {
        const response = await harness.app.request(
          post(path, JSON.stringify(fields), { origin: "http://evil.example" }),
        );
        assert.equal(response.status, 403, path);
        await response.body?.cancel();
      }
    });
    await t.step("bad query parameters: 400 naming them", async () => {
      for (
        const path of [
          "/events/history?limit=0",
          "/events/history?limit=abc",
          "/api/inbox?limit=-1",
          "/api/inbox?limit=100000",
        ]
      ) {
        const response = await harness.app.request(path);
        assert.equal(response.status, 400, path);
        assert.match((await response.json()).error, /limit/);
      }
    });
    await t.step("unknown path: 404", async () => {
      const response = await harness.app.request("/api/nope");
      assert.equal(response.status, 404);
      await response.body?.cancel();
    });
    assert.deepEqual(await snapshot(harness), before);
  } finally {
    await harness.stop();
  }
});

Deno.test("with a UI token every route but /healthz wants it, SSE included", async () => {
  const harness = await startInProcessHarness({ uiToken: "let-me-in" });
  try {
    for (
      const path of [
        ...GET_ROUTES.filter((path) => path !== "/healthz"),
        "/events/stream",
      ]
    ) {
      const response = await harness.app.request(path);
      assert.equal(response.status, 401, path);
      assert.deepEqual(await response.json(), { error: "token required" });
    }
    const wrong = await harness.app.request(
      post("/api/send", '{"body":"x"}', { authorization: "Bearer nope" }),
    );
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const healthz = await harness.app.request("/healthz");
    assert.equal(healthz.status, 200);
    await healthz.body?.cancel();
    const ok = await harness.app.request("/api/state", {
      headers: { authorization: "Bearer let-me-in" },
    });
    assert.equal(ok.status, 200);
    const text = await ok.text();
    assert.ok(!text.includes("let-me-in"), "the token is never echoed");
    const state = await (await harness.app.request("/api/state")).text();
    assert.match(state, /token required/);
  } finally {
    await harness.stop();
  }
});

Deno.test("a message posted to /api/send lands in the inbox from operator", async () => {
  const harness = await startInProcessHarness();
  try {
    const response = await harness.app.request(
      post("/api/send", JSON.stringify({ body: "hello there" })),
    );
    assert.equal(response.status, 200);
    const { messages } = await (await harness.app.request("/api/inbox")).json();
    assert.equal(messages[0].from, "operator");
    assert.equal(messages[0].body, "hello there");
    assert.ok(
      Deno.statSync(join(harness.stateDir, "hyperhive-broker.sqlite")).isFile,
    );
  } finally {
    await harness.stop();
  }
});
