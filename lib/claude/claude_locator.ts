/**
 * @module Finding the Claude Code CLI for a turn: `--claude`, else `claude` on `PATH`, else the
 * fallback the README's start command names (the pinned CLI from `.tools`). Looked up before each
 * turn, so installing claude while the harness waits in `claude_missing` is enough to resume.
 */
import { delimiter, isAbsolute, join, resolve } from "node:path";

/** Options for {@linkcode locateClaude}. */
export interface LocateClaudeOptions {
  /** The `--claude` flag. */
  explicit?: string | undefined;
  /** `$PATH`. */
  path?: string | undefined;
  /** A last resort (`$HYPERHIVE_CLAUDE_FALLBACK`). */
  fallback?: string | undefined;
  cwd?: string;
}

/** The claude executable to run, or null with the places searched. */
export function locateClaude(
  options: LocateClaudeOptions,
): { path: string } | { path: null; searched: string } {
  const cwd = options.cwd ?? Deno.cwd();
  if (options.explicit) {
    const path = isAbsolute(options.explicit) || !options.explicit.includes("/")
      ? options.explicit
      : resolve(cwd, options.explicit);
    if (!path.includes("/")) {
      return findOnPath(path, options.path) ??
        { path: null, searched: `${path} on PATH` };
    }
    return isExecutable(path) ? { path } : { path: null, searched: path };
  }
  const onPath = findOnPath("claude", options.path);
  if (onPath) return onPath;
  if (options.fallback) {
    const fallback = resolve(cwd, options.fallback);
    if (isExecutable(fallback)) return { path: fallback };
  }
  return {
    path: null,
    searched: `claude on PATH${
      options.fallback ? ` and ${options.fallback}` : ""
    }`,
  };
}

function findOnPath(
  name: string,
  path: string | undefined,
): { path: string } | null {
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return { path: candidate };
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}
