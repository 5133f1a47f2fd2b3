/**
 * @module The turn loop (SPEC §4): wait for a wake-up, run one claude turn for it, record one
 * turn-stats row per claude invocation, and mark the wake-up delivered only when its turn ended.
 * It also owns the small command surface the HTTP routes call: new session, compact, cancel,
 * and "a credential arrived". Waiting states (rate limited, needs login, claude missing) hold
 * wake-ups in the inbox instead of burning them.
 */
import { type Broker, type Wakeup, wakeupIds } from "../broker/broker.ts";
import type { AgentState } from "./agent_state.ts";
import type { Role } from "../config.ts";
import type { CredentialStore } from "../claude/credentials.ts";
import type { LiveEvent } from "../wire/events.ts";
import type { Logger } from "../log.ts";
import type { ModelSetting } from "./model_setting.ts";
import type { RuntimeFiles } from "../claude/runtime_files.ts";
import {
  buildTurnRow,
  classifyTurn,
  type ResultKind,
  type TurnStart,
} from "../stats/turn_stats_row.ts";
import type { TurnStatsSink } from "../stats/turn_stats_recorder.ts";
import type { SpawnClaude } from "./turn_runner.ts";
import {
  type ClaudeSnapshot,
  ColdTurnRunner,
  type TurnRunner,
} from "./claude_runner.ts";
import { CostLedger } from "./turn_cost.ts";
import type { TurnSignal } from "./turn_observer.ts";
import { Poke } from "./poke.ts";
import { FinishedWakeups } from "./finished_wakeups.ts";
import { ContinueMarker } from "./continue_marker.ts";
import type { LoginHold } from "./login_hold.ts";
import { errorMessage } from "../error_message.ts";
import { settleWithin, TIMED_OUT } from "../timeout.ts";
import type { RunGate } from "./run_gate.ts";

/** Everything the loop needs, passed in. */
export interface TurnLoopDeps {
  agent: string;
  role: Role;
  broker: Broker;
  emit: (event: LiveEvent) => unknown;
  state: AgentState;
  model: ModelSetting;
  stats: TurnStatsSink;
  credentials: CredentialStore;
  files: RuntimeFiles;
  spawn: SpawnClaude;
  /** How turns reach claude (warm or cold); a cold runner when absent. */
  runner?: TurnRunner;
  locateClaude: () => { path: string } | { path: null; searched: string };
  cwd: string;
  /** The environment claude starts from (without the harness's own secrets). */
  baseEnv: Record<string, string>;
  allowedTools: readonly string[];
  continueMarker: ContinueMarker;
  /** Keeps a wake-up refused for "not logged in" waiting across restarts. */
  loginHold?: LoginHold;
  /** Pause, budget and circuit breaker (SPEC §11); none: turns always may start. */
  gate?: Pick<RunGate, "hold" | "holdWaitMs" | "runBudget">;
  log: Logger;
  now?: () => number;
  monotonic?: () => number;
  /** Grace before a cancelled claude is killed. */
  graceMs?: number;
  /** How long the post-turn broker counts may take before they are recorded NULL. */
  brokerCountTimeoutMs?: number;
  /** Longest single long-poll of the inbox. */
  wakeWaitMs?: number;
  /**
   * One message per turn even when its sender queued more (`--one-message-per-turn`); by
   * default a turn takes the sender's queued messages together, as one prompt.
   */
  oneMessagePerTurn?: boolean;
  /** Rate-limit wait when claude names no reset time. */
  rateLimitBackoffMs?: number;
  /** How often a missing claude is looked for again. */
  claudeRecheckMs?: number;
}

type TurnPurpose = "wake" | "compact" | "retry";

/** The outcome of one claude invocation, as the loop needs it. */
interface TurnOutcome {
  resultKind: ResultKind;
  cancelled: boolean;
  /** The wake-up must wait in the inbox (rate limit, login) rather than be marked delivered. */
  hold: boolean;
  /** A warm claude failed under this turn: the wake-up runs once more on a fresh one. */
  fault: boolean;
}

