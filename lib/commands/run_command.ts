/**
 * @module `hive-harness run` (SPEC §2), the default subcommand: parse its flags, start the
 * harness ({@linkcode startHarness}), serve the page until SIGINT/SIGTERM, then stop. Its usage
 * text is also the program's `--help`, listing every subcommand.
 */
import { DEFAULT_MAX_QUEUED } from "../broker/embedded_broker.ts";
import type { ConfigEnvironment, Role } from "../config.ts";
import {
  DEFAULT_KEEP_WARM_SECONDS,
  resolveAgentName,
  resolveStateDir,
} from "../config.ts";
import { createLogger } from "../log.ts";
import { SecretValues } from "../security/secret_values.ts";
import { startHarness } from "../harness.ts";
import {
  isAddrInUse,
  isLoopbackHost,
  isPortFree,
  portInUseMessage,
} from "../http/listen.ts";
import { startServer } from "../http/server.ts";
import { claudeBaseEnv, currentSelfCommand } from "../claude/self_command.ts";
import { SocketBroker } from "../broker/socket_client.ts";
import { isValidModelName } from "../turn/model_setting.ts";
import {
  AGENT_FLAGS,
  nonEmptyFlag,
  PAGE_EXPOSURE_FLAGS,
  PAGE_EXPOSURE_USAGE,
  type PageExposure,
  parseFlags,
  parsePageExposure,
  refusePositionals,
  UsageError,
} from "./flags.ts";

/** The usage text of `hive-harness --help`. */
export const RUN_USAGE =
  `hive-harness — drive one Claude Code agent turn by turn

Usage: hive-harness [run] [options]
       hive-harness <hive|mcp|wake|send|stats|vacuum> --help

Options of run:
  --role agent|manager   the agent's role (default agent)
  --name NAME            agent name (default $HYPERHIVE_AGENT, else the host name)
  --state-dir DIR        state files (default $HYPERHIVE_STATE_DIR, else /state if writable, else ./.state)
  --host ADDR            web page address (default 127.0.0.1)
  --port N               web page port (default 8080; 0 = a free port, printed)
  --hive-socket PATH     broker socket (default: an embedded broker in the state dir)
  --claude PATH          the Claude Code CLI (default claude on PATH)
  --cwd DIR              where claude runs (default the state dir)
  --model NAME           model for the next turn (default the persisted one, else haiku)
  --ui-token TOKEN       required when --host is not loopback (default $HYPERHIVE_UI_TOKEN;
                         prefer the variable: a flag's value is visible in ps)
  --allowed-tools LIST   passed to claude as --allowedTools (default coding tools + mcp__hyperhive)
  --budget-daily-usd X   no turn starts once today's (UTC) recorded cost reaches X dollars
  --max-failed-turns N   pause after N failed turns in a row (default 5; 0 = never)
  --max-queued N         undelivered messages the embedded broker's inboxes hold; a send
                         past it is refused with 429 (default 1000; the hive's is its own flag)
  --keep-warm SECONDS    keep one claude alive between turns, closed after SECONDS idle
                         (default 600; 0 = a fresh claude per turn)
  --one-message-per-turn one turn per message, even when its sender queued several (by
                         default a turn takes a sender's queued messages together)
${PAGE_EXPOSURE_USAGE}  --help                 this text

Subcommands:
  run      run the agent (default)
  hive     serve one broker for a host on per-agent sockets
  mcp      the stdio MCP server claude starts (tools send, recv, ask_operator, remind, ...)
  wake     --from LABEL --body TEXT|-   put a message in this agent's inbox
  send     --to NAME TEXT               message another agent through the broker
  stats    turn-stats reports over one or many state dirs
  vacuum   retention sweep over one or many state dirs
`;

