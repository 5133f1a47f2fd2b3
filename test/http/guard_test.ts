import assert from "node:assert/strict";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  constantTimeEqual,
  limitBody,
  MAX_BODY_BYTES,
  refuseCrossOrigin,
  requireToken,
} from "../../lib/http/guard.ts";

const TOKEN = "ui-token-0123456789";
const HOST = "127.0.0.1:8080";
const SELF = `http://${HOST}`;

/** A tiny app behind the guards, in the order `createApp` mounts them, with the same error boundary. */
function guardedApp(token: string | undefined): Hono {
  const app = new Hono();
  app.use("*", requireToken(token));
  app.use("*", refuseCrossOrigin());
  app.use("*", limitBody());
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/api/state", (c) => c.json({ ok: true }));
  app.post("/api/send", async (c) => {
    const body = await c.req.text();
    return c.json({
      bytes: new TextEncoder().encode(body).length,
      head: body.slice(0, 16),
    });
  });
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return c.json(
        { error: error.message },
        error.status as ContentfulStatusCode,
      );
    }
    return c.json({ error: `internal error: ${error.message}` }, 500);
  });
  return app;
}

function request(
  path: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
): Request {
  return new Request(`${SELF}${path}`, {
    ...init,
    headers: { host: HOST, ...init.headers },
  });
}

async function errorOf(response: Response): Promise<string> {
  const body = await response.json() as { error: string };
  assert.equal(typeof body.error, "string");
  return body.error;
}

Deno.test("requireToken() accepts the token as Bearer, cookie or ?token=", async (t) => {
  const app = guardedApp(TOKEN);
  const cases: [string, string, Record<string, string>][] = [
    ["Bearer header", "/api/state", { authorization: `Bearer ${TOKEN}` }],
    ["lower-case bearer scheme", "/api/state", {
      authorization: `bearer ${TOKEN}`,
    }],
    ["cookie", "/api/state", { cookie: `other=1; hive_token=${TOKEN}` }],
    ["query", `/api/state?token=${TOKEN}`, {}],
    ["wrong Bearer but right cookie", "/api/state", {
      authorization: "Bearer nope",
      cookie: `hive_token=${TOKEN}`,
    }],
  ];
  for (const [name, path, headers] of cases) {
    await t.step(name, async () => {
      const response = await app.request(request(path, { headers }));
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { ok: true });
    });
  }
});

Deno.test("requireToken() turns a valid ?token= into an HttpOnly, SameSite=Strict cookie the page then uses", async () => {
  const app = guardedApp(TOKEN);
  const response = await app.request(
    request(`/?token=${TOKEN}`.replace("/?", "/api/state?")),
  );
  await response.body?.cancel();
  assert.equal(response.status, 200);
  const cookie = response.headers.get("set-cookie") ?? "";
  assert.match(cookie, new RegExp(`^hive_token=${TOKEN};`));
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Strict/i);
  assert.match(cookie, /Path=\//);
  const [pair] = cookie.split(";");
  const next = await app.request(
    request("/api/state", { headers: { cookie: pair! } }),
  );
  await next.body?.cancel();
  assert.equal(next.status, 200);
});

Deno.test("requireToken() sets no cookie for a Bearer or cookie request, nor for a wrong ?token=", async () => {
  const app = guardedApp(TOKEN);
  for (
    const [path, headers] of [
      ["/api/state", { authorization: `Bearer ${TOKEN}` }],
      ["/api/state", { cookie: `hive_token=${TOKEN}` }],
      ["/api/state?token=wrong", { cookie: `hive_token=${TOKEN}` }],
    ] as [string, Record<string, string>][]
  ) {
    const response = await app.request(request(path, { headers }));
    await response.body?.cancel();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("set-cookie"), null, path);
  }
});

Deno.test("requireToken() answers 401 without a token, and an empty token counts as none", async (t) => {
  const app = guardedApp(TOKEN);
  const cases: [string, string, Record<string, string>][] = [
    ["nothing", "/api/state", {}],
    ["empty Bearer", "/api/state", { authorization: "Bearer " }],
    ["empty cookie", "/api/state", { cookie: "hive_token=" }],
    ["empty query", "/api/state?token=", {}],
    ["other auth scheme", "/api/state", {
      authorization: `Basic ${btoa(`x:${TOKEN}`)}`,
    }],
  ];
  for (const [name, path, headers] of cases) {
    await t.step(name, async () => {
      const response = await app.request(request(path, { headers }));
      assert.equal(response.status, 401);
      assert.equal(await errorOf(response), "token required");
    });
  }
});

