/**
 * @module `hive-harness mcp` (SPEC §4.3, §8): the stdio MCP server claude starts from the
 * harness's MCP config, named `hyperhive`. It talks to the broker the harness uses — the `hive`
 * socket, or the embedded sqlite file beside the harness — and serves the broker tools. stdout
 * is the protocol, so logs go to stderr only; startup opens nothing slow, since claude waits for
 * it (`alwaysLoad: true`): the protocol is the small tools-only server of `mcp_stdio_server.ts`,
 * not the MCP SDK, whose loading took most of the start (SPEC §10).
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { parseFlags, refusePositionals, UsageError } from "./flags.ts";
import { AGENT_NAME_PATTERN } from "../broker/broker_api.ts";
import { MAX_WAIT_SECONDS } from "../broker/broker_commands.ts";
import { openEmbeddedBroker } from "../broker/embedded_broker.ts";
import { type BrokerRequester, brokerTools } from "../broker/mcp_tools.ts";
import { serveMcpStdio } from "../broker/mcp_stdio_server.ts";
import { createBrokerRequestHandler } from "../broker/request_handler.ts";
import { SocketBroker } from "../broker/socket_client.ts";
import { writeStatusFile } from "../broker/status_file.ts";
import { STATE_FILES } from "../config.ts";

/** The usage text of `hive-harness mcp --help`. */
export const MCP_USAGE =
  `Usage: hive-harness mcp --agent NAME [--role agent|manager] (--hive-socket PATH | --broker-db PATH) [--state-dir DIR]

The stdio MCP server claude starts from the harness's MCP config (server name hyperhive):
send, recv, ask_operator, remind, get_loose_ends, cancel_loose_end, set_status; the manager's
act on any agent and add list_agents.
`;

/** `mcp`'s options. */
export interface McpOptions {
  agent: string;
  role: "agent" | "manager";
  /** The `hive` socket; when absent, the embedded store at `brokerDb`. */
  hiveSocket: string | undefined;
  brokerDb: string | undefined;
  /** Where `hyperhive-status` is written on `set_status`. */
  stateDir: string | undefined;
}

/** What `mcp` needs from its caller. */
export interface McpDeps {
  log: Logger;
  /** Stops the server; it also stops when stdin ends. */
  signal?: AbortSignal;
}

/** The MCP server's name: claude prefixes its tools with `mcp__hyperhive__`. */
export const MCP_SERVER_NAME = "hyperhive";

/**
 * Parse `mcp --agent NAME [--role agent|manager] (--hive-socket PATH | --broker-db PATH)
 * [--state-dir DIR]`; without either broker flag, `DIR/hyperhive-broker.sqlite` of `--state-dir`.
 */
export function parseMcpArgs(args: readonly string[]): McpOptions {
  const { values, positionals } = parseFlags(args, {
    agent: { type: "string" },
    role: { type: "string", default: "agent" },
    "hive-socket": { type: "string" },
    "broker-db": { type: "string" },
    "state-dir": { type: "string" },
  });
  refusePositionals(positionals, "mcp");
  const agent = values.agent?.trim();
  if (!agent) {
    throw new UsageError(
      "--agent is required: the agent this server acts as",
      "--agent",
    );
  }
  if (!AGENT_NAME_PATTERN.test(agent)) {
    throw new UsageError(`--agent: invalid agent name "${agent}"`, "--agent");
  }
  const role = values.role;
  if (role !== "agent" && role !== "manager") {
    throw new UsageError(
      `--role must be agent or manager, got "${role}"`,
      "--role",
    );
  }
  const hiveSocket = values["hive-socket"] || undefined;
  const stateDir = values["state-dir"] || undefined;
  let brokerDb = values["broker-db"] || undefined;
  if (hiveSocket && brokerDb) {
    throw new UsageError(
      "--hive-socket and --broker-db exclude each other",
      "--broker-db",
    );
  }
  if (!hiveSocket && !brokerDb) {
    if (!stateDir) {
      throw new UsageError(
        "--hive-socket or --broker-db (or --state-dir) is required",
        "--hive-socket",
      );
    }
    brokerDb = join(stateDir, STATE_FILES.broker);
  }
  return { agent, role, hiveSocket, brokerDb, stateDir };
}

/** Serve the broker tools over stdio until stdin ends or the signal fires; exit code. */
export async function runMcp(
  options: McpOptions,
  deps: McpDeps,
): Promise<number> {
  const { log } = deps;
  const identity = { agent: options.agent, role: options.role };
  let request: BrokerRequester;
  let closeBroker: () => Promise<void>;
  if (options.hiveSocket) {
    // Long enough to ride out a broker restart, short enough that claude gets an error, not a hang.
    const client = new SocketBroker(options.hiveSocket, {
      role: options.role,
      connectTimeoutMs: 5000,
    });
    request = (body, signal) =>
      client.request(
        body,
        signal ? { signal, waitMs: waitOf(body) } : { waitMs: waitOf(body) },
      );
    closeBroker = () => client.close();
  } else {
    try {
      // The harness's own process runs the scheduler; this one only reads and writes.
      const broker = openEmbeddedBroker(options.brokerDb!, {
        log,
        schedule: false,
      });
      await broker.addAgent(options.agent);
      request = createBrokerRequestHandler(broker, identity, { log });
      closeBroker = () => broker.close();
    } catch (error) {
      log.error("Cannot open the broker store", {
        path: options.brokerDb,
        error,
      });
      return 1;
    }
  }
  const statusPath = options.stateDir
    ? join(options.stateDir, STATE_FILES.status)
    : undefined;
  const tools = brokerTools({
    request,
    role: options.role,
    ...(statusPath
      ? {
        onOwnStatus: (text: string) => writeStatusFile(statusPath, text, log),
      }
      : {}),
  });
  log.info("MCP server ready", {
    agent: options.agent,
    role: options.role,
    broker: options.hiveSocket ?? options.brokerDb,
  });
  await serveMcpStdio({
    name: MCP_SERVER_NAME,
    version: "0.1.0",
    tools,
    ...(deps.signal ? { signal: deps.signal } : {}),
    onError: (message, error) => log.warn(message, { error }),
  });
  await closeBroker();
  return 0;
}

function waitOf(body: Record<string, unknown>): number {
  return typeof body.wait_seconds === "number"
    ? Math.min(body.wait_seconds, MAX_WAIT_SECONDS) * 1000
    : 0;
}
