/**
 * @module The `DIR|GLOB ...` arguments of `stats` and `vacuum`: every agent's state dir of a
 * host at once (each `/srv/agents/NAME/state` through one pattern), expanded here, not by a
 * shell, so a quoted pattern, a cron line or a systemd unit work alike. `*`, `?` and `[...]`
 * match within one path segment; names starting with a dot match only a pattern that does too.
 */
import { isAbsolute, join, resolve, sep } from "node:path";
import { realEnvironment, resolveStateDir } from "../config.ts";

/** One argument's expansion: the dirs it names, or none when a pattern matched nothing. */
export interface ExpandedArgument {
  argument: string;
  dirs: string[];
}

/** Whether `text` holds glob syntax. */
export function hasGlob(text: string): boolean {
  return /[*?[]/.test(text);
}

/** A regular expression matching one path segment against a glob segment. */
export function globSegmentToRegExp(segment: string): RegExp {
  let source = "";
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i]!;
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "[") {
      const end = segment.indexOf("]", i + 2);
      if (end === -1) {
        source += "\\[";
        continue;
      }
      const body = segment.slice(i + 1, end).replace(/^!/, "^")
        .replace(/[\\\]]/g, "\\$&");
      source += `[${body}]`;
      i = end;
    } else source += char.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** Expand each argument, in order, relative to `cwd`; plain paths are kept as given. */
export function expandStateDirs(
  args: readonly string[],
  cwd: string = Deno.cwd(),
): ExpandedArgument[] {
  return args.map((argument) => ({
    argument,
    dirs: hasGlob(argument)
      ? expandPattern(argument, cwd)
      : [resolve(cwd, argument)],
  }));
}

function expandPattern(pattern: string, cwd: string): string[] {
  const absolute = isAbsolute(pattern);
  const segments = pattern.split(/[\\/]+/).filter((s) => s !== "");
  let matches = [absolute ? sep : cwd];
  for (const segment of segments) {
    if (!hasGlob(segment)) {
      matches = matches.map((dir) => join(dir, segment));
      continue;
    }
    const regex = globSegmentToRegExp(segment);
    matches = matches.flatMap((dir) =>
      childDirs(dir).filter((name) =>
        regex.test(name) && (!name.startsWith(".") || segment.startsWith("."))
      ).sort().map((name) => join(dir, name))
    );
  }
  return matches.filter(isDirectory);
}

function childDirs(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((entry) =>
        entry.isDirectory ||
        (entry.isSymlink && isDirectory(join(dir, entry.name)))
      )
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** A state dir to read, and its store's path (null when a pattern matched nothing). */
export interface StateDirTarget {
  dir: string;
  path: string | null;
}

/** The dirs `args` name (globs expanded, duplicates dropped), each with `file` in it. */
export function stateDirTargets(
  args: readonly string[],
  file: string,
  defaultStateDir: () => string = defaultDir,
): StateDirTarget[] {
  const expanded = expandStateDirs(
    args.length > 0 ? args : [defaultStateDir()],
  );
  const seen = new Set<string>();
  return expanded.flatMap<StateDirTarget>(({ argument, dirs }) => {
    if (dirs.length === 0) return [{ dir: argument, path: null }];
    return dirs.filter((dir) => !seen.has(dir) && seen.add(dir))
      .map((dir) => ({ dir, path: join(dir, file) }));
  });
}

/** Why a store is absent, or null when its file is there. */
export function whyMissing(dir: string, path: string): string | null {
  try {
    if (!Deno.statSync(dir).isDirectory) return "not a directory";
  } catch {
    return "no such directory";
  }
  try {
    Deno.statSync(path);
    return null;
  } catch {
    return `no store (${path} does not exist)`;
  }
}

// The state dir `run` would use, so `stats` alone reports this agent.
function defaultDir(): string {
  return resolveStateDir(undefined, realEnvironment());
}

/** What a command over state dirs (`stats`, `vacuum`) needs from the outside. */
export interface StateDirCommandDeps {
  write: (text: string) => void;
  writeError: (text: string) => void;
  now?: () => number;
  /** The state dir used when no DIR is given; default as `run` resolves it. */
  defaultStateDir?: () => string;
}
