/**
 * @module The harness's side of the fleet (SPEC §11): it registers with its broker (embedded or
 * `hive`) and keeps its report current — on every change of state, and every few seconds so
 * the host page can tell a live harness from a dead one — and it long-polls the broker for the
 * controls the host page sends (pause, resume, budget), applying each to its own run gate.
 */
import type { Broker } from "../broker/broker.ts";
import {
  type AgentControl,
  type AgentReport,
  REPORT_INTERVAL_MS,
} from "../broker/fleet_report.ts";
import type { Logger } from "../log.ts";
import type { AgentState } from "../turn/agent_state.ts";
import type { RunGate } from "../turn/run_gate.ts";
import type { TodaySpend } from "../stats/today_spend.ts";
import { Poke } from "../turn/poke.ts";

/** What the reporter reads and drives. */
export interface FleetReporterDeps {
  agent: string;
  role: string;
  broker: Broker;
  state: AgentState;
  gate: RunGate;
  spend: TodaySpend;
  statusText: () => string | null;
  /** When the last turn ended (unix seconds), or null. */
  lastTurnEnd: () => number | null;
  log: Logger;
  intervalMs?: number;
  /** Wait before a failed control long-poll is tried again. */
  retryMs?: number;
}

/** Reports this agent to its broker and applies the controls it gets back. */
export class FleetReporter {
  #deps: FleetReporterDeps;
  #url: string | null = null;
  #poke = new Poke();
  #failing = false;

  constructor(deps: FleetReporterDeps) {
    this.#deps = deps;
  }

  /** The page's address, once the server listens. */
  setPageUrl(url: string): void {
    this.#url = url;
    this.changed();
  }

  /** Something the report shows changed: send it now. */
  changed(): void {
    this.#poke.poke();
  }

  /** This agent's report as of now. */
  report(): AgentReport {
    const { state, gate, spend } = this.#deps;
    const snapshot = state.snapshot();
    const today = spend.current();
    const hold = gate.hold();
    const busy = snapshot.turn_state !== "idle";
    return {
      role: this.#deps.role,
      url: this.#url,
      state: hold?.status ??
        (snapshot.status === "online" && busy ? "running" : snapshot.status),
      state_detail: hold?.detail ?? snapshot.status_detail,
      status_text: this.#deps.statusText(),
      day: today.day,
      turns_today: today.turns,
      cost_today_usd: today.cost_usd,
      budget_daily_usd: gate.budgetDailyUsd,
      turn_started_at: busy ? snapshot.since_unix : null,
      last_turn_end: this.#deps.lastTurnEnd(),
    };
  }

  /** Report and take controls until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#reportLoop(signal), this.#controlLoop(signal)]);
  }

  async #reportLoop(signal: AbortSignal): Promise<void> {
    const interval = this.#deps.intervalMs ?? REPORT_INTERVAL_MS;
    while (!signal.aborted) {
      const poked = this.#poke.signal();
      await this.#send();
      if (poked.aborted) continue;
      await this.#poke.wait(interval, signal);
      // Let a burst of changes (turn end, row, state) go out as one report.
      if (!signal.aborted) await sleep(50);
    }
  }

  async #send(): Promise<void> {
    const { broker, agent, log } = this.#deps;
    try {
      await broker.report(agent, this.report());
      if (this.#failing) log.info("Fleet report reaches the broker again");
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) {
        log.warn("Cannot report to the broker; retrying", { error });
      }
      this.#failing = true;
    }
  }

  async #controlLoop(signal: AbortSignal): Promise<void> {
    const { broker, agent, log } = this.#deps;
    while (!signal.aborted) {
      let control: AgentControl | null;
      try {
        control = await broker.nextControl(agent, { waitMs: 60_000, signal });
      } catch (error) {
        if (signal.aborted) return;
        log.debug("Cannot take controls from the broker", { error });
        await sleep(this.#deps.retryMs ?? 2000, signal);
        continue;
      }
      if (control !== null) this.#apply(control);
    }
  }

  #apply(control: AgentControl): void {
    const { gate, log } = this.#deps;
    log.info("Control from the host page", { ...control });
    try {
      switch (control.action) {
        case "pause":
          gate.pause("paused from the host page");
          break;
        case "resume":
          gate.resume();
          break;
        case "budget":
          gate.setBudget(control.daily_usd);
          break;
        default: {
          const never: never = control;
          throw new TypeError(`Unknown control ${JSON.stringify(never)}`);
        }
      }
    } catch (error) {
      log.error("Cannot apply a control from the host page", {
        error,
        control: control.action,
      });
    }
    this.changed();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Poke().wait(ms, signal);
}