/** The options of `run`, as given (defaults are resolved by config). */
export interface RunOptions {
  role: Role;
  name: string | undefined;
  stateDir: string | undefined;
  host: string;
  port: number;
  hiveSocket: string | undefined;
  claude: string | undefined;
  cwd: string | undefined;
  model: string | undefined;
  uiToken: string | undefined;
  allowedTools: string[] | undefined;
  /** Seconds a warm claude may idle before it is closed; 0 = a fresh claude per turn. */
  keepWarmSeconds: number;
  /** Who may reach and frame the page beyond its own address. */
  exposure: PageExposure;
  /** Today's (UTC) spend at which no turn starts; null for none. */
  budgetDailyUsd: number | null;
  /** Consecutive failed turns that pause the agent (0 = never). */
  maxFailedTurns: number;
  /** Undelivered messages an inbox of the embedded broker holds. */
  maxQueued: number;
  /** One turn per message, instead of a sender's queued messages together. */
  oneMessagePerTurn: boolean;
}

/** Parse `run`'s flags. */
export function parseRunArgs(args: readonly string[]): RunOptions {
  const { values, positionals } = parseFlags(args, {
    ...AGENT_FLAGS,
    role: { type: "string", default: "agent" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8080" },
    claude: { type: "string" },
    cwd: { type: "string" },
    model: { type: "string" },
    "ui-token": { type: "string" },
    "allowed-tools": { type: "string" },
    "keep-warm": { type: "string" },
    ...PAGE_EXPOSURE_FLAGS,
    "budget-daily-usd": { type: "string" },
    "max-failed-turns": { type: "string", default: "5" },
    "max-queued": { type: "string", default: String(DEFAULT_MAX_QUEUED) },
    "one-message-per-turn": { type: "boolean", default: false },
  });
  refusePositionals(positionals, "run");
  const role = values.role;
  if (role !== "agent" && role !== "manager") {
    throw new UsageError(
      `--role must be agent or manager, got "${role}"`,
      "--role",
    );
  }
  return {
    role,
    name: nonEmptyFlag(values.name, "--name"),
    stateDir: nonEmptyFlag(values["state-dir"], "--state-dir"),
    host: nonEmptyFlag(values.host, "--host") ?? "127.0.0.1",
    port: parsePort(values.port),
    hiveSocket: nonEmptyFlag(values["hive-socket"], "--hive-socket"),
    claude: nonEmptyFlag(values.claude, "--claude"),
    cwd: nonEmptyFlag(values.cwd, "--cwd"),
    model: parseModel(values.model),
    // An empty token counts as none (SPEC §6).
    uiToken: values["ui-token"]?.trim() || undefined,
    allowedTools: parseToolList(values["allowed-tools"]),
    keepWarmSeconds: parseKeepWarm(values["keep-warm"]),
    exposure: parsePageExposure(values),
    budgetDailyUsd: parseBudget(values["budget-daily-usd"]),
    maxFailedTurns: parseCount(
      values["max-failed-turns"],
      "--max-failed-turns",
    ),
    maxQueued: Math.max(1, parseCount(values["max-queued"], "--max-queued")),
    oneMessagePerTurn: values["one-message-per-turn"],
  };
}

/** `--budget-daily-usd`: dollars ≥ 0. */
function parseBudget(value: string | undefined): number | null {
  if (value === undefined) return null;
  const dollars = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(dollars)) {
    throw new UsageError(
      `--budget-daily-usd must be dollars such as 5 or 0.50, got "${value}"`,
      "--budget-daily-usd",
    );
  }
  return dollars;
}

function parseCount(value: string | undefined, flag: string): number {
  if (!/^\d{1,6}$/.test(value ?? "")) {
    throw new UsageError(
      `${flag} must be a whole number, got "${value}"`,
      flag,
    );
  }
  return Number(value);
}

/** A whole number of seconds, 0 up to a day (a timer cannot hold much more). */
function parseKeepWarm(value: string | undefined): number {
  if (value === undefined) return DEFAULT_KEEP_WARM_SECONDS;
  const seconds = Number(value);
  if (
    value.trim() === "" || !Number.isInteger(seconds) || seconds < 0 ||
    seconds > 86_400
  ) {
    throw new UsageError(
      `--keep-warm must be whole seconds from 0 to 86400, got "${value}"`,
      "--keep-warm",
    );
  }
  return seconds;
}

