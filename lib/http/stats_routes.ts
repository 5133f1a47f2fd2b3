/**
 * @module The turn-stats read routes (SPEC §6): `GET /api/turn-stats` (rows, newest first),
 * `GET /api/stats` (bucketed summaries), `GET /stats` (the embedded page that draws them, with
 * its `stats.js` and `stats.css`; it shares the agent page's `static/style.css`) and
 * `GET /metrics` (Prometheus text). Handlers validate their query at the top and throw
 * `HTTPException(400)` naming the field; the app's `onError` turns that into `{"error": ...}`.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import statsHtml from "../../ui/stats.html" with { type: "text" };
import statsJs from "../../ui/stats.js" with { type: "text" };
import statsCss from "../../ui/stats.css" with { type: "text" };
import {
  assetResponse,
  CONTENT_TYPES,
  type EmbeddedAsset,
  etagOf,
  hashAssets,
  htmlResponse,
  linkVersions,
} from "./embedded_assets.ts";
import {
  type MetricFamily,
  PROMETHEUS_CONTENT_TYPE,
  renderExposition,
} from "../stats/prometheus.ts";
import type { StoreTurnMetrics } from "../stats/turn_metrics.ts";
import {
  parseStatsWindow,
  windowBounds,
  windowStats,
} from "../stats/window.ts";
import type { TurnStatsReader } from "../stats/turn_stats_store.ts";

/** What the stats routes need. */
export interface StatsRoutesDeps {
  stats: TurnStatsReader;
  agent: string;
  role: string;
  /** What `/metrics` exposes, kept current over `stats`. */
  metrics: StoreTurnMetrics;
  /** More families for `/metrics` (the fleet's state, budget and today's spend). */
  moreMetrics?: () => MetricFamily[];
  now?: () => number;
}

const MAX_LIMIT = 1000;

/** The stats routes, to mount with `app.route("/", ...)`. */
export function createStatsRoutes(deps: StatsRoutesDeps): Hono {
  const { stats, metrics, agent, role, now = Date.now } = deps;
  const nowSeconds = () => Math.floor(now() / 1000);

  const app = new Hono();

  app.get("/api/turn-stats", (c) => {
    const limit = integerQuery(c.req.query("limit"), "limit", MAX_LIMIT);
    const since = integerQuery(c.req.query("since"), "since");
    return c.json({
      rows: stats.list({
        limit: limit ?? 100,
        ...(since === undefined ? {} : { since }),
      }),
    });
  });

  app.get("/api/stats", (c) => {
    const name = c.req.query("window") ?? "24h";
    const window = parseStatsWindow(name);
    if (window === null) {
      throw new HTTPException(400, {
        message: `Invalid window: expected 24h, 7d or 30d, got ${
          JSON.stringify(name)
        }`,
      });
    }
    const at = nowSeconds();
    const { from, until } = windowBounds(window, at);
    const rows = stats.range(from, until);
    return c.json({ agent, role, ...windowStats(rows, window, at) });
  });

  // The page's assets are linked with their content hash: cached until they change.
  let page: Promise<StatsPageFiles> | null = null;
  const pageFiles = () => page ??= hashPageFiles();

  app.get("/stats", async (c) => {
    const { html, etag } = await pageFiles();
    return htmlResponse(c.req.header("if-none-match"), etag, html);
  });

  for (const name of ["stats.js", "stats.css"] as const) {
    app.get(`/${name}`, async (c) => {
      const asset = (await pageFiles()).assets.get(name)!;
      return assetResponse(
        asset,
        c.req.header("if-none-match"),
        c.req.query("v"),
        c.req.header("accept-encoding"),
      );
    });
  }

  app.get("/metrics", (c) => {
    const text = renderExposition([
      ...metrics.scrape(),
      ...(deps.moreMetrics?.() ?? []),
    ]);
    return c.body(text, 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  });

  return app;
}

interface StatsPageFiles {
  html: string;
  etag: string;
  assets: Map<string, EmbeddedAsset>;
}

async function hashPageFiles(): Promise<StatsPageFiles> {
  const assets = await hashAssets([
    ["stats.js", statsJs, CONTENT_TYPES.js],
    ["stats.css", statsCss, CONTENT_TYPES.css],
  ]);
  // The page links its files beside it (`/stats.js`), not under `static/`.
  const html = linkVersions(statsHtml, assets, "");
  return { html, etag: await etagOf(html), assets };
}

// `limit` is 1..max; `since` (no max) is unix seconds, 0 or more.
function integerQuery(
  value: string | undefined,
  field: string,
  max?: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  const min = max === undefined ? 0 : 1;
  if (
    !/^\d{1,15}$/.test(value) || number < min || number > (max ?? Infinity)
  ) {
    const expected = max === undefined
      ? "unix seconds, 0 or more"
      : `an integer from ${min} to ${max}`;
    throw new HTTPException(400, {
      message: `Invalid ${field}: expected ${expected}, got ${
        JSON.stringify(value)
      }`,
    });
  }
  return number;
}
