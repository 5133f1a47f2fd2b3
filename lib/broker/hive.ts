/**
 * @module The hive (SPEC §1, §2): one broker for a host, served on one socket per
 * agent (`DIR/<name>/mcp.sock`) plus the manager's. The socket is the identity: an agent's
 * socket acts only as that agent. Agents come from `--agents`, from the registry of earlier runs,
 * and from the manager's `add_agent`, which makes the new agent's socket at once. `ping` on any
 * socket answers while that socket accepts; on the manager's it lists every socket's health
 * (what `hive --ping` checks). The sockets it starts with take connections only once all are
 * open, so a flood on one during start cannot leave the next without a descriptor to open with
 * (that made the hive exit). The subcommand around it (flags, signals) is
 * `commands/hive_command.ts`.
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { assertAgentName } from "./broker_api.ts";
import {
  DEFAULT_MAX_QUEUED,
  type EmbeddedBroker,
  openEmbeddedBroker,
} from "./embedded_broker.ts";
import { createBrokerRequestHandler } from "./request_handler.ts";
import {
  type BrokerSocketHealth,
  type BrokerSocketServer,
  DEFAULT_MAX_CONNECTIONS,
  serveBrokerSocket,
} from "./socket_server.ts";

/** What a hive serves. */
export interface HiveOptions {
  socketDir: string;
  agents: string[];
  manager: string;
  /** The broker store; `DIR/hyperhive-broker.sqlite` unless `--db` says otherwise. */
  db: string;
  /** Connections each socket serves at once (default 64). */
  maxConnections?: number;
  /** Undelivered messages an agent's inbox holds before `send` is refused (default 1000). */
  maxQueued?: number;
}

/** A running hive. */
export interface Hive {
  broker: EmbeddedBroker;
  /** Socket path per agent name (the manager's included). */
  sockets: Map<string, string>;
  /** Register an agent and serve its socket; returns the socket path. */
  addAgent(name: string): Promise<string>;
  /** Every socket's health, by agent name. */
  health(): Record<string, BrokerSocketHealth>;
  close(): Promise<void>;
}

/** The socket of agent `name` under `socketDir`. */
export function agentSocketPath(socketDir: string, name: string): string {
  return join(socketDir, name, "mcp.sock");
}

/** Open the broker and serve every known agent's socket. */
export async function startHive(
  options: HiveOptions,
  deps: { log: Logger },
): Promise<Hive> {
  const { log } = deps;
  const broker = openEmbeddedBroker(options.db, {
    log,
    maxQueued: options.maxQueued ?? DEFAULT_MAX_QUEUED,
  });
  const servers = new Map<string, BrokerSocketServer>();
  const health = () =>
    Object.fromEntries(
      [...servers].map(([name, server]) => [name, server.health()]),
    );
  const sockets = new Map<string, string>();
  let adding = Promise.resolve();
  // The sockets the hive starts with take connections only once all of them are open.
  const { promise: started, resolve: allOpen } = Promise.withResolvers<void>();

  async function serve(name: string): Promise<string> {
    const existing = sockets.get(name);
    if (existing) return existing;
    const role = name === options.manager ? "manager" : "agent";
    const handler = createBrokerRequestHandler(broker, { agent: name, role }, {
      log,
      ...(role === "manager"
        ? {
          onAddAgent: async (added: string) => ({
            socket: await addAgent(added),
          }),
          onPing: () => ({ sockets: health() }),
        }
        : { onPing: () => ({ socket: servers.get(name)?.health() ?? null }) }),
    });
    const path = agentSocketPath(options.socketDir, name);
    servers.set(
      name,
      await serveBrokerSocket(path, handler, {
        log,
        maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
        acceptFrom: started,
      }),
    );
    sockets.set(name, path);
    log.info("Serving broker socket", { agent: name, role, path });
    return path;
  }

  function addAgent(name: string): Promise<string> {
    // One at a time: two `add_agent`s for one name must not both make its socket.
    const result = adding.then(async () => {
      assertAgentName(name);
      await broker.addAgent(name);
      return await serve(name);
    });
    adding = result.then(() => {}, () => {});
    return result;
  }

  async function close(): Promise<void> {
    await Promise.allSettled(
      [...servers.values()].map((server) => server.close()),
    );
    await broker.close();
  }

  try {
    // What a killed hive held for a `recv` answer it never wrote is offered again.
    const released = await broker.releaseHeld();
    if (released > 0) {
      log.warn("Offering again messages a stopped hive held for recv", {
        count: released,
      });
    }
    for (const name of [options.manager, ...options.agents]) {
      await broker.addAgent(name);
    }
    for (const { name } of await broker.listAgents()) await serve(name);
    allOpen();
  } catch (error) {
    await close();
    throw error;
  }
  return { broker, sockets, addAgent, health, close };
}