Deno.test("requireToken() answers 401 for a wrong token and never echoes the token", async (t) => {
  const app = guardedApp(TOKEN);
  const cases: [string, string, Record<string, string>][] = [
    ["Bearer", "/api/state", { authorization: "Bearer not-the-token" }],
    ["cookie", "/api/state", { cookie: "hive_token=not-the-token" }],
    ["query", "/api/state?token=not-the-token", {}],
    ["prefix of the token", "/api/state", {
      authorization: `Bearer ${TOKEN.slice(0, -1)}`,
    }],
    ["token plus a character", "/api/state", {
      authorization: `Bearer ${TOKEN}x`,
    }],
    ["POST too", "/api/send", { authorization: "Bearer not-the-token" }],
  ];
  for (const [name, path, headers] of cases) {
    await t.step(name, async () => {
      const response = await app.request(
        request(path, {
          method: path === "/api/send" ? "POST" : "GET",
          headers,
        }),
      );
      assert.equal(response.status, 401);
      const text = await response.text();
      assert.equal(JSON.parse(text).error, "wrong token");
      assert.ok(!text.includes(TOKEN) && !text.includes("not-the-token"), text);
      assert.equal(response.headers.get("set-cookie"), null);
    });
  }
});

Deno.test("requireToken() lets /healthz through without a token", async () => {
  const response = await guardedApp(TOKEN).request(request("/healthz"));
  assert.equal(response.status, 200);
  await response.body?.cancel();
});

Deno.test("requireToken(undefined) requires nothing", async () => {
  const response = await guardedApp(undefined).request(request("/api/state"));
  assert.equal(response.status, 200);
  await response.body?.cancel();
});

