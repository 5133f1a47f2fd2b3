/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The host page's entry (bundled into `ui/hive.js`): takes a `?token=` out of the
 * address bar (the hive has turned it into the `hive_token` cookie, which the page's fetches and
 * event stream then carry) and draws the page.
 */
import { render } from "preact";
import { HarnessApi } from "./api.ts";
import { HivePage } from "./hive_page.tsx";

/** Draw the host page into `root`. */
export function mountHivePage(root: HTMLElement): void {
  const url = new URL(location.href);
  if (url.searchParams.has("token")) {
    // Keep the secret out of the address bar, history and bookmarks.
    url.searchParams.delete("token");
    history.replaceState(null, "", url);
  }
  // Routes are siblings of the page, so it also works behind a proxy's path prefix.
  const base = location.pathname.replace(/\/[^/]*$/, "");
  render(
    <HivePage
      api={new HarnessApi({ baseUrl: base })}
      streamUrl={`${base}/events/stream`}
    />,
    root,
  );
}

const root = document.getElementById("hive");
if (root) mountHivePage(root);
