/**
 * @module Whether a turn may start (SPEC §11): paused (by the operator, by the circuit breaker,
 * or by a `hyperhive-paused` file in the state dir), or over today's budget. A held agent
 * leaves its wake-ups in the inbox; the turn under way is never cut. The pause lives in the
 * file, so it survives a restart and a `touch` from outside pauses too; the budget is the
 * `--budget-daily-usd` flag until the operator changes it. The breaker counts consecutive
 * failed turns and pauses with the reason.
 */
import type { Logger } from "../log.ts";
import type { TodaySpend } from "../stats/today_spend.ts";

/** Why no turn may start now. */
export interface RunHold {
  status: "paused" | "over_budget";
  /** What the operator reads: the reason, and how to lift it. */
  detail: string;
}

/** The gate's settings as `/api/state` and the fleet report show them. */
export interface RunGateSnapshot {
  paused: boolean;
  "pause_reason": string | null;
  "budget_daily_usd": number | null;
  "spent_today_usd": number;
  "turns_today": number;
  "consecutive_failed_turns": number;
  "max_failed_turns": number;
}

/** Options for {@linkcode RunGate}. */
export interface RunGateOptions {
  /** The `hyperhive-paused` file. */
  pausedFile: string;
  spend: TodaySpend;
  budgetDailyUsd?: number | null;
  /** Consecutive failed turns that pause the agent (0 = never). */
  maxFailedTurns?: number;
  log: Logger;
  now?: () => number;
}

/** The default of `--max-failed-turns`. */
export const DEFAULT_MAX_FAILED_TURNS = 5;

/** Pause, budget and circuit breaker, asked before every turn. */
export class RunGate {
  #options: RunGateOptions;
  #budget: number | null;
  #failures = 0;
  #listeners = new Set<() => void>();

  constructor(options: RunGateOptions) {
    this.#options = options;
    this.#budget = options.budgetDailyUsd ?? null;
  }

  /** Call `listener` whenever a setting changes (the loop re-checks at once). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The reason to hold, or null when a turn may start. */
  hold(): RunHold | null {
    const reason = this.pauseReason();
    if (reason !== null) {
      return {
        status: "paused",
        detail: `${reason}: resume to go on`,
      };
    }
    const budget = this.#budget;
    if (budget !== null) {
      const spent = this.#options.spend.current().cost_usd;
      if (spent >= budget) {
        return {
          status: "over_budget",
          detail: `spent $${spent.toFixed(2)} of the $${
            budget.toFixed(2)
          } daily budget (UTC day): raise the budget, or wait for the next UTC day`,
        };
      }
    }
    return null;
  }

  /** The pause reason (the file's text, or a default), or null when not paused. */
  pauseReason(): string | null {
    let text: string;
    try {
      text = Deno.readTextFileSync(this.#options.pausedFile);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      // A file we cannot read still says "paused".
      return "paused (the pause file is unreadable)";
    }
    return text.trim() || "paused by the operator";
  }

  /** Pause: no turn starts until {@linkcode resume}. */
  pause(reason = "paused by the operator"): void {
    Deno.writeTextFileSync(this.#options.pausedFile, `${reason}\n`);
    this.#options.log.info("Agent paused", { reason });
    this.#changed();
  }

  /** Resume, clearing a breaker's pause and its count. */
  resume(): void {
    try {
      Deno.removeSync(this.#options.pausedFile);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    this.#failures = 0;
    this.#options.log.info("Agent resumed");
    this.#changed();
  }

  get budgetDailyUsd(): number | null {
    return this.#budget;
  }

  /** Set or clear (null) the daily budget in US dollars. */
  setBudget(dailyUsd: number | null): void {
    if (dailyUsd !== null && (!Number.isFinite(dailyUsd) || dailyUsd < 0)) {
      throw new RangeError(
        `Cannot set the budget to ${dailyUsd}: expected dollars ≥ 0 or null`,
      );
    }
    this.#budget = dailyUsd;
    this.#options.log.info("Daily budget set", { daily_usd: dailyUsd });
    this.#changed();
  }

  /** What is left of today's budget, or null when there is none. */
  remainingUsd(): number | null {
    if (this.#budget === null) return null;
    return Math.max(0, this.#budget - this.#options.spend.current().cost_usd);
  }

  /**
   * A turn ended: a failure that counts moves the breaker, anything else resets it. At the
   * limit the agent pauses with the reason.
   */
  turnEnded(failed: boolean, note: string | null): void {
    const max = this.#options.maxFailedTurns ?? DEFAULT_MAX_FAILED_TURNS;
    if (!failed) {
      this.#failures = 0;
      return;
    }
    this.#failures++;
    if (max > 0 && this.#failures >= max && this.pauseReason() === null) {
      const last = note ? `; last: ${note.slice(0, 300)}` : "";
      this.pause(
        `circuit breaker: ${this.#failures} failed turns in a row${last}`,
      );
    }
  }

  /** How long a held loop sleeps before looking again, in ms (a budget lifts at UTC midnight). */
  holdWaitMs(): number {
    const untilMidnight = this.#options.spend.nextDayStart() * 1000 -
      (this.#options.now ?? Date.now)();
    // The pause file may appear or vanish from outside: look now and then.
    return Math.max(50, Math.min(untilMidnight + 50, 5000));
  }

  snapshot(): RunGateSnapshot {
    const today = this.#options.spend.current();
    const reason = this.pauseReason();
    return {
      paused: reason !== null,
      pause_reason: reason,
      budget_daily_usd: this.#budget,
      spent_today_usd: today.cost_usd,
      turns_today: today.turns,
      consecutive_failed_turns: this.#failures,
      max_failed_turns: this.#options.maxFailedTurns ??
        DEFAULT_MAX_FAILED_TURNS,
    };
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
