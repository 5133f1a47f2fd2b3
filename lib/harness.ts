/**
 * @module A running harness assembled from its options: stores opened (each best-effort), the
 * bus, the broker (embedded or the hive socket), runtime files, the turn loop and the web app.
 * It is the composition root: every part is built here and every arrow between parts (bus →
 * SSE hub, the end of a login → the loop, the `/metrics` counters over the store) is made here,
 * so the routers only route. `run` (lib/commands/run_command.ts) calls
 * {@linkcode startHarness} and serves its app; tests start one in-process the same way.
 */
import { EVENT_STORE_MIGRATIONS, EventStore } from "./events/event_store.ts";
import { Bus } from "./events/bus.ts";
import { SseHub } from "./events/sse_hub.ts";
import { MemoryRelease } from "./events/memory_release.ts";
import { AgentState } from "./turn/agent_state.ts";
import {
  type ConfigEnvironment,
  DEFAULT_ALLOWED_TOOLS,
  DEFAULT_KEEP_WARM_SECONDS,
  type Role,
  type StatePaths,
  statePaths,
} from "./config.ts";
import { ContinueMarker } from "./turn/continue_marker.ts";
import { CredentialStore } from "./claude/credentials.ts";
import { SecretValues } from "./security/secret_values.ts";
import { ensurePrivateDir } from "./security/private_files.ts";
import { locateClaude } from "./claude/claude_locator.ts";
import { loginCommandFrom, LoginFlow } from "./claude/login_flow.ts";
import type { Logger } from "./log.ts";
import { ModelSetting } from "./turn/model_setting.ts";
import { type SelfCommand, writeRuntimeFiles } from "./claude/runtime_files.ts";
import { openDatabase } from "./sqlite/open.ts";
import { StoreHealth } from "./sqlite/store_health.ts";
import { TurnLoop } from "./turn/turn_loop.ts";
import { ColdTurnRunner, type TurnRunner } from "./turn/claude_runner.ts";
import { WarmTurnRunner } from "./turn/warm_turn_runner.ts";
import { CostLedger, parseCostMark } from "./turn/turn_cost.ts";
import {
  claudeLoginFile,
  credentialFingerprint,
  LoginHold,
} from "./turn/login_hold.ts";
import { TurnStatsRecorder } from "./stats/turn_stats_recorder.ts";
import { StoreTurnMetrics } from "./stats/turn_metrics.ts";
import { killLeftovers, spawnClaude } from "./claude/claude_process.ts";
import type { Broker } from "./broker/broker.ts";
import { ReopeningBroker } from "./broker/reopening_broker.ts";
import { WriteHealthBroker } from "./broker/write_health_broker.ts";
import {
  type EmbeddedBrokerOptions,
  openEmbeddedBroker,
} from "./broker/embedded_broker.ts";
import { createApp } from "./http/app.ts";
import { HostPolicy } from "./http/host_check.ts";
import { createApiRoutes } from "./http/api_routes.ts";
import { createEventRoutes } from "./http/events_routes.ts";
import { createPageRoutes } from "./http/page_routes.ts";
import { createStatsRoutes } from "./http/stats_routes.ts";
import { createControlRoutes } from "./http/control_routes.ts";
import { RunGate } from "./turn/run_gate.ts";
import { TodaySpend } from "./stats/today_spend.ts";
import { FleetReporter } from "./fleet/fleet_reporter.ts";
import { fleetMetrics } from "./fleet/fleet_metrics.ts";
import { claudeMetrics } from "./turn/claude_metrics.ts";
import { storeMetrics } from "./sqlite/store_metrics.ts";
import type { TurnStatsSink } from "./stats/turn_stats_recorder.ts";
import { CANCELLED_NOTE, type TurnStatsRow } from "./stats/turn_stats_row.ts";
import { join } from "node:path";
import type { Hono } from "hono";

/** Event writes are synchronous: a short lock wait keeps a locked file from stalling the pump. */
const EVENTS_DB_OPTIONS = { busyTimeoutMs: 100 };

