/**
 * @module The host page's server (SPEC §11): `hive --port N` serves the fleet's routes and page
 * through the same app and the same bounded server as an agent's page — the same Host check,
 * token, Origin and body guards and the one error boundary — fed by a {@linkcode FleetFeed}
 * over the hive's broker.
 */
import type { BrokerApi } from "../broker/broker_api.ts";
import { SseHub } from "../events/sse_hub.ts";
import { createApp } from "../http/app.ts";
import { createFleetRoutes } from "../http/fleet_routes.ts";
import { createHivePageRoutes } from "../http/hive_page_routes.ts";
import { HostPolicy } from "../http/host_check.ts";
import { startServer } from "../http/server.ts";
import type { Logger } from "../log.ts";
import { FleetFeed } from "./fleet_view.ts";

/** Where and how the host page listens. */
export interface HostServerOptions {
  host: string;
  port: number;
  uiToken: string | undefined;
  /** `--allowed-host`: names the `Host` header may carry besides the bound address. */
  allowedHosts: string[];
  /** `--allow-embed`: origins that may frame the page. */
  allowEmbed: string[];
}

/** A listening host page. */
export interface HostServer {
  /** `http://host:port/` as bound. */
  url: string;
  close(): Promise<void>;
}

/** Serve the host page for `broker` until closed. */
export function serveHostPage(
  broker: BrokerApi,
  options: HostServerOptions,
  deps: { log: Logger; now?: () => number },
): HostServer {
  const { log } = deps;
  const hub = new SseHub({ log });
  const now = deps.now ? { now: deps.now } : {};
  const feed = new FleetFeed({ broker, hub, log, ...now });
  const hosts = new HostPolicy({ allowedHosts: options.allowedHosts });
  const app = createApp({
    log,
    uiToken: options.uiToken,
    alive: () => true,
    hosts,
    embedders: options.allowEmbed,
    routers: [
      createFleetRoutes({ broker, feed, hub, ...now }),
      createHivePageRoutes(),
    ],
  });
  const shutdown = new AbortController();
  const server = startServer(app.fetch, {
    hostname: options.host,
    port: options.port,
    signal: shutdown.signal,
    log,
  });
  hosts.listening(server.addr, options.host);
  feed.start();
  const { hostname, port } = server.addr;
  const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${shown}:${port}/`,
    async close() {
      feed.stop();
      hub.close();
      shutdown.abort();
      await server.finished;
    },
  };
}
