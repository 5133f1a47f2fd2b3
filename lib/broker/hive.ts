/**
 * @module `hive-harness hive` (SPEC §1, §2): one broker for a host, served on one socket per
 * agent (`DIR/<name>/mcp.sock`) plus the manager's. The socket is the identity: an agent's
 * socket acts only as that agent. Agents come from `--agents`, from the registry of earlier runs,
 * and from the manager's `add_agent`, which makes the new agent's socket at once.
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { parseFlags, UsageError } from "../commands/flags.ts";
import { assertAgentName, BrokerError } from "./broker_api.ts";
import { type EmbeddedBroker, openEmbeddedBroker } from "./embedded_broker.ts";
import { createBrokerRequestHandler } from "./request_handler.ts";
import { type BrokerSocketServer, serveBrokerSocket } from "./socket_server.ts";

/** `hive`'s options. */
export interface HiveOptions {
  socketDir: string;
  agents: string[];
  manager: string;
  /** The broker store; `DIR/hyperhive-broker.sqlite` unless `--db` says otherwise. */
  db: string;
}

/** What `hive` needs from its caller. */
export interface HiveDeps {
  log: Logger;
  /** Stops the hive; without it, SIGINT and SIGTERM do. */
  signal?: AbortSignal;
}

/** A running hive. */
export interface Hive {
  broker: EmbeddedBroker;
  /** Socket path per agent name (the manager's included). */
  sockets: Map<string, string>;
  /** Register an agent and serve its socket; returns the socket path. */
  addAgent(name: string): Promise<string>;
  close(): Promise<void>;
}

/** The socket of agent `name` under `socketDir`. */
export function agentSocketPath(socketDir: string, name: string): string {
  return join(socketDir, name, "mcp.sock");
}

/** Parse `hive --socket-dir DIR [--agents a,b] [--manager NAME] [--db PATH]`. */
export function parseHiveArgs(args: readonly string[]): HiveOptions {
  const { values, positionals } = parseFlags(args, {
    "socket-dir": { type: "string" },
    agents: { type: "string" },
    manager: { type: "string", default: "manager" },
    db: { type: "string" },
  });
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}" for hive`);
  }
  const socketDir = values["socket-dir"];
  if (!socketDir) {
    throw new UsageError(
      "--socket-dir is required: where the agents' sockets go",
      "--socket-dir",
    );
  }
  const manager = values.manager ?? "manager";
  checkName(manager, "--manager");
  const agents = (values.agents ?? "").split(",").map((name) => name.trim())
    .filter((name) => name !== "");
  for (const name of agents) checkName(name, "--agents");
  if (values.db === "") throw new UsageError("--db must not be empty", "--db");
  return {
    socketDir,
    agents: [...new Set(agents)],
    manager,
    db: values.db ?? join(socketDir, "hyperhive-broker.sqlite"),
  };
}

function checkName(name: string, flag: string): void {
  try {
    assertAgentName(name);
  } catch (error) {
    throw new UsageError(
      `${flag}: ${error instanceof Error ? error.message : error}`,
      flag,
    );
  }
}

/** Open the broker and serve every known agent's socket. */
export async function startHive(
  options: HiveOptions,
  deps: { log: Logger },
): Promise<Hive> {
  const { log } = deps;
  const broker = openEmbeddedBroker(options.db, { log });
  const servers = new Map<string, BrokerSocketServer>();
  const sockets = new Map<string, string>();
  let adding = Promise.resolve();

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
        }
        : {}),
    });
    const path = agentSocketPath(options.socketDir, name);
    servers.set(name, await serveBrokerSocket(path, handler, { log }));
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
    for (const name of [options.manager, ...options.agents]) {
      await broker.addAgent(name);
    }
    for (const { name } of await broker.listAgents()) await serve(name);
  } catch (error) {
    await close();
    throw error;
  }
  return { broker, sockets, addAgent, close };
}

/** Run the hive until the signal (or SIGINT/SIGTERM); exit code 0, or 1 when it cannot start. */
export async function runHive(
  options: HiveOptions,
  deps: HiveDeps,
): Promise<number> {
  const { log } = deps;
  let hive: Hive;
  try {
    hive = await startHive(options, { log });
  } catch (error) {
    const message = error instanceof BrokerError || error instanceof Error
      ? error.message
      : String(error);
    log.error("Cannot start the hive broker", {
      error: message,
      db: options.db,
      socket_dir: options.socketDir,
    });
    return 1;
  }
  log.info("Hive broker ready", {
    db: options.db,
    agents: [...hive.sockets.keys()],
    manager: options.manager,
  });
  await stopped(deps.signal);
  log.info("Hive broker stopping");
  await hive.close();
  return 0;
}

function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    return signal.aborted
      ? Promise.resolve()
      : new Promise((resolve) =>
        signal.addEventListener("abort", () => resolve(), { once: true })
      );
  }
  return new Promise((resolve) => {
    const stop = () => {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
      resolve();
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
}
