/**
 * @module The web page's routes (SPEC §6): `GET /` and `GET /static/*`. The page's files are
 * imported as text, so `deno compile` and `deno bundle` embed them and the harness serves them
 * with no files beside it and no network. Assets are linked with their content hash, so the
 * browser keeps them until they change; every answer carries a strong `ETag` and honours
 * `If-None-Match`. A strict Content-Security-Policy backs up the page's own sanitising.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import indexHtml from "../../ui/index.html" with { type: "text" };
import appJs from "../../ui/app.js" with { type: "text" };
import styleCss from "../../ui/style.css" with { type: "text" };

/** Parts of the page that `?hide=` may leave out. */
export const HIDEABLE_PARTS: readonly string[] = ["header", "input", "panels"];

/** The page's Content-Security-Policy: its own scripts, styles and routes only. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

interface Asset {
  body: string;
  contentType: string;
  etag: string;
  /** The hash that versions the asset's URL. */
  version: string;
}

const CACHE_FOREVER = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

/** Routes serving the page and its assets. */
export function createPageRoutes(): Hono {
  let assets: Promise<Map<string, Asset>> | null = null;
  // Hashing waits for the first request, so creating the router does no work.
  const loadAssets = () => assets ??= hashAssets();
  const app = new Hono();

  app.get("/", async (c) => {
    const files = await loadAssets();
    const hide = (c.req.queries("hide") ?? []).flatMap((value) =>
      value.split(",")
    )
      .map((name) => name.trim()).filter((name) =>
        HIDEABLE_PARTS.includes(name)
      );
    const html = renderIndex(files, [...new Set(hide)]);
    const etag = `"${await sha256Base64Url(html)}"`;
    const headers = {
      "content-type": "text/html; charset=utf-8",
      "cache-control": REVALIDATE,
      "etag": etag,
      "content-security-policy": PAGE_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    };
    if (matchesEtag(c.req.header("if-none-match"), etag)) {
      return c.body(null, 304, headers);
    }
    return c.body(html, 200, headers);
  });

  app.get("/static/*", async (c) => {
    const name = c.req.path.slice("/static/".length);
    const asset = (await loadAssets()).get(name);
    if (!asset) {
      throw new HTTPException(404, { message: `not found: ${c.req.path}` });
    }
    const headers = {
      "content-type": asset.contentType,
      "cache-control": c.req.query("v") === asset.version
        ? CACHE_FOREVER
        : REVALIDATE,
      "etag": asset.etag,
      "x-content-type-options": "nosniff",
    };
    if (matchesEtag(c.req.header("if-none-match"), asset.etag)) {
      return c.body(null, 304, headers);
    }
    return c.body(asset.body, 200, headers);
  });

  return app;
}

async function hashAssets(): Promise<Map<string, Asset>> {
  const files: [string, string, string][] = [
    ["app.js", appJs, "text/javascript; charset=utf-8"],
    ["style.css", styleCss, "text/css; charset=utf-8"],
  ];
  const assets = new Map<string, Asset>();
  for (const [name, body, contentType] of files) {
    const hash = await sha256Base64Url(body);
    assets.set(name, {
      body,
      contentType,
      etag: `"${hash}"`,
      version: hash.slice(0, 16),
    });
  }
  return assets;
}

/** index.html with versioned asset links and the parts to hide. */
function renderIndex(assets: Map<string, Asset>, hide: string[]): string {
  let html = indexHtml.replace('data-hide=""', `data-hide="${hide.join(" ")}"`);
  for (const [name, asset] of assets) {
    html = html.replace(
      `"static/${name}"`,
      `"static/${name}?v=${asset.version}"`,
    );
  }
  return html;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((tag) => {
    const value = tag.trim();
    return value === "*" || value === etag || value === `W/${etag}`;
  });
}

async function sha256Base64Url(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return btoa(String.fromCharCode(...digest)).replaceAll("+", "-").replaceAll(
    "/",
    "_",
  ).replace(/=+$/, "").slice(0, 32);
}
