import assert from "node:assert/strict";
import {
  assetResponse,
  CONTENT_TYPES,
  hashAssets,
  htmlResponse,
  linkVersions,
  PAGE_CSP,
} from "../../lib/http/embedded_assets.ts";

Deno.test("hashAssets() gives each file a strong content-hash ETag and a URL version from it", async () => {
  const assets = await hashAssets([
    ["a.js", "let a = 1;", CONTENT_TYPES.js],
    ["b.css", "b {}", CONTENT_TYPES.css],
  ]);
  const a = assets.get("a.js")!;
  assert.match(a.etag, /^"[A-Za-z0-9_-]{32}"$/);
  assert.equal(a.version, a.etag.slice(1, 17));
  assert.notEqual(a.etag, assets.get("b.css")!.etag);
  const again = await hashAssets([["a.js", "let a = 1;", CONTENT_TYPES.js]]);
  assert.equal(again.get("a.js")!.etag, a.etag, "the same bytes, the same tag");
});

Deno.test("linkVersions() versions only the links under the given prefix", async () => {
  const assets = await hashAssets([["app.js", "x", CONTENT_TYPES.js]]);
  const version = assets.get("app.js")!.version;
  assert.equal(
    linkVersions('<script src="static/app.js"></script>', assets, "static/"),
    `<script src="static/app.js?v=${version}"></script>`,
  );
  assert.equal(
    linkVersions('<script src="app.js"></script>', assets, ""),
    `<script src="app.js?v=${version}"></script>`,
  );
});

Deno.test("assetResponse() is kept a year only when asked for by its current version, and 304s a known tag", async () => {
  const asset = (await hashAssets([["a.css", "a {}", CONTENT_TYPES.css]]))
    .get("a.css")!;
  const current = await assetResponse(asset, undefined, asset.version);
  assert.equal(current.status, 200);
  assert.match(current.headers.get("cache-control")!, /immutable/);
  assert.equal(current.headers.get("x-content-type-options"), "nosniff");
  assert.equal(await current.text(), "a {}");
  const old = await assetResponse(asset, undefined, "stale");
  assert.equal(old.headers.get("cache-control"), "no-cache");
  await old.body?.cancel();
  for (
    const tag of [asset.etag, `W/${asset.etag}`, "*", `"x", ${asset.etag}`]
  ) {
    const fresh = await assetResponse(asset, tag, undefined);
    assert.equal(fresh.status, 304, tag);
    assert.equal(fresh.headers.get("etag"), asset.etag);
  }
});

Deno.test("htmlResponse() sends the page under the CSP, revalidated, with no referrer", async () => {
  const response = htmlResponse(undefined, '"t"', "<p>hi</p>");
  assert.equal(response.headers.get("content-security-policy"), PAGE_CSP);
  assert.equal(response.headers.get("cache-control"), "no-cache");
  assert.equal(response.headers.get("referrer-policy"), "no-referrer");
  assert.equal(response.headers.get("content-type"), CONTENT_TYPES.html);
  assert.equal(await response.text(), "<p>hi</p>");
});
