/**
 * @module The HTTP guards every route sits behind (SPEC §6): the UI token (HTTP and SSE alike),
 * cross-origin refusal for mutating requests, and the 64 KiB body cap. A token arrives as
 * `Authorization: Bearer`, the `hive_token` cookie, or `?token=` (EventSource cannot set headers);
 * a valid `?token=` on a page load is turned into an HttpOnly cookie so the page's own requests
 * carry it. The token itself is never echoed or logged.
 */
import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";

/** Bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

const COOKIE = "hive_token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Compare without leaking where the strings differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  }
  return diff === 0;
}

/** Refuse requests without the token (when one is configured). */
export function requireToken(token: string | undefined): MiddlewareHandler {
  return async function tokenGuard(c, next) {
    if (token === undefined || c.req.path === "/healthz") return await next();
    const header = c.req.header("authorization");
    // The auth scheme is case-insensitive (RFC 9110 §11.1): `bearer x` is a Bearer token too.
    const bearer = header !== undefined && /^bearer\s/i.test(header)
      ? header.slice(7).trim()
      : undefined;
    const query = c.req.query("token");
    const offered = [bearer, getCookie(c, COOKIE), query].filter((value) =>
      value !== undefined && value !== ""
    );
    if (!offered.some((value) => constantTimeEqual(value!, token))) {
      throw new HTTPException(401, {
        message: offered.length === 0 ? "token required" : "wrong token",
      });
    }
    await next();
    if (query !== undefined && constantTimeEqual(query, token)) {
      setCookie(c, COOKIE, token, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/",
      });
    }
  };
}

/** Refuse a mutating request whose `Origin` is not the page's own. */
export function refuseCrossOrigin(): MiddlewareHandler {
  return async function originGuard(c, next) {
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header("origin");
      const host = c.req.header("host");
      const site = c.req.header("sec-fetch-site");
      if (site === "cross-site") {
        throw new HTTPException(403, {
          message: "cross-origin request refused",
        });
      }
      if (origin !== undefined && origin !== "null") {
        let originHost: string;
        try {
          originHost = new URL(origin).host;
        } catch {
          throw new HTTPException(403, {
            message: "cross-origin request refused: bad Origin",
          });
        }
        if (host === undefined || originHost !== host) {
          throw new HTTPException(403, {
            message: "cross-origin request refused",
          });
        }
      } else if (origin === "null") {
        throw new HTTPException(403, {
          message: "cross-origin request refused",
        });
      }
    }
    await next();
  };
}

/** Refuse bodies over {@linkcode MAX_BODY_BYTES} without reading past the cap. */
export function limitBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return async function bodyLimit(c, next) {
    if (SAFE_METHODS.has(c.req.method) || c.req.raw.body === null) {
      return await next();
    }
    const declared = Number(c.req.header("content-length") ?? "NaN");
    if (declared > maxBytes) {
      throw new HTTPException(413, {
        message: `body is over ${maxBytes} bytes`,
      });
    }
    const reader = c.req.raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new HTTPException(413, {
          message: `body is over ${maxBytes} bytes`,
        });
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    // Not `new Request(c.req.raw, …)`: copying the request's signal makes Deno warn about its
    // legacy abort behaviour on every POST.
    c.req.raw = new Request(c.req.raw.url, {
      method: c.req.method,
      headers: c.req.raw.headers,
      body,
    });
    await next();
  };
}