/** The resolved options of a harness. */
export interface HarnessOptions {
  agent: string;
  role: Role;
  stateDir: string;
  hiveSocket: string | undefined;
  claude: string | undefined;
  cwd: string | undefined;
  model: string | undefined;
  allowedTools: string[] | undefined;
  /** Seconds a warm claude may idle before it is closed; 0 = a fresh claude per turn (default 600). */
  keepWarmSeconds?: number;
  /** Undelivered messages an inbox of the embedded broker holds (default 1000). */
  maxQueued?: number;
  version: string;
  self: SelfCommand;
  /** Required of every request when set. */
  uiToken: string | undefined;
  /** `--allowed-host` names answered besides the bound address and loopback. */
  allowedHosts?: readonly string[];
  /** `--allow-embed` origins that may frame the page. */
  allowEmbed?: readonly string[];
  /** `--budget-daily-usd`: today's (UTC) spend at which no turn starts; none when absent. */
  budgetDailyUsd?: number | null;
  /** `--max-failed-turns`: consecutive failed turns that pause the agent (0 = never). */
  maxFailedTurns?: number;
  /** `--one-message-per-turn`: no turn takes a sender's queued messages together. */
  oneMessagePerTurn?: boolean;
}

/** What the harness is given from outside. */
export interface HarnessDeps {
  log: Logger;
  environment: ConfigEnvironment;
  /** The environment claude starts from. */
  baseEnv: Record<string, string>;
  /** Opens the broker behind `--hive-socket`. */
  connectHive?: (socketPath: string, agent: string) => Broker;
  now?: () => number;
  graceMs?: number;
  /** Secrets to redact (shared with the logger); those of `baseEnv` by default. */
  secrets?: SecretValues;
  /** How long a warm claude may take to answer a wake-up before it counts as hung. */
  warmAnswerTimeoutMs?: number;
}

/** The assembled parts, for routers and tests. */
export interface HarnessParts {
  options: HarnessOptions;
  paths: StatePaths;
  health: StoreHealth;
  bus: Bus;
  broker: Broker;
  state: AgentState;
  loop: TurnLoop;
  turnStats: TurnStatsRecorder;
  gate: RunGate;
  spend: TodaySpend;
  fleet: FleetReporter;
  log: Logger;
}

/** A started harness. */
export interface Harness {
  parts: HarnessParts;
  app: Hono;
  /** The Host check; told the address once the server listens. */
  hosts: HostPolicy;
  /** Resolves when the loop stops. */
  running: Promise<void>;
  /** Tell the fleet where this agent's page is, once it listens. */
  setPageUrl(url: string): void;
  /** Many HTTP connections have ended: give what they held back to the system soon. */
  connectionsEnded(): void;
  /** Stop the loop (cancelling a running turn), flush and close the stores. */
  stop(): Promise<void>;
}

