/**
 * @module Where the harness keeps its files and what it runs by default (SPEC §2, §3): the state
 * dir, the compat file names with their env overrides, and the default tool list. Pure over an
 * injected environment, so tests resolve configs without touching the real one.
 */
import { join, resolve } from "node:path";

/** The agent's role. */
export type Role = "agent" | "manager";

/** The environment a config is resolved against. */
export interface ConfigEnvironment {
  env: (name: string) => string | undefined;
  hostname: () => string;
  /** Whether `path` is an existing directory this process can write. */
  isWritableDir: (path: string) => boolean;
  cwd: () => string;
}

/** The files of SPEC §3, absolute. */
export interface StatePaths {
  stateDir: string;
  eventsDb: string;
  turnStatsDb: string;
  modelFile: string;
  statusFile: string;
  /** Present means paused (SPEC §11, seed compat). */
  pausedFile: string;
  /** The operator's daily budget, kept across restarts. */
  budgetFile: string;
  brokerDb: string;
  credentialsFile: string;
  /** Where the harness writes claude's settings, system prompt and MCP config. */
  runtimeDir: string;
}

/** The files of a state dir (SPEC §3, compat names): the one place each name is written. */
export const STATE_FILES = {
  events: "hyperhive-events.sqlite",
  turnStats: "hyperhive-turn-stats.sqlite",
  model: "hyperhive-model",
  status: "hyperhive-status",
  broker: "hyperhive-broker.sqlite",
  credentials: "hyperhive-credentials",
  paused: "hyperhive-paused",
  budget: "hyperhive-budget",
} as const;

/** The model used when none was chosen or persisted. */
export const DEFAULT_MODEL = "haiku";

/** claude's coding tools, plus every tool of our MCP server. */
/** `--keep-warm`'s default: a warm claude idle ten minutes is closed (SPEC §10). */
export const DEFAULT_KEEP_WARM_SECONDS = 600;

export const DEFAULT_ALLOWED_TOOLS = [
  "Bash",
  "Read",
  "Write",
  "Edit",
  "Glob",
  "Grep",
  "TodoWrite",
  "TaskCreate",
  "TaskUpdate",
  "TaskGet",
  "TaskList",
  "mcp__hyperhive",
] as const;

/** The real environment. */
export function realEnvironment(): ConfigEnvironment {
  return {
    env: (name) => Deno.env.get(name),
    hostname: () => Deno.hostname(),
    isWritableDir: (path) => {
      try {
        if (!Deno.statSync(path).isDirectory) return false;
        const probe = join(path, `.hive-write-probe-${Deno.pid}`);
        Deno.writeTextFileSync(probe, "");
        Deno.removeSync(probe);
        return true;
      } catch {
        return false;
      }
    },
    cwd: () => Deno.cwd(),
  };
}

/** The agent's name: the flag, else `$HYPERHIVE_AGENT`, else the host name. */
export function resolveAgentName(
  flag: string | undefined,
  environment: ConfigEnvironment,
): string {
  const name = flag ?? nonEmpty(environment.env("HYPERHIVE_AGENT")) ??
    environment.hostname();
  return name;
}

/** The state dir: the flag, else `$HYPERHIVE_STATE_DIR`, else `/state` if writable, else `./.state`. */
export function resolveStateDir(
  flag: string | undefined,
  environment: ConfigEnvironment,
): string {
  const chosen = flag ?? nonEmpty(environment.env("HYPERHIVE_STATE_DIR")) ??
    (environment.isWritableDir("/state") ? "/state" : "./.state");
  return resolve(environment.cwd(), chosen);
}

/** Every file of the state dir, env overrides applied. */
export function statePaths(
  stateDir: string,
  environment: ConfigEnvironment,
): StatePaths {
  const override = (name: string, file: string) => {
    const value = nonEmpty(environment.env(name));
    return value ? resolve(environment.cwd(), value) : join(stateDir, file);
  };
  return {
    stateDir,
    eventsDb: override("HYPERHIVE_EVENTS_DB", STATE_FILES.events),
    turnStatsDb: override("HYPERHIVE_TURN_STATS_DB", STATE_FILES.turnStats),
    modelFile: override("HYPERHIVE_MODEL_FILE", STATE_FILES.model),
    statusFile: join(stateDir, STATE_FILES.status),
    pausedFile: join(stateDir, STATE_FILES.paused),
    budgetFile: join(stateDir, STATE_FILES.budget),
    brokerDb: override("HYPERHIVE_BROKER_DB", STATE_FILES.broker),
    credentialsFile: join(stateDir, STATE_FILES.credentials),
    runtimeDir: join(stateDir, "runtime"),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