function parsePort(value: string | undefined): number {
  const port = Number(value);
  if (!/^\d+$/.test(value ?? "") || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(
      `--port must be a number from 0 to 65535, got "${value}"`,
      "--port",
    );
  }
  return port;
}

function parseModel(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isValidModelName(value)) {
    throw new UsageError(`--model is not a model name: "${value}"`, "--model");
  }
  return value;
}

function parseToolList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const tools = value.split(/[,\s]+/).filter((tool) => tool !== "");
  if (tools.length === 0) {
    throw new UsageError(
      "--allowed-tools must name at least one tool",
      "--allowed-tools",
    );
  }
  return tools;
}

/** What `run` needs from the outside. */
export interface RunDeps {
  environment: ConfigEnvironment;
  /** The program's version, shown on the listen line and in `/api/state`. */
  version: string;
  /** Where the listen line goes (stdout). */
  write: (text: string) => void;
}

/** Run the agent until SIGINT or SIGTERM; exit code 0. */
export async function runAgent(
  options: RunOptions,
  deps: RunDeps,
): Promise<number> {
  const { environment, version } = deps;
  const agent = resolveAgentName(options.name, environment);
  const uiToken = options.uiToken ??
    (environment.env("HYPERHIVE_UI_TOKEN")?.trim() || undefined);
  if (!isLoopbackHost(options.host) && uiToken === undefined) {
    throw new UsageError(
      `--host ${options.host} is beyond loopback: --ui-token (or $HYPERHIVE_UI_TOKEN) is required`,
      "--ui-token",
    );
  }
  if (options.port !== 0 && !isPortFree(options.host, options.port)) {
    throw new UsageError(
      portInUseMessage(options.host, options.port),
      "--port",
    );
  }
  // The logger and the events redact the same secrets; the credential joins them when saved.
  const secrets = SecretValues.fromEnvironment(Deno.env.toObject());
  secrets.add(uiToken);
  const log = createLogger({ base: { agent, role: options.role }, secrets });
  const harness = await startHarness({
    agent,
    role: options.role,
    stateDir: resolveStateDir(options.stateDir, environment),
    hiveSocket: options.hiveSocket,
    claude: options.claude,
    cwd: options.cwd,
    model: options.model,
    allowedTools: options.allowedTools,
    keepWarmSeconds: options.keepWarmSeconds,
    maxQueued: options.maxQueued,
    version,
    self: currentSelfCommand(),
    uiToken,
    allowedHosts: options.exposure.allowedHosts,
    allowEmbed: options.exposure.allowEmbed,
    budgetDailyUsd: options.budgetDailyUsd,
    maxFailedTurns: options.maxFailedTurns,
    oneMessagePerTurn: options.oneMessagePerTurn,
  }, {
    log,
    environment,
    baseEnv: claudeBaseEnv(Deno.env.toObject()),
    secrets,
    connectHive: (socket) => new SocketBroker(socket, { role: options.role }),
  });
  const shutdown = new AbortController();
  let server: ReturnType<typeof startServer>;
  try {
    server = startServer(harness.app.fetch, {
      hostname: options.host,
      port: options.port,
      signal: shutdown.signal,
      log,
      onConnectionsEnded: () => harness.connectionsEnded(),
    });
  } catch (error) {
    await harness.stop();
    // Taken since the check above: the same words.
    if (!isAddrInUse(error)) throw error;
    throw new UsageError(
      portInUseMessage(options.host, options.port),
      "--port",
    );
  }
  harness.hosts.listening(server.addr, options.host);
  const { hostname, port } = server.addr;
  const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
  harness.setPageUrl(`http://${shown}:${port}/`);
  deps.write(
    `hive-harness ${version}: agent ${agent} (${options.role}) listening on http://${shown}:${port}/\n`,
  );
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
