/**
 * @module The web app: guards, then every router mounted, then the one error boundary. Known
 * paths answer a wrong method with 405; unknown ones 404; errors are JSON `{"error": ...}`.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "../log.ts";
import { LoginNotRunningError } from "../claude/login_flow.ts";
import {
  BodyAbortedError,
  limitBody,
  refuseCrossOrigin,
  requireJsonContentType,
  requireToken,
} from "./guard.ts";
import { checkHost, HostPolicy } from "./host_check.ts";
import { limitFraming } from "./frame_ancestors.ts";
import { refuseOddRequests } from "./request_shape.ts";
import { BrokerTimeoutError } from "./api_routes.ts";
import { BrokerError, type BrokerErrorCode } from "../broker/broker_api.ts";
import { errorMessage } from "../error_message.ts";

/** What the app is built from. */
export interface AppDeps {
  log: Logger;
  /** The UI token; undefined when none is required. */
  uiToken: string | undefined;
  routers: Hono[];
  /** Answers `/healthz`. */
  alive: () => boolean;
  /** Which `Host` headers are answered (SPEC §12); loopback names only by default. */
  hosts?: HostPolicy;
  /** Origins that may frame the page besides its own; none by default. */
  embedders?: readonly string[];
}

const BROKER_ERROR_STATUS: Record<BrokerErrorCode, ContentfulStatusCode> = {
  invalid: 400,
  "not_found": 404,
  forbidden: 403,
  conflict: 409,
  // An inbox at its cap: the sender should slow down, not retry at once.
  full: 429,
  unavailable: 503,
  internal: 500,
};

/** The status a domain error maps to; 500 for anything unexpected. */
export function toErrorStatus(error: unknown): ContentfulStatusCode {
  if (error instanceof HTTPException) {
    return error.status as ContentfulStatusCode;
  }
  if (error instanceof LoginNotRunningError) return 409;
  if (error instanceof BodyAbortedError) return 400;
  if (error instanceof BrokerTimeoutError) return 503;
  if (error instanceof BrokerError) return BROKER_ERROR_STATUS[error.code];
  return 500;
}

/** Build the app. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use("*", limitFraming(deps.embedders ?? []));
  app.use("*", checkHost(deps.hosts ?? new HostPolicy()));
  app.use("*", refuseOddRequests());
  app.use("*", requireToken(deps.uiToken));
  app.use("*", refuseCrossOrigin());
  app.use("*", requireJsonContentType());
  app.use("*", limitBody());
  app.get(
    "/healthz",
    (c) =>
      deps.alive()
        ? c.json({ ok: true })
        : c.json({ ok: false, error: "turn loop is not running" }, 503),
  );
  const knownPaths = new Set<string>(["/healthz"]);
  for (const router of deps.routers) {
    app.route("/", router);
    for (const route of router.routes) knownPaths.add(route.path);
  }
  for (const path of knownPaths) {
    app.all(
      path,
      (c) =>
        c.json({ error: `method ${c.req.method} not allowed on ${path}` }, 405),
    );
  }
  app.notFound((c) => c.json({ error: `not found: ${c.req.path}` }, 404));
  app.onError((error, c) => {
    const status = toErrorStatus(error);
    if (error instanceof BodyAbortedError) {
      deps.log.debug("Request body aborted", {
        method: c.req.method,
        path: c.req.path,
        error,
      });
    } else if (status >= 500) {
      deps.log.error("Request failed", {
        method: c.req.method,
        path: c.req.path,
        error,
      });
    }
    const message = errorMessage(error);
    return c.json({
      error: status === 500 ? `internal error: ${message}` : message,
    }, status);
  });
  return app;
}
