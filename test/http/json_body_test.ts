import assert from "node:assert/strict";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { limitBody } from "../../lib/http/guard.ts";
import {
  readJsonObject,
  requireId,
  requireString,
} from "../../lib/http/json_body.ts";

/** A tiny app reading bodies the way the API routes do, behind the body cap, with the error boundary. */
function app(): Hono {
  const app = new Hono();
  app.use("*", limitBody());
  app.post("/echo", async (c) => c.json(await readJsonObject(c)));
  app.post("/api/model", async (c) => {
    const body = await readJsonObject(c);
    return c.json({ model: requireString(body, "model", 100) });
  });
  app.post("/api/questions/:id/answer", async (c) => {
    const id = requireId(c.req.param("id"), "id");
    const body = await readJsonObject(c);
    return c.json({ id, answer: requireString(body, "answer") });
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

function post(path: string, body: string): Promise<Response> {
  return Promise.resolve(
    app().request(path, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    }),
  );
}

async function expect400(response: Response, message: RegExp): Promise<void> {
  assert.equal(response.status, 400);
  const body = await response.json() as { error: string };
  assert.match(body.error, message);
}

Deno.test("readJsonObject() returns the body's object", async () => {
  const response = await post("/echo", '{"a":1,"b":{"c":[true,null]}}');
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { a: 1, b: { c: [true, null] } });
});

Deno.test("readJsonObject() reads an empty body as {}", async (t) => {
  for (const body of ["", "  \n"]) {
    await t.step(JSON.stringify(body), async () => {
      const response = await post("/echo", body);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), {});
    });
  }
});

Deno.test("readJsonObject() answers 400 naming the problem for a body that is not JSON", async (t) => {
  for (const body of ["{", '{"model": haiku}', "model=haiku", '{"a":1}}']) {
    await t.step(body, async () => {
      await expect400(await post("/echo", body), /^body is not valid JSON: .+/);
    });
  }
});

Deno.test("readJsonObject() answers 400 for JSON that is not an object", async (t) => {
  for (const body of ["[]", '["model"]', "null", "42", '"haiku"', "true"]) {
    await t.step(body, async () => {
      await expect400(
        await post("/echo", body),
        /^body must be a JSON object$/,
      );
    });
  }
});

Deno.test("requireString() answers 400 naming a missing, empty, mistyped or too long field", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["missing", "{}", /^model: required string$/],
    ["other field only", '{"modle":"haiku"}', /^model: required string$/],
    ["null", '{"model":null}', /^model: required string$/],
    ["number", '{"model":3}', /^model: required string$/],
    ["array", '{"model":["haiku"]}', /^model: required string$/],
    ["empty", '{"model":""}', /^model: must not be empty$/],
    ["blank", '{"model":"  "}', /^model: must not be empty$/],
    [
      "too long",
      JSON.stringify({ model: "h".repeat(101) }),
      /^model: longer than 100 characters$/,
    ],
    ["empty body", "", /^model: required string$/],
  ];
  for (const [name, body, message] of cases) {
    await t.step(name, async () => {
      await expect400(await post("/api/model", body), message);
    });
  }
});

Deno.test("requireString() returns the field as given", async () => {
  const response = await post(
    "/api/model",
    '{"model":"claude-sonnet-4-5[1m]","extra":1}',
  );
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { model: "claude-sonnet-4-5[1m]" });
  assert.equal(requireString({ s: "x".repeat(65_536) }, "s").length, 65_536);
  assert.throws(
    () => requireString({ s: "x".repeat(65_537) }, "s"),
    HTTPException,
  );
});

Deno.test("requireId() accepts positive integers, as numbers or path strings", async (t) => {
  const cases: [unknown, number][] = [[1, 1], ["7", 7], [
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  ], ["0042", 42]];
  for (const [value, id] of cases) {
    await t.step(
      JSON.stringify(value),
      () => assert.equal(requireId(value, "id"), id),
    );
  }
});

Deno.test("requireId() answers 400 naming the field for anything else", async (t) => {
  const cases: unknown[] = [
    0,
    -1,
    1.5,
    "0",
    "-1",
    "1.5",
    "1e3",
    "abc",
    "",
    " 1",
    null,
    undefined,
    true,
    "9007199254740993",
    NaN,
  ];
  for (const value of cases) {
    await t.step(String(JSON.stringify(value)), () => {
      assert.throws(() => requireId(value, "question_id"), (error: unknown) => {
        assert.ok(error instanceof HTTPException);
        assert.equal(error.status, 400);
        assert.equal(error.message, "question_id: must be a positive integer");
        return true;
      });
    });
  }
});

Deno.test("a route reading an id from its path and a field from its body answers 400 naming each", async () => {
  await expect400(
    await post("/api/questions/abc/answer", '{"answer":"yes"}'),
    /^id: must be a positive integer$/,
  );
  await expect400(
    await post("/api/questions/3/answer", "{}"),
    /^answer: required string$/,
  );
  const ok = await post("/api/questions/3/answer", '{"answer":"yes"}');
  assert.deepEqual(await ok.json(), { id: 3, answer: "yes" });
});

Deno.test("readJsonObject() behind limitBody() answers 413 before parsing an oversized body", async () => {
  const response = await post(
    "/echo",
    JSON.stringify({ body: "x".repeat(70_000) }),
  );
  assert.equal(response.status, 413);
  await response.body?.cancel();
});
