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
import {
  assetResponse,
  CONTENT_TYPES,
  type EmbeddedAsset,
  etagOf,
  hashAssets,
  htmlResponse,
  linkVersions,
} from "./embedded_assets.ts";

/** Parts of the page that `?hide=` may leave out. */
export const HIDEABLE_PARTS: readonly string[] = ["header", "input", "panels"];

const FILES = [
  ["app.js", appJs, CONTENT_TYPES.js],
  ["style.css", styleCss, CONTENT_TYPES.css],
] as const;

/** Routes serving the page and its assets. */
export function createPageRoutes(): Hono {
  let assets: Promise<Map<string, EmbeddedAsset>> | null = null;
  // Hashing waits for the first request, so creating the router does no work.
  const loadAssets = () => assets ??= hashAssets(FILES);
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
    return htmlResponse(
      c.req.header("if-none-match"),
      await etagOf(html),
      html,
    );
  });

  app.get("/static/*", async (c) => {
    const name = c.req.path.slice("/static/".length);
    const asset = (await loadAssets()).get(name);
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

/** index.html with versioned asset links and the parts to hide. */
function renderIndex(
  assets: ReadonlyMap<string, EmbeddedAsset>,
  hide: string[],
): string {
  const html = indexHtml.replace(
    'data-hide=""',
    `data-hide="${hide.join(" ")}"`,
  );
  return linkVersions(html, assets, "static/");
}
