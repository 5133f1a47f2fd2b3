/**
 * @module The flag parser every subcommand shares, and the error it throws for bad flags or
 * values. `main.ts` prints its one-line message (which names the flag) and exits 2; nothing else
 * in `lib/` exits.
 */
import { parseArgs } from "node:util";
import { errorMessage } from "../error_message.ts";
import { parseAllowedHost } from "../http/host_check.ts";
import { parseEmbedOrigin } from "../http/frame_ancestors.ts";

/** A command-line mistake: unknown flag, missing or bad value. */
export class UsageError extends Error {
  /** The flag at fault, when there is one. */
  flag: string | undefined;
  constructor(message: string, flag?: string) {
    super(message);
    this.name = "UsageError";
    this.flag = flag;
  }
}

/** The flag table `parseFlags` takes (node:util `parseArgs` options). */
export type FlagSpec = Record<
  string,
  {
    type: "string" | "boolean";
    default?: string | boolean | string[];
    short?: string;
    multiple?: boolean;
  }
>;

/** What {@linkcode parseFlags} returns: `values` typed by the flag table, and `positionals`. */
export type ParsedFlags<T extends FlagSpec> = ReturnType<
  typeof parseArgs<
    { args: string[]; options: T; strict: true; allowPositionals: true }
  >
>;

/**
 * `node:util` `parseArgs` in strict mode, its errors turned into a {@linkcode UsageError}
 * naming the flag: every subcommand parses its flags through this.
 */
export function parseFlags<T extends FlagSpec>(
  args: readonly string[],
  options: T,
): ParsedFlags<T> {
  try {
    return parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw asUsageError(error);
  }
}

/**
 * Run `node:util` `parseArgs`-style parsing and turn its errors into a {@linkcode UsageError}
 * whose message names the flag.
 */
export function asUsageError(error: unknown): UsageError {
  if (error instanceof UsageError) return error;
  const message = errorMessage(error);
  const flag = /'(-{1,2}[\w-]+)/.exec(message)?.[1];
  return new UsageError(message.split("\n")[0]!.replace(/\.$/, ""), flag);
}

/** The flags naming the agent and where its state lives, shared by `run`, `wake` and `send`. */
export const AGENT_FLAGS = {
  name: { type: "string" },
  "state-dir": { type: "string" },
  "hive-socket": { type: "string" },
} as const;

/** A flag's value, refused when given empty (an empty path or name is always a mistake). */
export function nonEmptyFlag(
  value: string | undefined,
  flag: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === "") {
    throw new UsageError(`${flag} must not be empty`, flag);
  }
  return value;
}

/** Refuse positional arguments for a subcommand that takes none. */
export function refusePositionals(
  positionals: readonly string[],
  command: string,
): void {
  if (positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument "${positionals[0]}" for ${command}`,
    );
  }
}

/** `--allowed-host` and `--allow-embed`: the names a page answers to and who may frame it. */
export interface PageExposure {
  /** Host names (optionally `NAME:PORT`) answered besides the bound address and loopback. */
  allowedHosts: string[];
  /** Origins allowed to frame the page besides its own. */
  allowEmbed: string[];
}

/** The flags of {@linkcode PageExposure}, for every subcommand that serves a page. */
export const PAGE_EXPOSURE_FLAGS = {
  "allowed-host": { type: "string", multiple: true },
  "allow-embed": { type: "string", multiple: true },
} as const;

/** The usage lines of {@linkcode PAGE_EXPOSURE_FLAGS}. */
export const PAGE_EXPOSURE_USAGE =
  `  --allowed-host NAME    also answer requests for Host NAME or NAME:PORT (repeatable); other
                         names get 403 (DNS rebinding)
  --allow-embed ORIGIN   let ORIGIN (https://host[:port]) frame the page (repeatable)
`;

/** Check `--allowed-host` and `--allow-embed` values, naming the flag at fault. */
export function parsePageExposure(
  values: { "allowed-host"?: string[]; "allow-embed"?: string[] },
): PageExposure {
  const each = (
    flag: string,
    list: string[],
    parse: (value: string) => string,
  ) =>
    list.map((value) => {
      try {
        return parse(value);
      } catch (error) {
        throw new UsageError(`${flag}: ${errorMessage(error)}`, flag);
      }
    });
  return {
    allowedHosts: each(
      "--allowed-host",
      values["allowed-host"] ?? [],
      parseAllowedHost,
    ),
    allowEmbed: each(
      "--allow-embed",
      values["allow-embed"] ?? [],
      parseEmbedOrigin,
    ),
  };
}
