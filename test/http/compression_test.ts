import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { createApp } from "../../lib/http/app.ts";
import {
  compressBody,
  encodedEtag,
  pickEncoding,
} from "../../lib/http/compression.ts";
import { createPageRoutes } from "../../lib/http/page_routes.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import appJs from "../../ui/app.js" with { type: "text" };

function decode(encoding: string | null, bytes: Uint8Array): string {
  const raw = encoding === "br"
    ? brotliDecompressSync(bytes)
    : encoding === "gzip"
    ? gunzipSync(bytes)
    : bytes;
  return new TextDecoder().decode(raw);
}

Deno.test("pickEncoding prefers br, honours q-values and refuses what is not offered", async (t) => {
  const cases: [string | undefined, string | null][] = [
    [undefined, null],
    ["", null],
    ["identity", null],
    ["gzip", "gzip"],
    ["gzip, deflate, br", "br"],
    ["br;q=0, gzip", "gzip"],
    ["br;q=0.5, gzip;q=0.9", "gzip"],
    ["*", "br"],
    ["*;q=0", null],
    ["GZIP", "gzip"],
  ];
  for (const [header, expected] of cases) {
    await t.step(`${header ?? "(none)"} → ${expected}`, () => {
      assert.equal(pickEncoding(header), expected);
    });
  }
  assert.equal(encodedEtag('"abc"', "br"), '"abc.br"');
  assert.equal(encodedEtag('"abc"', null), '"abc"');
  const text = "hello ".repeat(1000);
  assert.equal(decode("br", await compressBody(text, "br")), text);
  assert.equal(decode("gzip", await compressBody(text, "gzip")), text);
});

Deno.test("GET /static/app.js goes br or gzip when accepted, each with its own ETag", async () => {
  const app = createApp({
    log: createMemoryLogger(),
    uiToken: undefined,
    routers: [createPageRoutes()],
    alive: () => true,
  });
  const plain = await app.request("/static/app.js");
  const plainTag = plain.headers.get("etag") ?? "";
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.equal(plain.headers.get("vary"), "accept-encoding");
  assert.equal(await plain.text(), appJs);
  const seen = new Set([plainTag]);
  for (const encoding of ["br", "gzip"]) {
    const response = await app.request("/static/app.js", {
      headers: { "accept-encoding": encoding },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-encoding"), encoding);
    assert.equal(response.headers.get("vary"), "accept-encoding");
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.ok(
      bytes.length < appJs.length / 2.5,
      `${encoding}: ${bytes.length} bytes of ${appJs.length}`,
    );
    assert.equal(decode(encoding, bytes), appJs);
    const etag = response.headers.get("etag") ?? "";
    assert.match(etag, /^"[\w-]+\.(br|gzip)"$/);
    seen.add(etag);
    // Revalidation matches only the same representation.
    const again = await app.request("/static/app.js", {
      headers: { "accept-encoding": encoding, "if-none-match": etag },
    });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get("content-encoding"), encoding);
    const other = await app.request("/static/app.js", {
      headers: { "if-none-match": etag },
    });
    assert.equal(other.status, 200, "an encoded tag does not match identity");
    await other.body?.cancel();
  }
  assert.equal(seen.size, 3);
});

Deno.test("the page's script on the wire stays under its size before compression was served", async () => {
  // ui/app.js was 148,873 bytes when every client got it whole; the budget is what goes over
  // the wire to a browser, which always accepts gzip and br.
  const before = 148_873;
  const br = await compressBody(appJs, "br", { level: 11 });
  const gz = await compressBody(appJs, "gzip", { level: 9 });
  assert.ok(br.length < before / 2.5, `br: ${br.length} bytes`);
  assert.ok(gz.length < before / 2.5, `gzip: ${gz.length} bytes`);
});

Deno.test("GET /events/history goes compressed when accepted, and as it is otherwise", async () => {
  // The history route with a stand-in bus: only its body matters here.
  const { createEventRoutes } = await import(
    "../../lib/http/events_routes.ts"
  );
  const events = Array.from(
    { length: 500 },
    (_, i) => JSON.stringify({ seq: i + 1, kind: "note", text: `line ${i}` }),
  );
  const bus = {
    history: () => ({ seq: 500, events }),
  } as unknown as Parameters<typeof createEventRoutes>[0]["bus"];
  const hub = {} as Parameters<typeof createEventRoutes>[0]["hub"];
  const app = new Hono().route(
    "/",
    createEventRoutes({ bus, hub, log: createMemoryLogger() }),
  );
  const expected = `{"seq":500,"events":[${events.join(",")}]}`;
  const plain = await app.request("/events/history");
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.equal(await plain.text(), expected);
  for (const encoding of ["br", "gzip"]) {
    const response = await app.request("/events/history", {
      headers: { "accept-encoding": `${encoding}, identity` },
    });
    assert.equal(response.headers.get("content-encoding"), encoding);
    assert.equal(response.headers.get("vary"), "accept-encoding");
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.ok(bytes.length < expected.length / 4);
    assert.deepEqual(JSON.parse(decode(encoding, bytes)), JSON.parse(expected));
  }
});
