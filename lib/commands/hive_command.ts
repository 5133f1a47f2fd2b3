/**
 * @module `hive-harness hive` (SPEC §2): parse its flags and run one broker for a host
 * ({@linkcode startHive}) until SIGINT/SIGTERM or the caller's signal.
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { assertAgentName, BrokerError } from "../broker/broker_api.ts";
import { type Hive, type HiveOptions, startHive } from "../broker/hive.ts";
import { parseFlags, refusePositionals, UsageError } from "./flags.ts";
import { errorMessage } from "../error_message.ts";
import { STATE_FILES } from "../config.ts";

/** The usage text of `hive-harness hive --help`. */
export const HIVE_USAGE =
  `Usage: hive-harness hive --socket-dir DIR [--agents a,b,c] [--manager NAME] [--db PATH]

Serves one broker for a host: a socket per agent at DIR/<name>/mcp.sock (the socket is the
agent's identity) plus the manager's. The store is DIR/hyperhive-broker.sqlite unless --db.
`;

/** What `hive` needs from its caller. */
export interface HiveDeps {
  log: Logger;
  /** Stops the hive; without it, SIGINT and SIGTERM do. */
  signal?: AbortSignal;
}

/** Parse `hive --socket-dir DIR [--agents a,b] [--manager NAME] [--db PATH]`. */
export function parseHiveArgs(args: readonly string[]): HiveOptions {
  const { values, positionals } = parseFlags(args, {
    "socket-dir": { type: "string" },
    agents: { type: "string" },
    manager: { type: "string", default: "manager" },
    db: { type: "string" },
  });
  refusePositionals(positionals, "hive");
  const socketDir = values["socket-dir"];
  if (!socketDir) {
    throw new UsageError(
      "--socket-dir is required: where the agents' sockets go",
      "--socket-dir",
    );
  }
  const manager = values.manager ?? "manager";
  checkName(manager, "--manager");
  const agents = (values.agents ?? "").split(",").map((name) => name.trim())
    .filter((name) => name !== "");
  for (const name of agents) checkName(name, "--agents");
  if (values.db === "") throw new UsageError("--db must not be empty", "--db");
  return {
    socketDir,
    agents: [...new Set(agents)],
    manager,
    db: values.db ?? join(socketDir, STATE_FILES.broker),
  };
}

function checkName(name: string, flag: string): void {
  try {
    assertAgentName(name);
  } catch (error) {
    throw new UsageError(
      `${flag}: ${errorMessage(error)}`,
      flag,
    );
  }
}

/** Run the hive until the signal (or SIGINT/SIGTERM); exit code 0, or 1 when it cannot start. */
export async function runHive(
  options: HiveOptions,
  deps: HiveDeps,
): Promise<number> {
  const { log } = deps;
  let hive: Hive;
  try {
    hive = await startHive(options, { log });
  } catch (error) {
    const message = error instanceof BrokerError || error instanceof Error
      ? error.message
      : String(error);
    log.error("Cannot start the hive broker", {
      error: message,
      db: options.db,
      socket_dir: options.socketDir,
    });
    return 1;
  }
  log.info("Hive broker ready", {
    db: options.db,
    agents: [...hive.sockets.keys()],
    manager: options.manager,
  });
  await stopped(deps.signal);
  log.info("Hive broker stopping");
  await hive.close();
  return 0;
}

function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    return signal.aborted
      ? Promise.resolve()
      : new Promise((resolve) =>
        signal.addEventListener("abort", () => resolve(), { once: true })
      );
  }
  return new Promise((resolve) => {
    const stop = () => {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
      resolve();
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
}
