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
const encoder = new TextEncoder();
const write = (text: string) =>
  void Deno.stdout.writeSync(encoder.encode(text));
const writeError = (text: string) =>
  void Deno.stderr.writeSync(encoder.encode(text));
const environment = realEnvironment();
const defaultStateDir = () => resolveStateDir(undefined, environment);
const readStdin = () => new Response(Deno.stdin.readable).text();
const logFor = (command: Subcommand) => createLogger({ base: { command } });

/** A subcommand, loaded: its `--help` text, and how to run it on its arguments. */
interface LoadedSubcommand {
  usage: string;
  run: (args: string[]) => Promise<number>;
}

/**
 * Each subcommand's module is imported only when it runs: `mcp`, which claude starts on every
 * cold turn and waits for, then loads the broker tools and nothing of the web app (SPEC §10).
 */
const SUBCOMMAND_TABLE: Record<Subcommand, () => Promise<LoadedSubcommand>> = {
  run: async () => {
    const { parseRunArgs, RUN_USAGE, runAgent } = await import(
      "./lib/commands/run_command.ts"
    );
    return {
      usage: RUN_USAGE,
      run: (args) =>
        runAgent(parseRunArgs(args), {
          environment,
          version: denoConfig.version,
          write,
        }),
    };
  },
  wake: async () => {
    const { parseWakeArgs, runWake, WAKE_USAGE } = await import(
      "./lib/commands/wake_command.ts"
    );
    return {
      usage: WAKE_USAGE,
      run: (args) =>
        runWake(parseWakeArgs(args), { environment, write, readStdin }),
    };
  },
  send: async () => {
    const { parseSendArgs, runSend, SEND_USAGE } = await import(
      "./lib/commands/send_command.ts"
    );
    return {
      usage: SEND_USAGE,
      run: (args) => runSend(parseSendArgs(args), { environment, write }),
    };
  },
  hive: async () => {
    const { HIVE_USAGE, parseHiveArgs, runHive } = await import(
      "./lib/commands/hive_command.ts"
    );
    return {
      usage: HIVE_USAGE,
      run: (args) =>
        runHive(parseHiveArgs(args), {
          log: logFor("hive"),
          write,
          onPageListen: (url) =>
            write(`hive-harness hive: host page on ${url}\n`),
        }),
    };
  },
  mcp: async () => {
    const { MCP_USAGE, parseMcpArgs, runMcp } = await import(
      "./lib/commands/mcp_command.ts"
    );
    return {
      usage: MCP_USAGE,
      run: (args) => runMcp(parseMcpArgs(args), { log: logFor("mcp") }),
    };
  },
  stats: async () => {
    const { parseStatsArgs, runStats, STATS_USAGE } = await import(
      "./lib/commands/stats_command.ts"
    );
    return {
      usage: STATS_USAGE,
      run: (args) =>
        runStats(parseStatsArgs(args), {
          write,
          writeError,
          defaultStateDir,
        }),
    };
  },
  vacuum: async () => {
    const { parseVacuumArgs, runVacuum, VACUUM_USAGE } = await import(
      "./lib/commands/vacuum_command.ts"
    );
    return {
      usage: VACUUM_USAGE,
      run: (args) =>
        runVacuum(parseVacuumArgs(args), {
          write,
          writeError,
          defaultStateDir,
        }),
    };
  },
};

async function main(argv: string[]): Promise<number> {
  const { command, rest } = splitSubcommand(argv);
  const subcommand = await SUBCOMMAND_TABLE[command]();
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