Deno.test("constantTimeEqual() compares whole strings", async (t) => {
  const cases: [string, string, boolean][] = [
    ["abc", "abc", true],
    ["", "", true],
    ["abc", "abd", false],
    ["abc", "ab", false],
    ["ab", "abc", false],
    ["abc", "", false],
    ["é", "e\u0301", false],
  ];
  for (const [a, b, equal] of cases) {
    await t.step(
      `${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
      () => assert.equal(constantTimeEqual(a, b), equal),
    );
  }
});

const AUTH = { authorization: `Bearer ${TOKEN}` };

Deno.test("refuseCrossOrigin() answers 403 to a cross-origin mutating request", async (t) => {
  const app = guardedApp(TOKEN);
  const cases: [string, Record<string, string>][] = [
    ["Origin of another host", { origin: "https://evil.example" }],
    ["Origin of another port on the same host", {
      origin: "http://127.0.0.1:8081",
    }],
    ["Origin null", { origin: "null" }],
    ["unparsable Origin", { origin: "not a url" }],
    ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site cross-site with a matching Origin", {
      "sec-fetch-site": "cross-site",
      origin: SELF,
    }],
  ];
  for (const [name, headers] of cases) {
    for (const method of ["POST", "PUT", "DELETE"]) {
      await t.step(`${name}, ${method}`, async () => {
        const response = await app.request(
          request("/api/send", {
            method,
            headers: { ...AUTH, ...headers },
            body: "{}",
          }),
        );
        assert.equal(response.status, 403);
        assert.match(await errorOf(response), /cross-origin request refused/);
      });
    }
  }
});

Deno.test("refuseCrossOrigin() lets a same-origin or Origin-less POST through", async (t) => {
  const app = guardedApp(TOKEN);
  const cases: [string, Record<string, string>][] = [
    ["same Origin", { origin: SELF }],
    ["same Origin, Sec-Fetch-Site same-origin", {
      origin: SELF,
      "sec-fetch-site": "same-origin",
    }],
    ["no Origin (curl)", {}],
  ];
  for (const [name, headers] of cases) {
    await t.step(name, async () => {
      const response = await app.request(
        request("/api/send", {
          method: "POST",
          headers: { ...AUTH, ...headers },
          body: '{"body":"hi"}',
        }),
      );
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), {
        bytes: 13,
        head: '{"body":"hi"}',
      });
    });
  }
});

Deno.test("refuseCrossOrigin() lets a GET with a foreign Origin through", async () => {
  const response = await guardedApp(TOKEN).request(request("/api/state", {
    headers: {
      ...AUTH,
      origin: "https://evil.example",
      "sec-fetch-site": "cross-site",
    },
  }));
  assert.equal(response.status, 200);
  await response.body?.cancel();
});

Deno.test("refuseCrossOrigin() refuses a POST with an Origin but no Host", async () => {
  const app = new Hono();
  app.use("*", refuseCrossOrigin());
  app.post("/x", (c) => c.text("ok"));
  app.onError((error, c) =>
    c.json({ error: error.message }, (error as HTTPException).status ?? 500)
  );
  const response = await app.request(
    new Request("http://a.example/x", {
      method: "POST",
      headers: { origin: "http://a.example" },
    }),
  );
  // Deno's Request keeps no Host header of its own: without one, nothing proves the origin.
  assert.equal(response.status, 403);
  await response.body?.cancel();
});

function bigBody(bytes: number): string {
  return "x".repeat(bytes);
}

function streamOf(bytes: number, chunk = 8192): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const size = Math.min(chunk, bytes - sent);
      sent += size;
      controller.enqueue(new Uint8Array(size).fill(120));
    },
  });
}

Deno.test("limitBody() passes a body of exactly 64 KiB intact", async () => {
  const response = await guardedApp(TOKEN).request(
    request("/api/send", {
      method: "POST",
      headers: AUTH,
      body: bigBody(MAX_BODY_BYTES),
    }),
  );
  assert.equal(response.status, 200);
  assert.equal((await response.json()).bytes, MAX_BODY_BYTES);
});

Deno.test("limitBody() answers 413 to a body over 64 KiB", async (t) => {
  const app = guardedApp(TOKEN);
  await t.step("honest Content-Length", async () => {
    const response = await app.request(
      request("/api/send", {
        method: "POST",
        headers: AUTH,
        body: bigBody(MAX_BODY_BYTES + 1),
      }),
    );
    assert.equal(response.status, 413);
    assert.match(await errorOf(response), /over 65536 bytes/);
  });
  await t.step("Content-Length that lies low", async () => {
    const response = await app.request(request("/api/send", {
      method: "POST",
      headers: { ...AUTH, "content-length": "10" },
      body: bigBody(200_000),
    }));
    assert.equal(response.status, 413);
    await response.body?.cancel();
  });
  await t.step("no Content-Length (a stream)", async () => {
    const response = await app.request(request("/api/send", {
      method: "POST",
      headers: AUTH,
      body: streamOf(MAX_BODY_BYTES + 1),
      // @ts-ignore: duplex is required for a streamed request body
      duplex: "half",
    }));
    assert.equal(response.status, 413);
    await response.body?.cancel();
  });
  await t.step("a stream just under the cap passes", async () => {
    const response = await app.request(request("/api/send", {
      method: "POST",
      headers: AUTH,
      body: streamOf(MAX_BODY_BYTES, 1000),
      // @ts-ignore: duplex is required for a streamed request body
      duplex: "half",
    }));
    assert.equal(response.status, 200);
    assert.equal((await response.json()).bytes, MAX_BODY_BYTES);
  });
});

Deno.test("limitBody() refuses a chunked body over 64 KiB on a real server, without reading it all", async () => {
  const app = guardedApp(undefined);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    app.fetch,
  );
  try {
    const { port } = server.addr;
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 4 * 1024 * 1024) return controller.close();
        pulled += 16384;
        controller.enqueue(new Uint8Array(16384).fill(120));
      },
    });
    let status: number | string;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/send`, {
        method: "POST",
        body,
        // @ts-ignore: duplex is required for a streamed request body
        duplex: "half",
      });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      // The server may answer and close before the client has sent everything.
      status = String(error);
    }
    assert.ok(
      status === 413 ||
        /connection|reset|closed|broken pipe/i.test(String(status)),
      `got ${status}`,
    );
    assert.ok(
      pulled < 4 * 1024 * 1024,
      "the whole body was sent: the cap did not stop reading",
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("limitBody() leaves GET requests alone", async () => {
  const response = await guardedApp(TOKEN).request(
    request("/api/state", { headers: AUTH }),
  );
  assert.equal(response.status, 200);
  await response.body?.cancel();
});

Deno.test("limitBody() answers 408 to a body trickled past its time, instead of waiting forever", async () => {
  const app = new Hono();
  app.use("*", limitBody(MAX_BODY_BYTES, 50));
  app.post("/api/send", (c) => c.json({ ok: true }));
  app.onError((error, c) =>
    c.json(
      { error: error.message },
      (error instanceof HTTPException
        ? error.status
        : 500) as ContentfulStatusCode,
    )
  );
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"body":'));
    },
    cancel() {
      cancelled = true;
    },
  });
  const response = await app.request(
    request("/api/send", { method: "POST", body }),
  );
  assert.equal(response.status, 408);
  assert.match(await errorOf(response), /body not received within 0.05 s/);
  assert.equal(cancelled, true);
});
