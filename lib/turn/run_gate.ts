/**
 * @module Whether a turn may start (SPEC §11): paused (by the operator, by the circuit breaker,
 * or by a `hyperhive-paused` file in the state dir), or over today's budget. A held agent
 * leaves its wake-ups in the inbox; the turn under way is never cut. The pause lives in the
 * file, so it survives a restart and a `touch` from outside pauses too. The budget starts as
 * the `--budget-daily-usd` flag; one the operator sets (`/api/budget`, the host page) is kept
 * in the `hyperhive-budget` file beside the flag it replaced, so it outlives a restart until
 * the flag itself changes: a cap raised at 3 a.m. must not fall back after a crash, and one
 * lifted must not come back, while an operator who edits the flag means the new flag. The
 * breaker counts consecutive failed turns and pauses with the reason.
 */
import type { Logger } from "../log.ts";
import type { TodaySpend } from "../stats/today_spend.ts";
import { errorMessage } from "../error_message.ts";

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
  /** `flag`: `--budget-daily-usd` (or none); `operator`: set through the API and kept. */
  "budget_source": "flag" | "operator";
  "spent_today_usd": number;
  "turns_today": number;
  "consecutive_failed_turns": number;
  "max_failed_turns": number;
}

/** What a turn may still spend today; see {@linkcode RunGate.runBudget}. */
export interface RunBudget {
  remainingUsd: number;
  period: string;
}

/** Options for {@linkcode RunGate}. */
export interface RunGateOptions {
  /** The `hyperhive-paused` file. */
  pausedFile: string;
  spend: TodaySpend;
  /** `--budget-daily-usd`; null or absent: no cap. */
  budgetDailyUsd?: number | null;
  /** Where an operator's budget is kept across restarts; absent: only in memory. */
  budgetFile?: string;
  /** Consecutive failed turns that pause the agent (0 = never). */
  maxFailedTurns?: number;
  log: Logger;
  now?: () => number;
}

/** The `hyperhive-budget` file: the operator's budget and the flag it was set over. */
interface KeptBudget {
  "daily_usd": number | null;
  "flag_daily_usd": number | null;
  /** Unix seconds. */
  "set_at": number;
}

function parseKeptBudget(text: string): KeptBudget | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  const dollars = (field: unknown) =>
    field === null ||
    (typeof field === "number" && Number.isFinite(field) && field >= 0);
  if (!dollars(record.daily_usd) || !dollars(record.flag_daily_usd)) {
    return null;
  }
  return {
    daily_usd: record.daily_usd as number | null,
    flag_daily_usd: record.flag_daily_usd as number | null,
    set_at: typeof record.set_at === "number" ? record.set_at : 0,
  };
}

/** The default of `--max-failed-turns`. */
export const DEFAULT_MAX_FAILED_TURNS = 5;

/** Pause, budget and circuit breaker, asked before every turn. */
export class RunGate {
  #options: RunGateOptions;
  #budget: number | null;
  #budgetSource: "flag" | "operator" = "flag";
  #failures = 0;
  #listeners = new Set<() => void>();

  constructor(options: RunGateOptions) {
    this.#options = options;
    this.#budget = options.budgetDailyUsd ?? null;
    this.#adoptKeptBudget();
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
    this.#budgetSource = "operator";
    this.#options.log.info("Daily budget set", { daily_usd: dailyUsd });
    this.#keepBudget(dailyUsd);
    this.#changed();
  }

  /**
   * What is left of today's budget, and the period it was measured in (the cap and the UTC day:
   * a warm claude capped with it is replaced when either changes); null without a budget.
   */
  runBudget(): RunBudget | null {
    if (this.#budget === null) return null;
    const { spend } = this.#options;
    return {
      remainingUsd: Math.max(0, this.#budget - spend.current().cost_usd),
      period: `${this.#budget} USD until ${spend.nextDayStart()}`,
    };
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
      budget_source: this.#budgetSource,
      spent_today_usd: today.cost_usd,
      turns_today: today.turns,
      consecutive_failed_turns: this.#failures,
      max_failed_turns: this.#options.maxFailedTurns ??
        DEFAULT_MAX_FAILED_TURNS,
    };
  }

  /** Take the operator's kept budget when it was set over the flag still in force. */
  #adoptKeptBudget(): void {
    const file = this.#options.budgetFile;
    if (file === undefined) return;
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      this.#options.log.warn(
        "Cannot read the kept budget; the flag's budget applies",
        { file, error: errorMessage(error) },
      );
      return;
    }
    const kept = parseKeptBudget(text);
    const flag = this.#options.budgetDailyUsd ?? null;
    if (kept === null) {
      this.#options.log.warn(
        "The kept budget file is not what this harness writes; the flag's budget applies",
        { file },
      );
      return;
    }
    if (kept.flag_daily_usd !== flag) {
      this.#options.log.info(
        "--budget-daily-usd changed since the operator set a budget; the flag applies",
        { daily_usd: flag, kept_daily_usd: kept.daily_usd },
      );
      this.#forgetKeptBudget(file);
      return;
    }
    this.#budget = kept.daily_usd;
    this.#budgetSource = "operator";
    this.#options.log.info("Daily budget as the operator last set it", {
      daily_usd: kept.daily_usd,
      set_at: kept.set_at,
    });
  }

  #keepBudget(dailyUsd: number | null): void {
    const file = this.#options.budgetFile;
    if (file === undefined) return;
    const kept: KeptBudget = {
      "daily_usd": dailyUsd,
      "flag_daily_usd": this.#options.budgetDailyUsd ?? null,
      "set_at": Math.floor((this.#options.now ?? Date.now)() / 1000),
    };
    try {
      // Written aside and renamed, so a crash leaves the old budget or the new, never half.
      const aside = `${file}.tmp`;
      Deno.writeTextFileSync(aside, `${JSON.stringify(kept)}\n`, {
        mode: 0o600,
      });
      Deno.renameSync(aside, file);
    } catch (error) {
      // The budget holds in memory all the same; only a restart would lose it.
      this.#options.log.error(
        "Cannot keep the budget across a restart; it applies until then",
        { file, error: errorMessage(error) },
      );
    }
  }

  #forgetKeptBudget(file: string): void {
    try {
      Deno.removeSync(file);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        this.#options.log.warn("Cannot remove the outdated kept budget", {
          file,
          error: errorMessage(error),
        });
      }
    }
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