/** Assemble and start a harness (the loop runs; serving the app is the caller's). */
export async function startHarness(
  options: HarnessOptions,
  deps: HarnessDeps,
): Promise<Harness> {
  const { log, environment } = deps;
  const now = deps.now ?? Date.now;
  const paths = statePaths(options.stateDir, environment);
  ensurePrivateDir(paths.stateDir);
  const health = new StoreHealth(log, now);
  // Processes of a turn carry this owner tag, so a harness restarted after a SIGKILL can stop
  // what its predecessor left running before it runs the same wake-up again.
  const owner = await ownerTag(paths.stateDir);
  const leftovers = await killLeftovers(owner);
  if (leftovers > 0) {
    log.warn("Killed processes a previous harness left running", {
      count: leftovers,
    });
  }
  health.register("events", paths.eventsDb);
  let eventStore: EventStore | null = null;
  try {
    eventStore = new EventStore(
      openDatabase(paths.eventsDb, EVENT_STORE_MIGRATIONS, EVENTS_DB_OPTIONS),
      {
        reopen: {
          path: paths.eventsDb,
          open: () =>
            openDatabase(
              paths.eventsDb,
              EVENT_STORE_MIGRATIONS,
              EVENTS_DB_OPTIONS,
            ),
        },
      },
    );
  } catch (error) {
    health.failed("events", "open", error);
  }
  // Every secret this process knows is redacted from events: the environment's, the UI token,
  // and the operator's credential, now and whenever it is saved again.
  const secrets = deps.secrets ?? SecretValues.fromEnvironment(deps.baseEnv);
  secrets.add(options.uiToken);
  const credentials = new CredentialStore(paths.credentialsFile, {
    now,
    onSaved: (value) => secrets.add(value),
  });
  for (const value of Object.values(credentials.env())) secrets.add(value);
  const bus = new Bus({ store: eventStore, health, log, now, secrets });
  if (leftovers > 0) {
    bus.emit({
      kind: "note",
      text:
        `killed ${leftovers} processes of a turn the previous harness left running`,
    });
  }
  const emit = (event: Parameters<Bus["emit"]>[0]) => bus.emit(event);
  const hive = options.hiveSocket !== undefined && deps.connectHive
    ? { socket: options.hiveSocket, connect: deps.connectHive }
    : null;
  // Either way, a write that fails for the broker's sake shows in /api/state.stores.broker.
  const broker: Broker = new WriteHealthBroker(
    hive
      ? hive.connect(hive.socket, options.agent)
      : await openReopeningBroker(paths.brokerDb, options.agent, health, {
        log,
        now,
        statusFile: () => paths.statusFile,
        ...(options.maxQueued !== undefined
          ? { maxQueued: options.maxQueued }
          : {}),
      }),
    health,
    hive?.socket ?? paths.brokerDb,
  );
  const files = await writeRuntimeFiles({
    runtimeDir: paths.runtimeDir,
    agent: options.agent,
    role: options.role,
    self: options.self,
    stateDir: paths.stateDir,
    broker: options.hiveSocket !== undefined
      ? { socket: options.hiveSocket }
      : { db: paths.brokerDb },
  });
  const state = new AgentState(bus, now);
  const model = new ModelSetting(paths.modelFile, log, options.model);
  const cwd = options.cwd ?? paths.stateDir;
  const locate = () =>
    locateClaude({
      explicit: options.claude,
      path: deps.baseEnv.PATH,
      fallback: environment.env("HYPERHIVE_CLAUDE_FALLBACK"),
      cwd: environment.cwd(),
    });
  const claudeEnv = () => ({ ...deps.baseEnv, ...credentials.env() });
  const turnStats = new TurnStatsRecorder(paths.turnStatsDb, {
    health,
    log,
    now,
  });
  // A turn cut off by a crash becomes its `failed` row now, once, and the page hears of it.
  for (const row of turnStats.start()) {
    emit({ kind: "turn_stats_recorded", row: { ...row } });
  }
  const loginHold = new LoginHold(
    join(paths.runtimeDir, "login-hold"),
    () =>
      credentialFingerprint({
        env: deps.baseEnv,
        files: [paths.credentialsFile, claudeLoginFile(deps.baseEnv)],
      }),
    log,
  );
  // A wake-up refused for "not logged in" before the restart waits for the login, unless a
  // credential source changed meanwhile.
  const heldFor = loginHold.heldAtStart();
  if (heldFor !== null) {
    state.setStatus("needs_login_idle", heldFor);
    emit({
      kind: "note",
      text:
        `waiting for a login: claude said "${heldFor}" before the restart; log in from the page, or restart with ANTHROPIC_API_KEY set`,
    });
  }
  const spend = new TodaySpend(turnStats, now);
  spend.current();
  const gate = new RunGate({
    pausedFile: paths.pausedFile,
    budgetFile: paths.budgetFile,
    spend,
    budgetDailyUsd: options.budgetDailyUsd ?? null,
    ...(options.maxFailedTurns !== undefined
      ? { maxFailedTurns: options.maxFailedTurns }
      : {}),
    log,
    now,
  });
  let lastTurnEnd = lastEndedAt(turnStats);
  // Each row also moves today's spend and the circuit breaker.
  const stats: TurnStatsSink = {
    beginTurn: (start) => turnStats.beginTurn(start),
    record: (row, ticket) => {
      const stored = turnStats.record(row, ticket);
      spend.add(row);
      lastTurnEnd = row.ended_at;
      gate.turnEnded(countsAsFailure(row, state.status), row.note);
      return stored;
    },
  };
  const runner = turnRunner(options, deps, {
    costs: costLedger(join(paths.runtimeDir, "claude-cost-mark.json"), log),
    emit,
    now,
  });
  const loop = new TurnLoop({
    agent: options.agent,
    role: options.role,
    broker,
    emit,
    state,
    model,
    stats,
    credentials,
    files,
    spawn: (request) =>
      spawnClaude({
        markerOwner: owner,
        ...request,
        log,
        ...(deps.graceMs !== undefined ? { graceMs: deps.graceMs } : {}),
      }),
    runner,
    locateClaude: locate,
    cwd,
    baseEnv: deps.baseEnv,
    allowedTools: options.allowedTools ?? DEFAULT_ALLOWED_TOOLS,
    continueMarker: new ContinueMarker(join(paths.runtimeDir, "continue-cwd")),
    loginHold,
    gate,
    oneMessagePerTurn: options.oneMessagePerTurn ?? false,
    log,
    now,
    ...(deps.graceMs !== undefined ? { graceMs: deps.graceMs } : {}),
  });
  const login = new LoginFlow({
    command: loginCommandFrom(
      environment.env("HYPERHIVE_LOGIN_CMD"),
      locate().path ?? "claude",
    ),
    env: claudeEnv,
    cwd,
    now,
    // A login the operator finished by pasting its code: the next turn proves it.
    onCodeFlowEnded: () => loop.credentialsChanged(),
  });
  const statusText = () => readStatusText(paths.statusFile);
  const fleet = new FleetReporter({
    agent: options.agent,
    role: options.role,
    broker,
    state,
    gate,
    spend,
    statusText,
    lastTurnEnd: () => lastTurnEnd,
    log,
  });
  gate.onChange(() => {
    loop.recheck();
    fleet.changed();
  });
  bus.subscribe((event) => {
    if (FLEET_EVENTS.has(event.kind)) fleet.changed();
  });
  const parts: HarnessParts = {
    options,
    paths,
    health,
    bus,
    broker,
    state,
    loop,
    turnStats,
    gate,
    spend,
    fleet,
    log,
  };
  // Once the last reader has gone, what the readers held goes back to the system.
  const memory = new MemoryRelease({ log });
  const hub = new SseHub({ log, onEmpty: () => memory.request() });
  // Every event reaches the page's live stream as the one JSON text the bus made.
  bus.subscribe(function publishToHub(event, json) {
    hub.publish(event.seq, json);
  });
  const hosts = new HostPolicy({ allowedHosts: options.allowedHosts ?? [] });
  const app = createApp({
    log,
    uiToken: options.uiToken,
    hosts,
    embedders: options.allowEmbed ?? [],
    alive: () => loop.alive,
    routers: [
      createEventRoutes({ bus, hub, log }),
      createApiRoutes({
        agent: options.agent,
        role: options.role,
        version: options.version,
        currentSeq: () => bus.currentSeq(),
        state,
        model,
        loop,
        broker,
        credentials,
        login,
        health,
        statusText,
        claude: () => loop.claude(),
        emit,
      }),
      createControlRoutes({ gate }),
      createStatsRoutes({
        stats: turnStats,
        // Counters start at this harness's start: a restart is an ordinary counter reset.
        metrics: new StoreTurnMetrics(turnStats, Math.floor(now() / 1000)),
        agent: options.agent,
        role: options.role,
        now,
        moreMetrics: () => [
          ...fleetMetrics(options.agent, fleet.report()),
          ...claudeMetrics(
            { agent: options.agent, role: options.role },
            loop.claude(),
          ),
          ...storeMetrics(options.agent, health.report(), bus.droppedEvents),
        ],
      }),
      createPageRoutes(),
    ],
  });
  const stopping = new AbortController();
  const running = loop.run(stopping.signal);
  const reporting = fleet.run(stopping.signal);
  return {
    parts,
    app,
    hosts,
    running,
    setPageUrl: (url) => fleet.setPageUrl(url),
    connectionsEnded: () => memory.request(),
    async stop() {
      loop.cancel();
      stopping.abort();
      await running.catch((error) =>
        log.error("Turn loop ended with an error", { error })
      );
      await reporting.catch((error) =>
        log.error("Fleet reporting ended with an error", { error })
      );
      await runner.close();
      login.stop();
      hub.close();
      memory.close();
      bus.close();
      turnStats.close();
      await broker.close();
    },
  };
}

