// deno-lint-ignore-file no-console -- the entry point is where the program talks to its terminal
/**
 * @module hive-harness entry point: parse the command line, build the parts, serve, wait.
 * Wiring only; every behaviour lives in `lib/`.
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import denoConfig from "./deno.json" with { type: "json" };
import {
  parseRunArgs,
  parseSendArgs,
  parseWakeArgs,
  RUN_USAGE,
  SEND_USAGE,
  splitSubcommand,
  WAKE_USAGE,
  wantsHelp,
} from "./lib/cli.ts";
import {
  realEnvironment,
  resolveAgentName,
  resolveStateDir,
  statePaths,
} from "./lib/config.ts";
import { createLogger } from "./lib/log.ts";
import { UsageError } from "./lib/usage_error.ts";
import { startHarness } from "./lib/harness.ts";
import { isLoopbackHost } from "./lib/http/listen.ts";
import type { SelfCommand } from "./lib/runtime_files.ts";
import { openEmbeddedBroker } from "./lib/broker/embedded_broker.ts";

const VERSION = denoConfig.version;

/** How claude's MCP config starts this same program: the binary itself, or deno on this module. */
function selfCommand(): SelfCommand {
  const exec = Deno.execPath();
  if (basename(exec) !== "deno") return { command: exec, args: [] };
  const entry = fileURLToPath(Deno.mainModule);
  const config = join(dirname(entry), "deno.json");
  let hasConfig = false;
  try {
    hasConfig = Deno.statSync(config).isFile;
  } catch {
    hasConfig = false;
  }
  return {
    command: exec,
    args: [
      "run",
      "--allow-all",
      ...(hasConfig ? ["--config", config, "--frozen"] : []),
      entry,
    ],
  };
}

/** The environment claude inherits: ours, less the harness's own secret and nesting markers. */
function claudeBaseEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.HYPERHIVE_UI_TOKEN;
  delete env.CLAUDECODE;
  return env;
}

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
    self: selfCommand(),
    uiToken,
  }, { log, environment, baseEnv: claudeBaseEnv() });
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

async function wake(args: string[]): Promise<number> {
  const options = parseWakeArgs(args);
  const environment = realEnvironment();
  const agent = resolveAgentName(options.name, environment);
  const body = options.body === "-"
    ? await new Response(Deno.stdin.readable).text()
    : options.body;
  if (body.trim() === "") throw new UsageError("--body is empty", "--body");
  if (options.hiveSocket !== undefined) {
    throw new UsageError(
      "wake over --hive-socket is not supported yet",
      "--hive-socket",
    );
  }
  const paths = statePaths(
    resolveStateDir(options.stateDir, environment),
    environment,
  );
  const broker = openEmbeddedBroker(paths.brokerDb, { schedule: false });
  try {
    await broker.addAgent(agent);
    const { id } = await broker.send(options.from, agent, body);
    console.log(`queued message ${id} for ${agent} from ${options.from}`);
  } finally {
    await broker.close();
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const { command, rest } = splitSubcommand(argv);
  const usage: Partial<Record<string, string>> = {
    run: RUN_USAGE,
    wake: WAKE_USAGE,
    send: SEND_USAGE,
  };
  if (wantsHelp(rest) && usage[command]) {
    console.log(usage[command]);
    return 0;
  }
  switch (command) {
    case "run":
      return await run(rest);
    case "wake":
      return await wake(rest);
    case "send":
      parseSendArgs(rest);
      throw new UsageError("send is not wired yet");
    default:
      throw new UsageError(`${command} is not wired yet`);
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
