/**
 * @module `hive-harness hive` (SPEC §2): parse its flags and run one broker for a host
 * ({@linkcode startHive}) until SIGINT/SIGTERM or the caller's signal.
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { assertAgentName, BrokerError } from "../broker/broker_api.ts";
import {
  agentSocketPath,
  type Hive,
  type HiveOptions,
  startHive,
} from "../broker/hive.ts";
import { DEFAULT_MAX_QUEUED } from "../broker/embedded_broker.ts";
import { SocketBroker } from "../broker/socket_client.ts";
import {
  type BrokerSocketHealth,
  DEFAULT_MAX_CONNECTIONS,
} from "../broker/socket_server.ts";
import {
  PAGE_EXPOSURE_FLAGS,
  PAGE_EXPOSURE_USAGE,
  parseFlags,
  parsePageExposure,
  refusePositionals,
  UsageError,
} from "./flags.ts";
import { errorMessage } from "../error_message.ts";
import { STATE_FILES } from "../config.ts";
import {
  type HostServer,
  type HostServerOptions,
  serveHostPage,
} from "../fleet/host_server.ts";
import {
  isAddrInUse,
  isLoopbackHost,
  portInUseMessage,
} from "../http/listen.ts";

/** The usage text of `hive-harness hive --help`. */
export const HIVE_USAGE =
  `Usage: hive-harness hive --socket-dir DIR [--agents a,b,c] [--manager NAME] [--db PATH]
                         [--port N [--host ADDR] [--ui-token TOKEN] [--allowed-host NAME]...
                                   [--allow-embed ORIGIN]...]
                         [--max-connections N] [--max-queued N] [--ping]

Serves one broker for a host: a socket per agent at DIR/<name>/mcp.sock (the socket is the
agent's identity, mode 0600) plus the manager's. The store is DIR/hyperhive-broker.sqlite
unless --db.
  --max-connections N  connections each socket serves at once (default 64)
  --max-queued N       undelivered messages an agent's inbox holds; send past it is refused (default 1000)
  --ping               ask the running hive at DIR whether every socket accepts: exit 0, else 1
With --port, also serves the host page: every agent live, the open questions of all of them,
pause, resume and budget per agent (0 = a free port, printed). --host defaults to 127.0.0.1;
beyond loopback --ui-token is required.
${PAGE_EXPOSURE_USAGE}`;

/** `hive`'s options: the broker's, and the host page's. */
export interface HiveCommandOptions extends HiveOptions {
  /** The host page (`--port`); not served when null. */
  page: HostServerOptions | null;
  /** Only ask a running hive whether every socket accepts (exit 0) or not (1). */
  ping: boolean;
}

/** What `hive` needs from its caller. */
export interface HiveDeps {
  log: Logger;
  /** Told the host page's address once it listens (main prints it). */
  onPageListen?: (url: string) => void;
  /** Stops the hive; without it, SIGINT and SIGTERM do. */
  signal?: AbortSignal;
  /** Where `--ping` prints its answer. */
  write?: (text: string) => void;
}

/** Parse `hive --socket-dir DIR [--agents a,b] [--manager NAME] [--db PATH]`. */
export function parseHiveArgs(args: readonly string[]): HiveCommandOptions {
  const { values, positionals } = parseFlags(args, {
    "socket-dir": { type: "string" },
    agents: { type: "string" },
    manager: { type: "string", default: "manager" },
    db: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    "ui-token": { type: "string" },
    ...PAGE_EXPOSURE_FLAGS,
    "max-connections": { type: "string" },
    "max-queued": { type: "string" },
    ping: { type: "boolean" },
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
    page: parsePageFlags(values),
    maxConnections: countFlag(
      values["max-connections"],
      "--max-connections",
      DEFAULT_MAX_CONNECTIONS,
    ),
    maxQueued: countFlag(
      values["max-queued"],
      "--max-queued",
      DEFAULT_MAX_QUEUED,
    ),
    ping: values.ping ?? false,
  };
}

/** A whole number from 1 to 1,000,000 given to `flag`, or `fallback` when absent. */
function countFlag(
  value: string | undefined,
  flag: string,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1e6) {
    throw new UsageError(
      `${flag} must be a whole number from 1 to 1000000, got "${value}"`,
      flag,
    );
  }
  return n;
}

function parsePageFlags(
  values: {
    host?: string;
    port?: string;
    "ui-token"?: string;
    "allowed-host"?: string[];
    "allow-embed"?: string[];
  },
): HostServerOptions | null {
  const host = values.host?.trim() || "127.0.0.1";
  // An empty token counts as none (SPEC §6).
  const uiToken = values["ui-token"]?.trim() || undefined;
  if (values.port === undefined) {
    if (values["ui-token"] !== undefined || values.host !== "127.0.0.1") {
      throw new UsageError(
        "--host and --ui-token need --port: they are the host page's",
        "--port",
      );
    }
    return null;
  }
  const port = Number(values.port);
  if (!/^\d{1,5}$/.test(values.port) || port > 65535) {
    throw new UsageError(
      `--port must be a number from 0 to 65535, got "${values.port}"`,
      "--port",
    );
  }
  if (!isLoopbackHost(host) && uiToken === undefined) {
    throw new UsageError(
      `--host ${host} is beyond loopback: --ui-token is required`,
      "--ui-token",
    );
  }
  return { host, port, uiToken, ...parsePageExposure(values) };
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
  options: HiveOptions & { page?: HostServerOptions | null; ping?: boolean },
  deps: HiveDeps,
): Promise<number> {
  const { log } = deps;
  if (options.ping) return await pingHive(options, deps);
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
  let page: HostServer | null = null;
  if (options.page) {
    try {
      page = serveHostPage(hive.broker, options.page, { log });
    } catch (error) {
      log.error("Cannot serve the host page", {
        error: isAddrInUse(error)
          ? portInUseMessage(options.page.host, options.page.port)
          : errorMessage(error),
        host: options.page.host,
        port: options.page.port,
      });
      await hive.close();
      return 1;
    }
    deps.onPageListen?.(page.url);
  }
  log.info("Hive broker ready", {
    db: options.db,
    agents: [...hive.sockets.keys()],
    manager: options.manager,
    page: page?.url ?? null,
  });
  await stopped(deps.signal);
  log.info("Hive broker stopping");
  await page?.close();
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

/** Ask the hive at `options.socketDir` whether every socket accepts: 0 yes, 1 no or no answer. */
export async function pingHive(
  options: HiveOptions,
  deps: HiveDeps,
): Promise<number> {
  const write = deps.write ?? (() => {});
  const client = new SocketBroker(
    agentSocketPath(options.socketDir, options.manager),
    { timeoutMs: 5000, connectTimeoutMs: 1000 },
  );
  try {
    const answer = await client.request({ cmd: "ping" });
    write(JSON.stringify(answer) + "\n");
    if (!answer.ok) return 1;
    const sockets = answer.sockets as Record<string, BrokerSocketHealth>;
    const down = Object.entries(sockets).filter(([, socket]) =>
      !socket.accepting
    ).map(([name]) => name);
    if (down.length > 0) {
      deps.log.error("Hive sockets are not accepting", { agents: down });
      return 1;
    }
    return 0;
  } finally {
    await client.close();
  }
}
