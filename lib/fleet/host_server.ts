/**
 * @module The host page's server (SPEC §11): `hive --port N` serves the fleet's routes and page
 * through the same app as an agent's page — the same token, Origin and body guards and the one
 * error boundary — fed by a {@linkcode FleetFeed} over the hive's broker.
 */
import type { BrokerApi } from "../broker/broker_api.ts";
import { SseHub } from "../events/sse_hub.ts";
import { createApp } from "../http/app.ts";
import { createFleetRoutes } from "../http/fleet_routes.ts";
import { createHivePageRoutes } from "../http/hive_page_routes.ts";
import type { Logger } from "../log.ts";
import { FleetFeed } from "./fleet_view.ts";

/** Where and how the host page listens. */
export interface HostServerOptions {
  host: string;
  port: number;
  uiToken: string | undefined;
  /** Extra names the `Host` header may carry. */
  allowedHosts?: string[];
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
): Promise<HostServer> {
  const { log } = deps;
  const hub = new SseHub({ log });
  const feed = new FleetFeed({
    broker,
    hub,
    log,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const app = createApp({
    log,
    uiToken: options.uiToken,
    alive: () => true,
    routers: [
      createFleetRoutes({
        broker,
        feed,
        hub,
        ...(deps.now ? { now: deps.now } : {}),
      }),
      createHivePageRoutes(),
    ],
  });
  feed.start();
  const shutdown = new AbortController();
  return new Promise((resolve, reject) => {
    let server: Deno.HttpServer;
    try {
      server = Deno.serve({
        hostname: options.host,
        port: options.port,
        signal: shutdown.signal,
        onListen: ({ hostname, port }) => {
          const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
          resolve({
            url: `http://${shown}:${port}/`,
            async close() {
              feed.stop();
              hub.close();
              shutdown.abort();
              await server.finished;
            },
          });
        },
      }, app.fetch);
    } catch (error) {
      feed.stop();
      reject(error);
    }
  });
}
