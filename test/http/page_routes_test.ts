import assert from "node:assert/strict";
import { createApp } from "../../lib/http/app.ts";
import { createPageRoutes } from "../../lib/http/page_routes.ts";
import { PAGE_CSP } from "../../lib/http/embedded_assets.ts";
import { createMemoryLogger } from "../../lib/log.ts";

function pageApp() {
  return createApp({
    log: createMemoryLogger(),
    uiToken: undefined,
    routers: [createPageRoutes()],
    alive: () => true,
  });
}

Deno.test("GET / serves the page with versioned asset links, a strict CSP and a strong ETag", async () => {
  const app = pageApp();
  const response = await app.request("/");
  assert.equal(response.status, 200);
  assert.equal(
    response.headers.get("content-type"),
    "text/html; charset=utf-8",
  );
  assert.equal(
    response.headers.get("content-security-policy"),
    `${PAGE_CSP}; frame-ancestors 'self'`,
  );
  const etag = response.headers.get("etag") ?? "";
  assert.match(etag, /^"[\w-]{20,}"$/);
  const html = await response.text();
  assert.match(
    html,
    /<script type="module" src="static\/app\.js\?v=[\w-]{16}"><\/script>/,
  );
  assert.match(html, /href="static\/style\.css\?v=[\w-]{16}"/);
  assert.match(html, /data-hide=""/);
  const again = await app.request("/", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
});

Deno.test("GET /?hide= marks only known parts to hide", async () => {
  const html =
    await (await pageApp().request("/?hide=header,input,%22%3E%3Cscript%3E"))
      .text();
  assert.match(html, /data-hide="header input"/);
  assert.doesNotMatch(html, /"><script>/);
});

Deno.test("GET /static/* serves the assets with their types, caches versioned links for good, and 404s others", async () => {
  const app = pageApp();
  const html = await (await app.request("/")).text();
  const script = /src="(static\/app\.js\?v=[^"]+)"/.exec(html)?.[1];
  assert.ok(script);
  const versioned = await app.request(`/${script}`);
  assert.equal(versioned.status, 200);
  assert.equal(
    versioned.headers.get("content-type"),
    "text/javascript; charset=utf-8",
  );
  assert.equal(
    versioned.headers.get("cache-control"),
    "public, max-age=31536000, immutable",
  );
  assert.match(await versioned.text(), /^\/\/ deno-fmt-ignore-file/);
  const plain = await app.request("/static/style.css");
  assert.equal(plain.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(plain.headers.get("cache-control"), "no-cache");
  const etag = plain.headers.get("etag") ?? "";
  await plain.body?.cancel();
  assert.equal(
    (await app.request("/static/style.css", {
      headers: { "if-none-match": `W/${etag}` },
    })).status,
    304,
  );
  const missing = await app.request("/static/nope.js");
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), {
    error: "not found: /static/nope.js",
  });
});
