/**
 * @module The host page's own files on `hive-harness hive --port` (SPEC §11): `GET /` and its
 * script and style, imported as text so the binary embeds them, linked by content hash and
 * served with the agent page's Content-Security-Policy. The page shares the agent page's
 * `style.css` for its look.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import hiveHtml from "../../ui/hive.html" with { type: "text" };
import hiveJs from "../../ui/hive.js" with { type: "text" };
import hiveCss from "../../ui/hive.css" with { type: "text" };
import styleCss from "../../ui/style.css" with { type: "text" };
import { PAGE_CSP } from "./page_routes.ts";

interface Asset {
  body: string;
  contentType: string;
  etag: string;
  version: string;
}

const FILES: [string, string, string][] = [
  ["hive.js", hiveJs, "text/javascript; charset=utf-8"],
  ["hive.css", hiveCss, "text/css; charset=utf-8"],
  ["style.css", styleCss, "text/css; charset=utf-8"],
];

/** Routes serving the host page. */
export function createHivePageRoutes(): Hono {
  let files:
    | Promise<{ html: string; etag: string; assets: Map<string, Asset> }>
    | null = null;
  // Hashing waits for the first request, so creating the router does no work.
  const load = () => files ??= hashFiles();
  const app = new Hono();

  app.get("/", async (c) => {
    const { html, etag } = await load();
    return cached(c.req.header("if-none-match"), etag, html, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "content-security-policy": PAGE_CSP,
      "referrer-policy": "no-referrer",
    });
  });

  app.get("/static/*", async (c) => {
    const asset = (await load()).assets.get(
      c.req.path.slice("/static/".length),
    );
    if (!asset) {
      throw new HTTPException(404, { message: `not found: ${c.req.path}` });
    }
    return cached(c.req.header("if-none-match"), asset.etag, asset.body, {
      "content-type": asset.contentType,
      "cache-control": c.req.query("v") === asset.version
        ? "public, max-age=31536000, immutable"
        : "no-cache",
    });
  });

  return app;
}

async function hashFiles(): Promise<
  { html: string; etag: string; assets: Map<string, Asset> }
> {
  const assets = new Map<string, Asset>();
  let html = hiveHtml;
  for (const [name, body, contentType] of FILES) {
    const hash = await sha256Base64Url(body);
    const version = hash.slice(0, 16);
    assets.set(name, { body, contentType, etag: `"${hash}"`, version });
    html = html.replace(`"static/${name}"`, `"static/${name}?v=${version}"`);
  }
  return { html, etag: `"${await sha256Base64Url(html)}"`, assets };
}

// 304 when the browser has this version; every answer says `nosniff`.
function cached(
  ifNoneMatch: string | undefined,
  etag: string,
  body: string,
  headers: Record<string, string>,
): Response {
  const all = { ...headers, etag, "x-content-type-options": "nosniff" };
  const fresh = ifNoneMatch?.split(",").some((tag) =>
    [etag, `W/${etag}`, "*"].includes(tag.trim())
  );
  return fresh
    ? new Response(null, { status: 304, headers: all })
    : new Response(body, { status: 200, headers: all });
}

async function sha256Base64Url(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return btoa(String.fromCharCode(...digest)).replaceAll("+", "-")
    .replaceAll("/", "_").replace(/=+$/, "").slice(0, 32);
}
