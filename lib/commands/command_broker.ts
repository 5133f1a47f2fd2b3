/**
 * @module The broker a one-shot command (`wake`, `send`) talks to, and which agent it acts for:
 * the `hive` socket when `--hive-socket` names one (the socket is the agent's identity: it
 * answers which agent it is), else
 * the embedded store in the agent's state dir, opened without its scheduler (the running harness
 * owns that). A command never invents an agent: with no `--name` (nor `$HYPERHIVE_AGENT`), a
 * state dir holding one agent means that one; a name the broker does not know is refused,
 * naming the agents there are, unless `--create` asks for it.
 */
import type { Broker } from "../broker/broker.ts";
import { openEmbeddedBroker } from "../broker/embedded_broker.ts";
import { SocketBroker } from "../broker/socket_client.ts";
import {
  type ConfigEnvironment,
  resolveAgentName,
  resolveStateDir,
  statePaths,
} from "../config.ts";
import { UsageError } from "./flags.ts";

/** The flags that pick the agent and its broker. */
export interface CommandBrokerOptions {
  name: string | undefined;
  stateDir: string | undefined;
  hiveSocket: string | undefined;
  /** Register the named agent when the broker does not know it. */
  create?: boolean;
}

/** The agents a broker knows and how to add one, as agent resolution needs them. */
export interface AgentDirectory {
  /** Where the agents live, for messages (`state dir /x`, `hive socket /y`). */
  where: string;
  list(): Promise<string[]>;
  add(name: string): Promise<void>;
}

function listed(names: readonly string[]): string {
  return names.length === 0 ? "none yet" : names.join(", ");
}

/**
 * The agent a command acts for. `named` is `--name`, else `$HYPERHIVE_AGENT`; `fallback` the
 * name `--create` gives when nothing names one and the broker knows no agent (the host name).
 * Throws a {@linkcode UsageError} (exit 2) naming the agents there are.
 */
export async function pickAgent(
  directory: AgentDirectory,
  named: string | undefined,
  options: { create: boolean; fallback: string },
): Promise<string> {
  const known = await directory.list();
  if (named !== undefined) {
    if (known.includes(named)) return named;
    if (options.create) {
      await directory.add(named);
      return named;
    }
    throw new UsageError(
      `Unknown agent "${named}" in ${directory.where} (agents: ${
        listed(known)
      }): name one of them with --name, or add --create to make "${named}"`,
      "--name",
    );
  }
  if (known.length === 1) return known[0]!;
  if (known.length === 0) {
    if (options.create) {
      await directory.add(options.fallback);
      return options.fallback;
    }
    throw new UsageError(
      `No agent in ${directory.where} yet: start the harness there first, or name one with --name NAME --create`,
      "--name",
    );
  }
  throw new UsageError(
    `${known.length} agents in ${directory.where} (${
      listed(known)
    }): choose one with --name`,
    "--name",
  );
}

/** Open the broker and resolve the agent; the caller closes the broker. */
export async function openCommandBroker(
  options: CommandBrokerOptions,
  environment: ConfigEnvironment,
): Promise<{ agent: string; broker: Broker }> {
  const named = options.name ??
    (environment.env("HYPERHIVE_AGENT")?.trim() || undefined);
  const create = options.create ?? false;
  if (options.hiveSocket !== undefined) {
    const socket = new SocketBroker(options.hiveSocket);
    try {
      // An agent socket speaks for one agent: that is the one, whatever the host name.
      const agent = await socket.whoami();
      if (named !== undefined && named !== agent) {
        throw new UsageError(
          `Unknown agent "${named}" on hive socket ${options.hiveSocket}, which is agent "${agent}": drop --name or use that agent's socket`,
          "--name",
        );
      }
      return { agent, broker: socket };
    } catch (error) {
      await socket.close();
      throw error;
    }
  }
  const stateDir = resolveStateDir(options.stateDir, environment);
  const paths = statePaths(stateDir, environment);
  const broker = openEmbeddedBroker(paths.brokerDb, { schedule: false });
  try {
    const agent = await pickAgent(
      {
        where: `state dir ${stateDir}`,
        list: async () =>
          (await broker.listAgents()).map((agent) => agent.name),
        add: (name) => broker.addAgent(name),
      },
      named,
      { create, fallback: resolveAgentName(undefined, environment) },
    );
    return { agent, broker };
  } catch (error) {
    await broker.close();
    throw error;
  }
}
