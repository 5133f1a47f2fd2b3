/**
 * @module The command line (SPEC §2): which subcommand, and the `run`, `wake` and `send` options.
 * Parsing is pure: it throws a {@linkcode UsageError} naming the flag, and only `main.ts` exits.
 * The `hive`, `mcp`, `stats` and `vacuum` subcommands parse their own flags in their modules.
 */
import { parseFlags, UsageError } from "./flags.ts";
import type { Role } from "../config.ts";

/** The subcommands. */
export const SUBCOMMANDS = [
  "run",
  "hive",
  "mcp",
  "wake",
  "send",
  "stats",
  "vacuum",
] as const;

/** A subcommand name. */
export type Subcommand = (typeof SUBCOMMANDS)[number];

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
}

/** The options of `wake`: put a message in this agent's inbox. */
export interface WakeOptions {
  name: string | undefined;
  stateDir: string | undefined;
  hiveSocket: string | undefined;
  from: string;
  /** The body, or `-` to read it from stdin. */
  body: string;
}

/** The options of `send`: message another agent through the broker. */
export interface SendOptions {
  name: string | undefined;
  stateDir: string | undefined;
  hiveSocket: string | undefined;
  to: string;
  body: string;
}

/** Split argv into the subcommand and its arguments (`run` when none is named). */
export function splitSubcommand(
  args: readonly string[],
): { command: Subcommand; rest: string[] } {
  const first = args[0];
  if (
    first !== undefined && (SUBCOMMANDS as readonly string[]).includes(first)
  ) {
    return { command: first as Subcommand, rest: args.slice(1) };
  }
  if (first !== undefined && !first.startsWith("-")) {
    throw new UsageError(
      `Unknown subcommand "${first}": expected one of ${
        SUBCOMMANDS.join(", ")
      }`,
    );
  }
  return { command: "run", rest: [...args] };
}

/** Whether the arguments ask for help. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

const COMMON_FLAGS = {
  name: { type: "string" },
  "state-dir": { type: "string" },
  "hive-socket": { type: "string" },
} as const;

/** Parse `run`'s flags. */
export function parseRunArgs(args: readonly string[]): RunOptions {
  const { values, positionals } = parseFlags(args, {
    ...COMMON_FLAGS,
    role: { type: "string", default: "agent" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8080" },
    claude: { type: "string" },
    cwd: { type: "string" },
    model: { type: "string" },
    "ui-token": { type: "string" },
    "allowed-tools": { type: "string" },
  });
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}" for run`);
  }
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
  };
}

/** Parse `wake`'s flags. */
export function parseWakeArgs(args: readonly string[]): WakeOptions {
  const { values, positionals } = parseFlags(args, {
    ...COMMON_FLAGS,
    from: { type: "string" },
    body: { type: "string" },
  });
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}" for wake`);
  }
  const from = nonEmptyFlag(values.from, "--from");
  if (from === undefined) {
    throw new UsageError("--from is required: the sender's label", "--from");
  }
  if (values.body === undefined) {
    throw new UsageError(
      "--body is required: the text, or - for stdin",
      "--body",
    );
  }
  return {
    name: nonEmptyFlag(values.name, "--name"),
    stateDir: nonEmptyFlag(values["state-dir"], "--state-dir"),
    hiveSocket: nonEmptyFlag(values["hive-socket"], "--hive-socket"),
    from,
    body: values.body,
  };
}

/** Parse `send`'s flags: `send --to NAME TEXT`. */
export function parseSendArgs(args: readonly string[]): SendOptions {
  const { values, positionals } = parseFlags(args, {
    ...COMMON_FLAGS,
    to: { type: "string" },
  });
  const to = nonEmptyFlag(values.to, "--to");
  if (to === undefined) {
    throw new UsageError("--to is required: the receiving agent", "--to");
  }
  const body = positionals.join(" ");
  if (body.trim() === "") {
    throw new UsageError("send needs the message text after the flags");
  }
  return {
    name: nonEmptyFlag(values.name, "--name"),
    stateDir: nonEmptyFlag(values["state-dir"], "--state-dir"),
    hiveSocket: nonEmptyFlag(values["hive-socket"], "--hive-socket"),
    to,
    body,
  };
}

function nonEmptyFlag(
  value: string | undefined,
  flag: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === "") {
    throw new UsageError(`${flag} must not be empty`, flag);
  }
  return value;
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

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:\[\]-]{0,99}$/;

/** Whether `name` is acceptable as a `--model` value (no spaces, no flags, no shell noise). */
export function isValidModelName(name: string): boolean {
  return MODEL_NAME.test(name);
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
  --ui-token TOKEN       required when --host is not loopback (default $HYPERHIVE_UI_TOKEN)
  --allowed-tools LIST   passed to claude as --allowedTools (default coding tools + mcp__hyperhive)
  --help                 this text

Subcommands:
  run      run the agent (default)
  hive     serve one broker for a host on per-agent sockets
  mcp      the stdio MCP server claude starts (tools send, recv, ask_operator, remind, ...)
  wake     --from LABEL --body TEXT|-   put a message in this agent's inbox
  send     --to NAME TEXT               message another agent through the broker
  stats    turn-stats reports over one or many state dirs
  vacuum   retention sweep over one or many state dirs
`;

/** The usage text of `hive-harness wake --help`. */
export const WAKE_USAGE =
  `Usage: hive-harness wake --from LABEL --body TEXT|- [--name NAME] [--state-dir DIR] [--hive-socket PATH]

Puts a message from LABEL in this agent's inbox; the running harness wakes for it.
--body - reads the text from stdin.
`;

/** The usage text of `hive-harness send --help`. */
export const SEND_USAGE =
  `Usage: hive-harness send --to NAME TEXT [--name NAME] [--state-dir DIR] [--hive-socket PATH]

Sends TEXT from this agent to agent NAME through the broker.
`;

/** The usage text of `hive-harness hive --help`. */
export const HIVE_USAGE =
  `Usage: hive-harness hive --socket-dir DIR [--agents a,b,c] [--manager NAME] [--db PATH]

Serves one broker for a host: a socket per agent at DIR/<name>/mcp.sock (the socket is the
agent's identity) plus the manager's. The store is DIR/hyperhive-broker.sqlite unless --db.
`;

/** The usage text of `hive-harness mcp --help`. */
export const MCP_USAGE =
  `Usage: hive-harness mcp --agent NAME [--role agent|manager] (--hive-socket PATH | --broker-db PATH) [--state-dir DIR]

The stdio MCP server claude starts from the harness's MCP config (server name hyperhive):
send, recv, ask_operator, remind, get_loose_ends, cancel_loose_end, set_status; the manager's
act on any agent and add list_agents.
`;
