import assert from "node:assert/strict";
import { startInProcessHarness } from "../fixtures/in_process_harness.ts";
import type { LogFields } from "../../lib/log.ts";

const MUTATING_ROUTES = [
  "/api/send",
  "/api/model",
  "/api/new-session",
  "/api/compact",
  "/api/cancel",
  "/api/login",
  "/api/login/start",
  "/api/loose-ends/cancel",
];

function request(path: string, init: RequestInit = {}): Request {
  return new Request(`http://127.0.0.1:8080${path}`, init);
}

Deno.test("every mutating route refuses a body not declared as JSON with 415", async (t) => {
  const harness = await startInProcessHarness();
  try {
    // What a cross-site form or a no-cors fetch can send without a CORS preflight.
    const declared: [string, Record<string, string>][] = [
      ["none", {}],
      ["text/plain", { "content-type": "text/plain" }],
      ["a form", { "content-type": "application/x-www-form-urlencoded" }],
      ["multipart", { "content-type": "multipart/form-data; boundary=x" }],
      ["json lookalike", { "content-type": "application/jsonp" }],
    ];
    for (const [name, headers] of declared) {
      await t.step(name, async () => {
        for (const path of MUTATING_ROUTES) {
          const response = await harness.app.request(
            request(path, { method: "POST", headers, body: '{"body":"hi"}' }),
          );
          assert.equal(response.status, 415, path);
          assert.match(
            (await response.json()).error,
            /Content-Type must be application\/json/,
          );
        }
      });
    }
    const inbox = await (await harness.app.request("/api/inbox")).json();
    assert.deepEqual(inbox.messages, []);
    const accepted = await harness.app.request(
      request("/api/send", {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: '{"body":"hi"}',
      }),
    );
    assert.equal(accepted.status, 200);
    await accepted.body?.cancel();
  } finally {
    await harness.stop();
  }
});

Deno.test("a body that is not UTF-8 is refused with 400, not stored with U+FFFD", async () => {
  const harness = await startInProcessHarness();
  try {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"body":"caf'),
      0xe9, // Latin-1 é: not UTF-8
      ...new TextEncoder().encode('"}'),
    ]);
    const response = await harness.app.request(
      request("/api/send", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: bytes,
      }),
    );
    assert.equal(response.status, 400);
    assert.equal((await response.json()).error, "body is not valid UTF-8");
    const inbox = await (await harness.app.request("/api/inbox")).json();
    assert.deepEqual(inbox.messages, []);
  } finally {
    await harness.stop();
  }
});

Deno.test("methods no route takes get 405 JSON, not 500", async () => {
  const harness = await startInProcessHarness();
  try {
    // TRACE itself cannot be built as a Request in Deno; test/http/server_test.ts sends it.
    for (const method of ["PROPFIND", "BREW", "LOCK"]) {
      for (const path of ["/api/state", "/api/send", "/nowhere"]) {
        const response = await harness.app.request(request(path, { method }));
        assert.equal(response.status, 405, `${method} ${path}`);
        assert.match((await response.json()).error, /not allowed/);
      }
    }
    const records = (harness.parts.log as unknown as { records: LogFields[] })
      .records;
    assert.equal(
      records.filter((r) => r.msg === "Request failed").length,
      0,
    );
  } finally {
    await harness.stop();
  }
});

Deno.test("a URL over 8 KiB gets a JSON 414", async () => {
  const harness = await startInProcessHarness();
  try {
    const response = await harness.app.request(
      request(`/api/state?x=${"a".repeat(9000)}`),
    );
    assert.equal(response.status, 414);
    assert.match((await response.json()).error, /URL is over 8192 bytes/);
    const fine = await harness.app.request(
      request(`/events/history?limit=5&x=${"a".repeat(7000)}`),
    );
    assert.equal(fine.status, 200);
    await fine.body?.cancel();
  } finally {
    await harness.stop();
  }
});

Deno.test("an upload the client aborts is logged at debug, not as a server error", async () => {
  const harness = await startInProcessHarness();
  try {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"body":"half'));
        controller.error(new Error("connection reset by peer"));
      },
    });
    const response = await harness.app.request(
      request("/api/send", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }),
    );
    assert.equal(response.status, 400);
    await response.body?.cancel();
    const records = (harness.parts.log as unknown as { records: LogFields[] })
      .records;
    assert.equal(
      records.filter((r) => r.msg === "Request failed").length,
      0,
    );
    assert.ok(
      records.some((r) =>
        r.level === "debug" && r.msg === "Request body aborted"
      ),
    );
  } finally {
    await harness.stop();
  }
});

Deno.test("pages and answers carry frame-ancestors 'self', plus the --allow-embed origins", async () => {
  const plain = await startInProcessHarness();
  try {
    for (const path of ["/", "/stats", "/api/state", "/healthz"]) {
      const response = await plain.app.request(path);
      const csp = response.headers.get("content-security-policy") ?? "";
      assert.match(csp, /(^|; )frame-ancestors 'self'$/, path);
      assert.equal(response.headers.get("x-frame-options"), "SAMEORIGIN");
      await response.body?.cancel();
    }
  } finally {
    await plain.stop();
  }
  const embedded = await startInProcessHarness({
    allowEmbed: ["https://dash.example", "http://127.0.0.1:3000"],
  });
  try {
    const response = await embedded.app.request("/");
    assert.match(
      response.headers.get("content-security-policy") ?? "",
      /; frame-ancestors 'self' https:\/\/dash\.example http:\/\/127\.0\.0\.1:3000$/,
    );
    assert.equal(response.headers.get("x-frame-options"), null);
    await response.body?.cancel();
  } finally {
    await embedded.stop();
  }
});
