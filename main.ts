// deno-lint-ignore-file no-console -- the entry point is where the program talks to its terminal
/**
 * @module hive-harness entry point: pick the subcommand, run it, map its outcome to an exit code
 * (a {@linkcode UsageError} exits 2, any other error 1). Each subcommand's flags, usage text and
 * work live in `lib/commands/`.
 */
import denoConfig from "./deno.json" with { type: "json" };
import { realEnvironment, resolveStateDir } from "./lib/config.ts";
import { createLogger } from "./lib/log.ts";
import { UsageError } from "./lib/commands/flags.ts";
import {
  splitSubcommand,
  type Subcommand,
  wantsHelp,
} from "./lib/commands/subcommand.ts";
import {
  parseRunArgs,
  RUN_USAGE,
  runAgent,
} from "./lib/commands/run_command.ts";
import {
  parseWakeArgs,
  runWake,
  WAKE_USAGE,
} from "./lib/commands/wake_command.ts";
import {
  parseSendArgs,
  runSend,
  SEND_USAGE,
} from "./lib/commands/send_command.ts";
import {
  HIVE_USAGE,
  parseHiveArgs,
  runHive,
} from "./lib/commands/hive_command.ts";
import { MCP_USAGE, parseMcpArgs, runMcp } from "./lib/commands/mcp_command.ts";
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

const encoder = new TextEncoder();
const write = (text: string) =>
  void Deno.stdout.writeSync(encoder.encode(text));
const writeError = (text: string) =>
  void Deno.stderr.writeSync(encoder.encode(text));
const environment = realEnvironment();
const defaultStateDir = () => resolveStateDir(undefined, environment);
const readStdin = () => new Response(Deno.stdin.readable).text();
const logFor = (command: Subcommand) => createLogger({ base: { command } });

/** Each subcommand: its `--help` text, and how to run it on its arguments. */
const SUBCOMMAND_TABLE: Record<
  Subcommand,
  { usage: string; run: (args: string[]) => Promise<number> }
> = {
  run: {
    usage: RUN_USAGE,
    run: (args) =>
      runAgent(parseRunArgs(args), {
        environment,
        version: denoConfig.version,
        write,
      }),
  },
  wake: {
    usage: WAKE_USAGE,
    run: (args) =>
      runWake(parseWakeArgs(args), { environment, write, readStdin }),
  },
  send: {
    usage: SEND_USAGE,
    run: (args) => runSend(parseSendArgs(args), { environment, write }),
  },
  hive: {
    usage: HIVE_USAGE,
    run: (args) =>
      runHive(parseHiveArgs(args), {
        log: logFor("hive"),
        write,
        onPageListen: (url) =>
          write(`hive-harness hive: host page on ${url}\n`),
      }),
  },
  mcp: {
    usage: MCP_USAGE,
    run: (args) => runMcp(parseMcpArgs(args), { log: logFor("mcp") }),
  },
  stats: {
    usage: STATS_USAGE,
    run: (args) =>
      runStats(parseStatsArgs(args), { write, writeError, defaultStateDir }),
  },
  vacuum: {
    usage: VACUUM_USAGE,
    run: (args) =>
      runVacuum(parseVacuumArgs(args), { write, writeError, defaultStateDir }),
  },
};

async function main(argv: string[]): Promise<number> {
  const { command, rest } = splitSubcommand(argv);
  const subcommand = SUBCOMMAND_TABLE[command];
  if (wantsHelp(rest)) {
    write(subcommand.usage + "\n");
    return 0;
  }
  return await subcommand.run(rest);
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(
      `hive-harness: ${error instanceof Error ? error.message : String(error)}`,
    );
    Deno.exit(error instanceof UsageError ? 2 : 1);
  }
}
