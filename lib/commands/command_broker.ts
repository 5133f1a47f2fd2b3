/**
 * @module The broker a one-shot command (`wake`, `send`) talks to: the `hive` socket when
 * `--hive-socket` names one, else the embedded store in the agent's state dir, opened without
 * its scheduler (the running harness owns that).
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

/** The flags that pick the agent and its broker. */
export interface CommandBrokerOptions {
  name: string | undefined;
  stateDir: string | undefined;
  hiveSocket: string | undefined;
}

/** Resolve the agent's name and open its broker; the caller closes the broker. */
export async function openCommandBroker(
  options: CommandBrokerOptions,
  environment: ConfigEnvironment,
): Promise<{ agent: string; broker: Broker }> {
  const agent = resolveAgentName(options.name, environment);
  if (options.hiveSocket !== undefined) {
    return { agent, broker: new SocketBroker(options.hiveSocket) };
  }
  const paths = statePaths(
    resolveStateDir(options.stateDir, environment),
    environment,
  );
  const broker = openEmbeddedBroker(paths.brokerDb, { schedule: false });
  await broker.addAgent(agent);
  return { agent, broker };
}
