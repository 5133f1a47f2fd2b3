/**
 * @module How this program starts itself again — for the MCP server claude launches (SPEC §4.3:
 * "the same binary or entry module, so its packages are the ones already embedded or cached"):
 * the compiled binary as it is, or deno on the entry module with the project's config and cache.
 * Also the environment claude inherits from the harness.
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SelfCommand } from "./runtime_files.ts";

/** What {@linkcode selfCommand} looks at. */
export interface SelfCommandSource {
  execPath: string;
  mainModule: string;
  env: (name: string) => string | undefined;
  isFile: (path: string) => boolean;
}

/** The command that runs this same program. */
export function selfCommand(source: SelfCommandSource): SelfCommand {
  if (basename(source.execPath) !== "deno") {
    return { command: source.execPath, args: [] };
  }
  const entry = fileURLToPath(source.mainModule);
  const config = join(dirname(entry), "deno.json");
  // The runtime lockfile's npm snapshot is the harness's own packages: with deno.lock, deno
  // would first install the test and page-build packages too (SPEC §10: MCP start time).
  const runtimeLock = join(dirname(entry), "deno.runtime.lock");
  // claude may run with another HOME: point deno at the cache the packages are already in.
  const home = source.env("HOME") ?? "/root";
  const denoDir = source.env("DENO_DIR") ??
    join(source.env("XDG_CACHE_HOME") ?? join(home, ".cache"), "deno");
  return {
    command: source.execPath,
    env: { DENO_DIR: denoDir },
    args: [
      "run",
      "--allow-all",
      ...(source.isFile(config)
        ? [
          "--config",
          config,
          ...(source.isFile(runtimeLock) ? [`--lock=${runtimeLock}`] : []),
          "--frozen",
        ]
        : []),
      entry,
    ],
  };
}

/** The real process's view. */
export function currentSelfCommand(): SelfCommand {
  return selfCommand({
    execPath: Deno.execPath(),
    mainModule: Deno.mainModule,
    env: (name) => Deno.env.get(name),
    isFile: (path) => {
      try {
        return Deno.statSync(path).isFile;
      } catch {
        return false;
      }
    },
  });
}

/** Variables the harness keeps from claude: its own secret, and markers of a parent claude. */
const WITHHELD = ["HYPERHIVE_UI_TOKEN", "CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT"];

/** The environment claude starts from: ours, less what is withheld. */
export function claudeBaseEnv(
  env: Record<string, string>,
): Record<string, string> {
  const out = { ...env };
  for (const name of WITHHELD) delete out[name];
  return out;
}
