/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The `/stats` page's entry (bundled into `ui/stats.js`): reads `?window=`, takes a
 * `?token=` out of the address bar (the server has turned it into the `hive_token` cookie, which
 * the page's fetches and event stream then carry), and draws the page.
 */
import { render } from "preact";
import { HarnessApi } from "./api.ts";
import { readWindow } from "./stats_data.ts";
import { StatsPage } from "./stats_page.tsx";

/** Draw the stats page into `root`. */
export function mountStatsPage(root: HTMLElement): void {
  const url = new URL(location.href);
  if (url.searchParams.has("token")) {
    // Keep the secret out of the address bar, history and bookmarks.
    url.searchParams.delete("token");
    history.replaceState(null, "", url);
  }
  // Routes are siblings of /stats, so the page also works behind a proxy's path prefix.
  const base = location.pathname.replace(/\/[^/]*$/, "");
  render(
    <StatsPage
      api={new HarnessApi({ baseUrl: base })}
      streamUrl={`${base}/events/stream`}
      initialWindow={readWindow(url.searchParams.get("window"))}
      windowChanged={(name) => {
        const next = new URL(location.href);
        next.searchParams.set("window", name);
        history.replaceState(null, "", next);
      }}
    />,
    root,
  );
}

const root = document.getElementById("stats");
if (root) mountStatsPage(root);
