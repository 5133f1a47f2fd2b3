/**
 * @module The HTTP guards every route sits behind (SPEC §6): the UI token (HTTP and SSE alike),
 * cross-origin refusal for mutating requests, the JSON content type they must declare, and the
 * 64 KiB body cap. A token arrives as
 * `Authorization: Bearer`, the `hive_token` cookie, or `?token=` (EventSource cannot set headers);
 * a valid `?token=` on a page load is turned into an HttpOnly cookie so the page's own requests
 * carry it. The token itself is never echoed or logged.
 */
import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { errorMessage } from "../error_message.ts";

/** Bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A body must arrive whole within this, or the request gets 408. */
export const BODY_TIMEOUT_MS = 10_000;

const COOKIE = "hive_token";
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });
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

/**
 * The client went away (or broke the connection) while sending its body: nothing to answer and
 * nothing wrong here, so the error boundary logs it at debug, not as a server error.
 */
export class BodyAbortedError extends Error {
  constructor(cause: unknown) {
    super(
      `request body aborted: ${errorMessage(cause)}`,
      { cause },
    );
    this.name = "BodyAbortedError";
  }
}

/** Methods that change something: they must declare a JSON body. */
const MUTATING_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Refuse (415) a mutating request that does not declare `Content-Type: application/json`. A
 * browser sends such a request cross-site only after a CORS preflight, which this server never
 * grants; a form post or a `no-cors` fetch (`text/plain`, form types, none) could skip it.
 */
export function requireJsonContentType(): MiddlewareHandler {
  return async function jsonContentType(c, next) {
    if (MUTATING_METHODS.has(c.req.method)) {
      const declared = c.req.header("content-type") ?? "";
      const mediaType = declared.split(";")[0]!.trim().toLowerCase();
      if (mediaType !== "application/json") {
        throw new HTTPException(415, {
          message: `Content-Type must be application/json, got ${
            declared === "" ? "none" : `"${declared.slice(0, 100)}"`
          }`,
        });
      }
    }
    await next();
  };
}

/**
 * Refuse bodies over {@linkcode MAX_BODY_BYTES} without reading past the cap, and bodies that
 * are not UTF-8 (every body here is JSON text).
 */
export function limitBody(
  maxBytes = MAX_BODY_BYTES,
  timeoutMs = BODY_TIMEOUT_MS,
): MiddlewareHandler {
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
    // A body trickled a byte at a time would hold its connection (it is busy, not idle) forever.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) =>
      timer = setTimeout(() => resolve("late"), timeoutMs)
    );
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array> | "late";
      try {
        read = await Promise.race([reader.read(), late]);
      } catch (error) {
        clearTimeout(timer);
        throw new BodyAbortedError(error);
      }
      if (read === "late") {
        await reader.cancel().catch(() => {});
        throw new HTTPException(408, {
          message: `body not received within ${timeoutMs / 1000} s`,
        });
      }
      const { done, value } = read;
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        clearTimeout(timer);
        await reader.cancel();
        throw new HTTPException(413, {
          message: `body is over ${maxBytes} bytes`,
        });
      }
      chunks.push(value);
    }
    clearTimeout(timer);
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    // Read as text, bad bytes would silently become U+FFFD and reach the inbox altered.
    try {
      STRICT_UTF8.decode(body);
    } catch {
      throw new HTTPException(400, { message: "body is not valid UTF-8" });
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
