/**
 * @module Serving files embedded in the binary (the agent page, `/stats`, the host page): each
 * file is hashed once, on first use; its HTML links it with the hash as `?v=`, so a browser
 * keeps it until it changes; every answer carries a strong content-hash `ETag` (304 on a
 * matching `If-None-Match`) and `nosniff`. A client that accepts br or gzip gets a file
 * compressed once per encoding (and kept), each encoding with an ETag of its own and
 * `Vary: Accept-Encoding`. One home for what the three pages' routes share.
 */
import {
  COMPRESS_MIN_BYTES,
  compressBody,
  type ContentEncoding,
  encodedEtag,
  pickEncoding,
} from "./compression.ts";

/** One embedded file, hashed. */
export interface EmbeddedAsset {
  body: string;
  contentType: string;
  /** Strong ETag: the quoted content hash. */
  etag: string;
  /** The part of the hash that versions the file's URL (`?v=`). */
  version: string;
  /** Its compressed bodies, made on first request. */
  encoded: Map<ContentEncoding, Promise<Uint8Array<ArrayBuffer>>>;
}

/** The content types of the pages' files. */
export const CONTENT_TYPES = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
} as const;

/** The pages' Content-Security-Policy: their own scripts, styles and routes only. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

const CACHE_FOREVER = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

/** Hash each `[name, body, contentType]`; by name. */
export async function hashAssets(
  files: readonly (readonly [string, string, string])[],
): Promise<Map<string, EmbeddedAsset>> {
  const assets = new Map<string, EmbeddedAsset>();
  for (const [name, body, contentType] of files) {
    const hash = await sha256Base64Url(body);
    assets.set(name, {
      body,
      contentType,
      etag: `"${hash}"`,
      version: hash.slice(0, 16),
      encoded: new Map(),
    });
  }
  return assets;
}

/** `html` with each `"PREFIXname"` link of `assets` given its `?v=` version. */
export function linkVersions(
  html: string,
  assets: ReadonlyMap<string, EmbeddedAsset>,
  prefix: string,
): string {
  let linked = html;
  for (const [name, asset] of assets) {
    linked = linked.replace(
      `"${prefix}${name}"`,
      `"${prefix}${name}?v=${asset.version}"`,
    );
  }
  return linked;
}

/** The strong ETag of `text` (for HTML made per request). */
export async function etagOf(text: string): Promise<string> {
  return `"${await sha256Base64Url(text)}"`;
}

/** 304 when `ifNoneMatch` names `etag` (or `*`), else 200 with `body`; both with `nosniff`. */
export function cachedResponse(
  ifNoneMatch: string | undefined,
  etag: string,
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string>,
): Response {
  const all = { ...headers, etag, "x-content-type-options": "nosniff" };
  const fresh = ifNoneMatch?.split(",").some((tag) =>
    [etag, `W/${etag}`, "*"].includes(tag.trim())
  );
  return fresh
    ? new Response(null, { status: 304, headers: all })
    : new Response(body, { status: 200, headers: all });
}

/** A page's HTML: always revalidated, under {@linkcode PAGE_CSP}, sending no referrer. */
export function htmlResponse(
  ifNoneMatch: string | undefined,
  etag: string,
  html: string,
): Response {
  return cachedResponse(ifNoneMatch, etag, html, {
    "content-type": CONTENT_TYPES.html,
    "cache-control": REVALIDATE,
    "content-security-policy": PAGE_CSP,
    "referrer-policy": "no-referrer",
  });
}

/**
 * An asset's answer: kept for a year when asked for by its current version (`?v=`), else
 * revalidated, so a page linking an old version never gets the new file cached under its name.
 */
export async function assetResponse(
  asset: EmbeddedAsset,
  ifNoneMatch: string | undefined,
  requestedVersion: string | undefined,
  acceptEncoding?: string,
): Promise<Response> {
  const headers: Record<string, string> = {
    "content-type": asset.contentType,
    "cache-control": requestedVersion === asset.version
      ? CACHE_FOREVER
      : REVALIDATE,
    "vary": "accept-encoding",
  };
  const encoding = asset.body.length < COMPRESS_MIN_BYTES
    ? null
    : pickEncoding(acceptEncoding);
  if (encoding === null) {
    return cachedResponse(ifNoneMatch, asset.etag, asset.body, headers);
  }
  let compressed = asset.encoded.get(encoding);
  if (!compressed) {
    // Made once and kept: the best effort pays off for a file every page load fetches.
    compressed = compressBody(asset.body, encoding, {
      level: encoding === "br" ? 11 : 9,
    });
    asset.encoded.set(encoding, compressed);
  }
  return cachedResponse(
    ifNoneMatch,
    encodedEtag(asset.etag, encoding),
    await compressed,
    { ...headers, "content-encoding": encoding },
  );
}

async function sha256Base64Url(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return btoa(String.fromCharCode(...digest)).replaceAll("+", "-")
    .replaceAll("/", "_").replace(/=+$/, "").slice(0, 32);
}
