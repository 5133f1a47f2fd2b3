/**
 * @module Requests refused for their shape before any route sees them: a method no route can
 * take (TRACE, CONNECT, made-up ones) gets 405, not the 500 Deno's `Request` would raise when a
 * guard rebuilt it, and a URL over {@linkcode MAX_URL_BYTES} gets a JSON 414. Deno's HTTP engine
 * answers a request line beyond ~64 KiB with a bare 400 itself, before this code runs.
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

/** Methods some route answers (or answers with a JSON 405 naming the path). */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
]);

/** Longest URL (path and query) answered; no route takes more than a few hundred bytes. */
export const MAX_URL_BYTES = 8 * 1024;

/** Refuse a method no route takes (405) and a URL over the limit (414). */
export function refuseOddRequests(): MiddlewareHandler {
  return async function requestShape(c, next) {
    if (!KNOWN_METHODS.has(c.req.method)) {
      c.header("allow", [...KNOWN_METHODS].join(", "));
      throw new HTTPException(405, {
        message: `method ${c.req.method.slice(0, 32)} not allowed`,
      });
    }
    const url = new URL(c.req.url);
    const length = url.pathname.length + url.search.length;
    if (length > MAX_URL_BYTES) {
      throw new HTTPException(414, {
        message: `URL is over ${MAX_URL_BYTES} bytes (${length})`,
      });
    }
    await next();
  };
}
