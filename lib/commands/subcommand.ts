/**
 * @module Which subcommand the command line names (SPEC §2), and whether it asks for help.
 * `main.ts` dispatches on the result; each subcommand's flags, usage text and work live in its
 * own `*_command.ts` beside this file.
 */
import { UsageError } from "./flags.ts";

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
