/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The page's entry: reads what the URL asks for (`?hide=`, a `?token=` that the server
 * has turned into a cookie and that is then taken out of the address bar), and draws the app.
 */
import { render } from "preact";
import { HarnessApi } from "./api.ts";
import { App } from "./app.tsx";
import { createMarkdownRenderer } from "./markdown.ts";

const HIDEABLE = new Set(["header", "input", "panels"]);

/** Draw the page into `root`. */
export function mountPage(root: HTMLElement): void {
  const url = new URL(location.href);
  const hide = new Set(
    [
      url.searchParams.get("hide") ?? "",
      document.documentElement.dataset.hide ?? "",
    ]
      .flatMap((list) => list.split(/[\s,]+/))
      .filter((name) => HIDEABLE.has(name)),
  );
  if (url.searchParams.has("token")) {
    // The server set its cookie from it; keep the secret out of the address bar and history.
    url.searchParams.delete("token");
    history.replaceState(null, "", url);
  }
  for (const name of hide) {
    document.documentElement.classList.add(`hide-${name}`);
  }
  const base = { baseUrl: basePath() };
  render(
    <App
      api={new HarnessApi(base)}
      feedOptions={base}
      markdown={createMarkdownRenderer()}
      hide={hide}
      storage={safeLocalStorage()}
    />,
    root,
  );
}

/** The path the page is served under, so it also works behind a reverse proxy's prefix. */
function basePath(): string {
  return location.pathname.replace(/\/[^/]*$/, "");
}

function safeLocalStorage(): Storage | null {
  try {
    return globalThis.localStorage;
  } catch {
    return null;
  }
}

const root = document.getElementById("app");
if (root) mountPage(root);