/** The running loop and its commands. */
export class TurnLoop {
  #deps: TurnLoopDeps;
  #now: () => number;
  #runner: TurnRunner;
  #poke = new Poke();
  #cancel: AbortController | null = null;
  #skipContinueOnce = false;
  #compactRequested = false;
  #running = false;
  #crashed: string | null = null;
  #brokerDown = false;
  #credentialsVersion = 0;
  #finished = new FinishedWakeups();

  constructor(deps: TurnLoopDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#runner = deps.runner ??
      new ColdTurnRunner({ costs: new CostLedger(), now: this.#now });
  }

  /** The claude serving this agent (`/api/state.claude`), or null. */
  claude(): ClaudeSnapshot | null {
    return this.#runner.snapshot();
  }

  /** Whether the loop runs (for `/healthz`). */
  get alive(): boolean {
    return this.#running && this.#crashed === null;
  }

  /** Next turn runs without `--continue` (one-shot). */
  requestNewSession(): void {
    this.#skipContinueOnce = true;
    // A warm claude holds the old session: end it now (or when its turn ends).
    this.#runner.endSession().catch((error) =>
      this.#deps.log.error("Cannot end the warm claude", { error })
    );
  }

  /** Run `/compact` as a turn when idle; false while a turn runs. */
  requestCompact(): boolean {
    if (this.#deps.state.turnState !== "idle" || this.#compactRequested) {
      return false;
    }
    this.#compactRequested = true;
    this.#poke.poke();
    return true;
  }

  /** Stop the running turn; false when none runs. */
  cancel(): boolean {
    if (this.#cancel === null || this.#cancel.signal.aborted) return false;
    this.#cancel.abort();
    return true;
  }

  /** A gate setting changed (pause, resume, budget): look again now. */
  recheck(): void {
    this.#poke.poke();
  }

  /** A credential was saved or a login flow finished: try again. */
  credentialsChanged(): void {
    this.#credentialsVersion++;
    this.#deps.loginHold?.release();
    if (this.#deps.state.status === "needs_login_idle") {
      this.#deps.state.setStatus("needs_login_in_progress");
    }
    this.#poke.poke();
  }

  /** Run until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#running = true;
    try {
      while (!signal.aborted) {
        try {
          await this.#iterate(signal);
        } catch (error) {
          if (signal.aborted) break;
          this.#deps.log.error("Turn loop iteration failed; going on", {
            error,
          });
          await this.#poke.wait(1000, signal);
        }
      }
    } catch (error) {
      this.#crashed = errorMessage(error);
      throw error;
    } finally {
      this.#running = false;
    }
  }

  async #iterate(signal: AbortSignal): Promise<void> {
    if (!(await this.#gate(signal))) return;
    if (this.#compactRequested) {
      this.#compactRequested = false;
      await this.#runTurn({
        purpose: "compact",
        prompt: "/compact",
        wakeFrom: "operator",
        body: "/compact",
        unread: 0,
      });
      return;
    }
    const wakeup = await this.#nextWakeup(signal);
    if (wakeup === null) return;
    // Its turn already ran; only the broker's record of it failed: record it, never rerun it.
    // Offered again, a batch may have grown by newer messages: those run on the next pass.
    const ran = wakeupIds(wakeup).filter((id) => this.#finished.has(id));
    if (ran.length > 0) {
      if (!(await this.#markAllDelivered(ran))) {
        await this.#poke.wait(2000, signal);
      }
      return;
    }
    // Paused while waiting: the claimed wake-up stays undelivered and is offered again.
    if (this.#deps.gate?.hold()) return;
    await this.#handleWakeup(wakeup);
  }

  /** Wait out states in which no turn can run; true when a turn may run now. */
  async #gate(signal: AbortSignal): Promise<boolean> {
    const { state, gate } = this.#deps;
    const held = gate?.hold() ?? null;
    if (held !== null) {
      state.setStatus(held.status, held.detail);
      await this.#poke.wait(gate!.holdWaitMs(), signal);
      return false;
    }
    if (state.status === "paused" || state.status === "over_budget") {
      state.setStatus("online");
    }
    if (state.status === "rate_limited") {
      const until = state.rateLimitedUntil ?? 0;
      const waitMs = until * 1000 - this.#now();
      if (waitMs > 0) {
        await this.#poke.wait(Math.min(waitMs, 60_000), signal);
        return false;
      }
      state.setStatus("online");
    }
    if (state.status === "needs_login_idle") {
      await this.#poke.wait(60_000, signal);
      return false;
    }
    const located = this.#deps.locateClaude();
    if (located.path === null) {
      if (state.status !== "claude_missing") {
        this.#deps.log.error(
          "Cannot find the Claude Code CLI; waiting for it",
          { searched: located.searched },
        );
        this.#deps.emit({
          kind: "note",
          text:
            `claude not found (searched ${located.searched}); waiting for it`,
        });
      }
      state.setStatus(
        "claude_missing",
        `claude not found: searched ${located.searched}`,
      );
      await this.#poke.wait(this.#deps.claudeRecheckMs ?? 5000, signal);
      return false;
    }
    if (state.status === "claude_missing") state.setStatus("online");
    return true;
  }

  async #nextWakeup(signal: AbortSignal): Promise<Wakeup | null> {
    const waitSignal = AbortSignal.any([signal, this.#poke.signal()]);
    try {
      const wakeup = await this.#deps.broker.nextWakeup(this.#deps.agent, {
        waitMs: this.#deps.wakeWaitMs ?? 30_000,
        signal: waitSignal,
        batch: !this.#deps.oneMessagePerTurn,
      });
      if (this.#brokerDown) {
        this.#brokerDown = false;
        this.#deps.log.info("Broker answers again");
        this.#deps.emit({ kind: "note", text: "broker answers again" });
      }
      return wakeup;
    } catch (error) {
      if (waitSignal.aborted) return null;
      if (!this.#brokerDown) {
        this.#brokerDown = true;
        this.#deps.log.error("Cannot reach the broker; retrying", { error });
        this.#deps.emit({
          kind: "note",
          text: `cannot reach the broker: ${errorMessage(error)}`,
        });
      }
      await this.#poke.wait(2000, signal);
      return null;
    }
  }

  async #handleWakeup(wakeup: Wakeup): Promise<void> {
    this.#deps.state.setMessagesInTurn(wakeupIds(wakeup).length);
    try {
      await this.#runWakeup(wakeup);
    } finally {
      this.#deps.state.setMessagesInTurn(0);
    }
  }

  async #runWakeup(wakeup: Wakeup): Promise<void> {
    const prompt = promptFor(wakeup);
    // What the page shows as the wake-up: every message of the batch.
    const body = bodyOf(wakeup);
    const first = await this.#runTurn({
      purpose: "wake",
      prompt,
      wakeFrom: wakeup.from,
      body,
      unread: wakeup.unread,
    });
    let last = first;
    if (first.fault) {
      // The warm claude failed under it, not the wake-up: run it once more on a fresh claude.
      last = await this.#runTurn({
        purpose: "retry",
        prompt,
        wakeFrom: wakeup.from,
        body,
        unread: wakeup.unread,
      });
    } else if (first.resultKind === "prompt_too_long" && !first.cancelled) {
      const compact = await this.#runTurn({
        purpose: "compact",
        prompt: "/compact",
        wakeFrom: "system",
        body: "/compact",
        unread: wakeup.unread,
      });
      if (!compact.cancelled) {
        last = await this.#runTurn({
          purpose: "retry",
          prompt,
          wakeFrom: wakeup.from,
          body,
          unread: wakeup.unread,
        });
      }
    }
    if (last.hold) return;
    const ids = wakeupIds(wakeup);
    for (const id of ids) this.#finished.add(id);
    await this.#markAllDelivered(ids);
  }

  /** Mark each of `ids` delivered; false when any mark failed (each is logged). */
  async #markAllDelivered(ids: readonly number[]): Promise<boolean> {
    let all = true;
    for (const id of ids) all = (await this.#markDelivered(id)) && all;
    return all;
  }

  /** Mark a finished wake-up delivered; false (logged, retried when offered again) on failure. */
  async #markDelivered(id: number): Promise<boolean> {
    try {
      await this.#deps.broker.markDelivered(this.#deps.agent, id);
      this.#finished.delivered(id);
      return true;
    } catch (error) {
      this.#deps.log.error(
        "Cannot mark wake-up delivered; its turn ran, so the mark is retried, not the turn",
        { id, error },
      );
      return false;
    }
  }

  async #runTurn(
    turn: {
      purpose: TurnPurpose;
      prompt: string;
      wakeFrom: string;
      body: string;
      unread: number;
    },
  ): Promise<TurnOutcome> {
    const deps = this.#deps;
    const located = deps.locateClaude();
    const model = deps.model.current;
    const startedAt = Math.floor(this.#now() / 1000);
    // A compact always continues; a retry continues whatever session there is.
    const continueSession = turn.purpose === "compact"
      ? true
      : turn.purpose === "retry"
      ? deps.continueMarker.matches(deps.cwd)
      : !this.#takeSkipContinue() && deps.continueMarker.matches(deps.cwd);
    deps.state.setUnread(turn.unread);
    deps.state.setCurrentWake({ from: turn.wakeFrom, body: turn.body });
    deps.emit({
      kind: "turn_start",
      from: turn.wakeFrom,
      body: turn.body,
      unread: turn.unread,
    });
    deps.state.setTurnState(
      turn.purpose === "compact" ? "compacting" : "thinking",
    );
    const start: TurnStart = {
      agent: deps.agent,
      role: deps.role,
      model,
      "wake_from": turn.wakeFrom,
      "started_at": startedAt,
    };
    const ticket = deps.stats.beginTurn(start);
    this.#cancel = new AbortController();
    let hold = false;
    const credentialsAtStart = this.#credentialsVersion;
    const onSignal = (signal: TurnSignal) => {
      // A credential that arrived while this turn ran is not the one it was refused with.
      const stale = this.#credentialsVersion !== credentialsAtStart;
      hold = this.#onSignal(signal, stale) || hold;
    };
    const budget = deps.gate?.runBudget() ?? null;
    const { ending, observer, durationMs, costUsd, fault } = await this
      .#runner.run({
        command: located.path ?? "claude",
        prompt: turn.prompt,
        model,
        continueSession,
        cwd: deps.cwd,
        env: {
          ...deps.baseEnv,
          ...deps.credentials.env(),
          DISABLE_AUTO_COMPACT: "1",
        },
        files: deps.files,
        allowedTools: deps.allowedTools,
        maxBudgetUsd: budget?.remainingUsd ?? null,
        budgetPeriod: budget?.period ?? null,
      }, {
        spawn: deps.spawn,
        emit: deps.emit,
        log: deps.log,
        onSignal,
        cancel: this.#cancel.signal,
        ...(deps.graceMs !== undefined ? { graceMs: deps.graceMs } : {}),
        ...(deps.monotonic ? { monotonic: deps.monotonic } : {}),
      });
    this.#cancel = null;
    if (ending.spawnError !== null) {
      deps.state.setStatus("claude_missing", ending.spawnError);
      hold = true;
    }
    if (observer.sessionId !== null) deps.continueMarker.remember(deps.cwd);
    // A fault of the warm claude fails the turn with its own words, whatever it printed.
    if (fault !== null) ending.fault = fault;
    const { result_kind: resultKind, note } = classifyTurn(ending);
    if (resultKind === "ok") deps.loginHold?.release();
    if (
      resultKind === "ok" && deps.state.status === "needs_login_in_progress"
    ) deps.state.setStatus("online");
    const usage = observer.totalUsage();
    deps.state.setUsage(usage, observer.lastUsage, observer.contextWindow());
    const [openThreads, openReminders] = await Promise.all([
      this.#countWithTimeout(() => deps.broker.countLooseEnds(deps.agent)),
      this.#countWithTimeout(() =>
        deps.broker.countPendingReminders(deps.agent)
      ),
    ]);
    const row = buildTurnRow({
      start,
      endedAt: Math.floor(this.#now() / 1000),
      durationMs,
      ending,
      observed: observer,
      // The result line's total_cost_usd runs on over the session: the runner gives this turn's.
      costUsd,
      openThreads,
      openReminders,
    });
    // The row first: a harness killed right after turn_end must not find the turn unfinished.
    const stored = deps.stats.record(row, ticket);
    deps.emit({ kind: "turn_end", ok: resultKind === "ok", note });
    // A row that could not be written yet (store down) still reaches the page, without an id.
    deps.emit({
      kind: "turn_stats_recorded",
      row: { id: stored?.id ?? null, ...row },
    });
    deps.state.setCurrentWake(null);
    deps.state.setTurnState("idle");
    return {
      resultKind,
      cancelled: ending.cancelled,
      hold: hold && !ending.cancelled,
      fault: fault !== null && !ending.cancelled,
    };
  }

  /** React to what the stream says; true when the wake-up must be held for later. */
  #onSignal(signal: TurnSignal, credentialsChangedSince: boolean): boolean {
    const { state, emit, log } = this.#deps;
    switch (signal.kind) {
      case "login_required":
        log.warn("claude is not logged in", { text: signal.text });
        // With a newer credential saved meanwhile, hold the wake-up for it instead of waiting.
        if (!credentialsChangedSince) {
          state.setStatus("needs_login_idle", signal.text);
          this.#deps.loginHold?.hold(signal.text);
        }
        return true;
      case "rate_limited": {
        const until = signal.resetAtUnix ??
          Math.floor(
            (this.#now() + (this.#deps.rateLimitBackoffMs ?? 60_000)) / 1000,
          );
        log.warn("claude hit a usage limit", { text: signal.text, until });
        state.setStatus("rate_limited", signal.text, until);
        return true;
      }
      case "mcp_not_connected":
        emit({
          kind: "note",
          text:
            `MCP server "${signal.server}" is ${signal.status}, not connected: its tools are missing this turn`,
        });
        return false;
      case "context_usage":
        return false;
      default: {
        const never: never = signal;
        throw new TypeError(`Unknown turn signal ${JSON.stringify(never)}`);
      }
    }
  }

  #takeSkipContinue(): boolean {
    const skip = this.#skipContinueOnce;
    this.#skipContinueOnce = false;
    return skip;
  }

  async #countWithTimeout(ask: () => Promise<number>): Promise<number | null> {
    const timeoutMs = this.#deps.brokerCountTimeoutMs ?? 2000;
    // NULL when the broker did not answer in time, never a made-up 0 (SPEC §7).
    const count = await settleWithin(ask().catch(() => null), timeoutMs);
    return count === TIMED_OUT ? null : count;
  }
}

/**
 * The prompt for a wake-up: who sent what, and how many more wait. Several messages of one
 * sender read as one numbered list, oldest first, so the agent answers them together.
 */
export function promptFor(wakeup: Wakeup): string {
  const pending = wakeup.unread > 0
    ? `\n\n(${wakeup.unread} more pending)`
    : "";
  const count = 1 + (wakeup.more?.length ?? 0);
  const heading = count === 1
    ? `Message from ${wakeup.from}:`
    : `${count} messages from ${wakeup.from}, oldest first:`;
  return `${heading}\n\n${bodyOf(wakeup)}${pending}`;
}

/** A wake-up's text: its one body, or its messages numbered `(1)`, `(2)`, … */
function bodyOf(wakeup: Wakeup): string {
  const more = wakeup.more ?? [];
  if (more.length === 0) return wakeup.body;
  return [wakeup.body, ...more.map((message) => message.body)]
    .map((body, index) => `(${index + 1}) ${body}`)
    .join("\n\n");
}