// Events after which the fleet report differs: state, turns, figures.
const FLEET_EVENTS: ReadonlySet<string> = new Set([
  "status_changed",
  "turn_state_changed",
  "turn_stats_recorded",
]);

/**
 * Whether a turn moves the circuit breaker: a failure that is not the operator's cancel and
 * not a wait the loop already handles (login, usage limit, missing claude).
 */
function countsAsFailure(row: TurnStatsRow, status: string): boolean {
  if (row.result_kind !== "failed") return false;
  if (row.note === CANCELLED_NOTE) return false;
  return status !== "needs_login_idle" && status !== "rate_limited" &&
    status !== "claude_missing";
}

function lastEndedAt(turnStats: TurnStatsRecorder): number | null {
  try {
    return turnStats.list({ limit: 1 })[0]?.ended_at ?? null;
  } catch {
    return null;
  }
}

/** Warm turns unless `--keep-warm 0` (SPEC §10). */
function turnRunner(
  options: HarnessOptions,
  deps: HarnessDeps,
  parts: {
    costs: CostLedger;
    emit: (event: Parameters<Bus["emit"]>[0]) => unknown;
    now: () => number;
  },
): TurnRunner {
  const keepWarmSeconds = options.keepWarmSeconds ?? DEFAULT_KEEP_WARM_SECONDS;
  if (keepWarmSeconds <= 0) {
    return new ColdTurnRunner({ costs: parts.costs, now: parts.now });
  }
  return new WarmTurnRunner({
    keepWarmMs: keepWarmSeconds * 1000,
    costs: parts.costs,
    emit: parts.emit,
    log: deps.log,
    now: parts.now,
    ...(deps.warmAnswerTimeoutMs !== undefined
      ? { answerTimeoutMs: deps.warmAnswerTimeoutMs }
      : {}),
  });
}

