// deno-lint-ignore-file no-console -- the entry point is where the program talks to its terminal
/**
 * @module hive-harness entry point: parse the command line, build the parts, serve, wait.
 * Wiring only; every behaviour lives in `lib/`.
 */
import denoConfig from "./deno.json" with { type: "json" };
import {
  HIVE_USAGE,
  MCP_USAGE,
  parseRunArgs,
  parseSendArgs,
  parseWakeArgs,
  RUN_USAGE,
  SEND_USAGE,
  splitSubcommand,
  WAKE_USAGE,
  wantsHelp,
} from "./lib/commands/cli.ts";
import {
  realEnvironment,
  resolveAgentName,
  resolveStateDir,
  statePaths,
} from "./lib/config.ts";
import { createLogger } from "./lib/log.ts";
import { UsageError } from "./lib/commands/flags.ts";
import { startHarness } from "./lib/harness.ts";
import { isLoopbackHost } from "./lib/http/listen.ts";
import {
  claudeBaseEnv,
  currentSelfCommand,
} from "./lib/claude/self_command.ts";
import { openEmbeddedBroker } from "./lib/broker/embedded_broker.ts";
import { SocketBroker } from "./lib/broker/socket_client.ts";
import { parseHiveArgs, runHive } from "./lib/broker/hive.ts";
import { parseMcpArgs, runMcp } from "./lib/commands/mcp_command.ts";
import {
  parseStatsArgs,
  runStats,
  STATS_USAGE,
} from "./lib/commands/stats_command.ts";
import {
  parseVacuumArgs,
  runVacuum,
  VACUUM_USAGE,
} from "./lib/commands/vacuum_command.ts";
import type { Broker } from "./lib/broker/broker.ts";

const VERSION = denoConfig.version;

async function run(args: string[]): Promise<number> {
  const options = parseRunArgs(args);
  const environment = realEnvironment();
  const agent = resolveAgentName(options.name, environment);
  const uiToken = options.uiToken ??
    (Deno.env.get("HYPERHIVE_UI_TOKEN")?.trim() || undefined);
  if (!isLoopbackHost(options.host) && uiToken === undefined) {
    throw new UsageError(
      `--host ${options.host} is beyond loopback: --ui-token (or $HYPERHIVE_UI_TOKEN) is required`,
      "--ui-token",
    );
  }
  const log = createLogger({ base: { agent, role: options.role } });
  const harness = await startHarness({
    agent,
    role: options.role,
    stateDir: resolveStateDir(options.stateDir, environment),
    hiveSocket: options.hiveSocket,
    claude: options.claude,
    cwd: options.cwd,
    model: options.model,
    allowedTools: options.allowedTools,
    version: VERSION,
    self: currentSelfCommand(),
    uiToken,
  }, {
    log,
    environment,
    baseEnv: claudeBaseEnv(Deno.env.toObject()),
    connectHive: (socket) => new SocketBroker(socket, { role: options.role }),
  });
  const shutdown = new AbortController();
  const server = Deno.serve({
    hostname: options.host,
    port: options.port,
    signal: shutdown.signal,
    onListen: ({ hostname, port }) => {
      const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
      console.log(
        `hive-harness ${VERSION}: agent ${agent} (${options.role}) listening on http://${shown}:${port}/`,
      );
    },
  }, harness.app.fetch);
  const stop = () => shutdown.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await new Promise<void>((resolve) =>
    shutdown.signal.addEventListener("abort", () => resolve(), { once: true })
  );
  log.info("Shutting down");
  await harness.stop();
  await server.finished;
  return 0;
}

/** The broker a one-shot command talks to: the hive socket, or the state dir's embedded file. */
async function openCommandBroker(
  options: {
    name: string | undefined;
    stateDir: string | undefined;
    hiveSocket: string | undefined;
  },
): Promise<{ agent: string; broker: Broker }> {
  const environment = realEnvironment();
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

async function wake(args: string[]): Promise<number> {
  const options = parseWakeArgs(args);
  const body = options.body === "-"
    ? await new Response(Deno.stdin.readable).text()
    : options.body;
  if (body.trim() === "") throw new UsageError("--body is empty", "--body");
  const { agent, broker } = await openCommandBroker(options);
  try {
    const { id } = await broker.send(options.from, agent, body);
    console.log(`queued message ${id} for ${agent} from ${options.from}`);
  } finally {
    await broker.close();
  }
  return 0;
}

async function send(args: string[]): Promise<number> {
  const options = parseSendArgs(args);
  const { agent, broker } = await openCommandBroker(options);
  try {
    const { id } = await broker.send(agent, options.to, options.body);
    console.log(`sent message ${id} from ${agent} to ${options.to}`);
  } finally {
    await broker.close();
  }
  return 0;
}

const write = (text: string) =>
  void Deno.stdout.writeSync(new TextEncoder().encode(text));
const writeError = (text: string) =>
  void Deno.stderr.writeSync(new TextEncoder().encode(text));
const defaultStateDir = () => resolveStateDir(undefined, realEnvironment());

const USAGES: Record<string, string> = {
  run: RUN_USAGE,
  wake: WAKE_USAGE,
  send: SEND_USAGE,
  hive: HIVE_USAGE,
  mcp: MCP_USAGE,
  stats: STATS_USAGE,
  vacuum: VACUUM_USAGE,
};

async function main(argv: string[]): Promise<number> {
  const { command, rest } = splitSubcommand(argv);
  if (wantsHelp(rest)) {
    console.log(USAGES[command]);
    return 0;
  }
  const log = createLogger({ base: { command } });
  switch (command) {
    case "run":
      return await run(rest);
    case "wake":
      return await wake(rest);
    case "send":
      return await send(rest);
    case "hive":
      return await runHive(parseHiveArgs(rest), { log });
    case "mcp":
      return await runMcp(parseMcpArgs(rest), { log });
    case "stats":
      return await runStats(parseStatsArgs(rest), {
        write,
        writeError,
        defaultStateDir,
      });
    case "vacuum":
      return await runVacuum(parseVacuumArgs(rest), {
        write,
        writeError,
        defaultStateDir,
      });
    default: {
      const never: never = command;
      throw new UsageError(`Unknown subcommand ${never}`);
    }
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`hive-harness: ${error.message}`);
      Deno.exit(2);
    }
    console.error(
      `hive-harness: ${error instanceof Error ? error.message : String(error)}`,
    );
    Deno.exit(1);
  }
}
