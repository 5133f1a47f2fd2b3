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
 * naming the flag in words of our own: every subcommand parses its flags through this. A
 * negative number after a flag that takes a value is that value (`--keep-days -1`), so the
 * command's own check can say what is wrong with it.
 */
export function parseFlags<T extends FlagSpec>(
  args: readonly string[],
  options: T,
): ParsedFlags<T> {
  const joined = joinNegativeValues(args, options);
  try {
    return parseArgs({
      args: joined,
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw asUsageError(error, { args: joined, flags: Object.keys(options) });
  }
}

/** `--flag -1` → `--flag=-1` for flags that take a value (parseArgs would call it ambiguous). */
function joinNegativeValues(
  args: readonly string[],
  options: FlagSpec,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    const spec = arg.startsWith("--") ? options[arg.slice(2)] : undefined;
    if (
      spec?.type === "string" && next !== undefined && /^-\d/.test(next)
    ) {
      out.push(`${arg}=${next}`);
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** What {@linkcode asUsageError} knows of the command line, to word its message. */
export interface FlagContext {
  args: readonly string[];
  /** The flag names the subcommand takes, without dashes. */
  flags: readonly string[];
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known flag an unknown one was most likely meant to be, if any is close. */
function closestFlag(
  unknown: string,
  flags: readonly string[],
): string | undefined {
  const name = unknown.replace(/^-+/, "").split("=")[0]!;
  let best: { flag: string; score: number } | undefined;
  for (const flag of flags) {
    const score = flag.startsWith(name) && name.length >= 2
      ? 0
      : distance(name, flag);
    if (score <= 2 && (best === undefined || score < best.score)) {
      best = { flag, score };
    }
  }
  return best === undefined ? undefined : `--${best.flag}`;
}

/**
 * Turn a `node:util` `parseArgs` error (or any) into a {@linkcode UsageError} whose one-line
 * message names the flag, in our words rather than Node's.
 */
export function asUsageError(
  error: unknown,
  context: FlagContext = { args: [], flags: [] },
): UsageError {
  if (error instanceof UsageError) return error;
  const message = errorMessage(error);
  const flag = /'(-{1,2}[\w-]+)/.exec(message)?.[1];
  if (flag !== undefined) {
    if (/^Unknown option/.test(message)) {
      const guess = closestFlag(flag, context.flags);
      return new UsageError(
        `Unknown flag ${flag}: ${
          guess === undefined
            ? "--help lists the flags"
            : `did you mean ${guess}?`
        }`,
        flag,
      );
    }
    if (/argument missing/.test(message)) {
      return new UsageError(`${flag} needs a value`, flag);
    }
    if (/argument is ambiguous/.test(message)) {
      const next = context.args[context.args.indexOf(flag) + 1];
      return new UsageError(
        next === undefined
          ? `${flag} needs a value`
          : `${flag} needs a value, got the flag ${next} (to pass a value starting with "-", write ${flag}=${next})`,
        flag,
      );
    }
    if (/does not take an argument/.test(message)) {
      return new UsageError(`${flag} takes no value`, flag);
    }
  }
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