/**
 * The cost ledger, its saved mark kept in a file: after a harness restart, the next
 * `--continue` restores the session's running total, and the first turn's cost is the rest.
 */
function costLedger(path: string, log: Logger): CostLedger {
  let text: string | null = null;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    // No mark yet: a fresh state dir.
  }
  return new CostLedger({
    restored: parseCostMark(text),
    save: (mark) => {
      try {
        Deno.writeTextFileSync(path, JSON.stringify(mark));
      } catch (error) {
        log.warn("Cannot save the session's cost mark", { path, error });
      }
    },
  });
}

function readStatusText(path: string): string | null {
  try {
    const text = Deno.readTextFileSync(path).trim();
    return text === "" ? null : text;
  } catch {
    return null;
  }
}

/** The embedded broker with this agent registered; a file that will not open is retried. */
async function openReopeningBroker(
  path: string,
  agent: string,
  health: StoreHealth,
  options: EmbeddedBrokerOptions,
): Promise<Broker> {
  const broker = new ReopeningBroker({
    path,
    health,
    open: async () => {
      const opened = openEmbeddedBroker(path, options);
      await opened.addAgent(agent);
      return opened;
    },
  });
  await broker.start();
  return broker;
}

/** A short stable tag for a state dir. */
async function ownerTag(stateDir: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(stateDir),
  );
  return [...new Uint8Array(digest).slice(0, 8)].map((byte) =>
    byte.toString(16).padStart(2, "0")
  ).join("");
}
