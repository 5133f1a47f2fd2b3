/**
 * @module Who may frame the project's pages: the CSP `frame-ancestors` directive on every
 * response, `'self'` alone by default, so another site cannot load the page in a frame and trick
 * the operator into clicking its buttons (clickjacking). An operator who embeds the page in a
 * dashboard names that dashboard's origin with `--allow-embed ORIGIN` (repeatable).
 */
import type { MiddlewareHandler } from "hono";

/** The `frame-ancestors` directive for these embedding origins (`'self'` is always one). */
export function frameAncestorsDirective(embedders: readonly string[]): string {
  return ["frame-ancestors", "'self'", ...embedders].join(" ");
}

/**
 * Check an `--allow-embed` value: an `http(s)://host[:port]` origin, nothing after it. Returns the
 * origin as the browser spells it; throws TypeError naming the value otherwise.
 */
export function parseEmbedOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`not an origin: "${value}" (expected https://host)`);
  }
  const bare = value.replace(/\/$/, "");
  if (
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.origin !== bare.toLowerCase()
  ) {
    throw new TypeError(
      `not an origin: "${value}" (expected scheme://host[:port], no path)`,
    );
  }
  return url.origin;
}

/**
 * Add `frame-ancestors` to every response: appended to a page's own Content-Security-Policy, or
 * as the whole policy of the rest (JSON, SSE), and `X-Frame-Options` for browsers without CSP 2
 * when no other site may embed.
 */
export function limitFraming(embedders: readonly string[]): MiddlewareHandler {
  const directive = frameAncestorsDirective(embedders);
  return async function framingPolicy(c, next) {
    await next();
    const headers = c.res.headers;
    const existing = headers.get("content-security-policy");
    headers.set(
      "content-security-policy",
      existing ? `${existing}; ${directive}` : directive,
    );
    if (embedders.length === 0) headers.set("x-frame-options", "SAMEORIGIN");
  };
}
