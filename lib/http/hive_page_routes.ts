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
import {
  assetResponse,
  CONTENT_TYPES,
  type EmbeddedAsset,
  etagOf,
  hashAssets,
  htmlResponse,
  linkVersions,
} from "./embedded_assets.ts";

const FILES = [
  ["hive.js", hiveJs, CONTENT_TYPES.js],
  ["hive.css", hiveCss, CONTENT_TYPES.css],
  ["style.css", styleCss, CONTENT_TYPES.css],
] as const;

interface HivePageFiles {
  html: string;
  etag: string;
  assets: Map<string, EmbeddedAsset>;
}

/** Routes serving the host page. */
export function createHivePageRoutes(): Hono {
  let files: Promise<HivePageFiles> | null = null;
  // Hashing waits for the first request, so creating the router does no work.
  const load = () => files ??= hashFiles();
  const app = new Hono();

  app.get("/", async (c) => {
    const { html, etag } = await load();
    return htmlResponse(c.req.header("if-none-match"), etag, html);
  });

  app.get("/static/*", async (c) => {
    const asset = (await load()).assets.get(
      c.req.path.slice("/static/".length),
    );
    if (!asset) {
      throw new HTTPException(404, { message: `not found: ${c.req.path}` });
    }
    return assetResponse(
      asset,
      c.req.header("if-none-match"),
      c.req.query("v"),
      c.req.header("accept-encoding"),
    );
  });

  return app;
}

async function hashFiles(): Promise<HivePageFiles> {
  const assets = await hashAssets(FILES);
  const html = linkVersions(hiveHtml, assets, "static/");
  return { html, etag: await etagOf(html), assets };
}
