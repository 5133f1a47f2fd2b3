/**
 * @module This turn's cost out of the CLI's running total. Measured against Claude Code 2.1:
 * a result line's `usage` and `num_turns` are the turn's own, but `total_cost_usd` (and
 * `modelUsage`) run on for the whole session: across the turns of one warm process, and across
 * processes too, because a claude that exits cleanly saves the session's total in its transcript
 * and `--continue` starts from it. A claude that is killed saves nothing, so the next one starts
 * from the last total a clean exit saved. The ledger follows exactly that: a baseline per running
 * process, and the saved mark (session, total) that the next process will restore.
 */

/** The largest session cost in USD taken as real; a larger figure is a bad line, not a bill. */
export const MAX_COST_USD = 1_000_000;

/** Whether `value` can be a cost the CLI reported: a number from 0 to {@linkcode MAX_COST_USD}. */
export function isCostFigure(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 &&
    value <= MAX_COST_USD;
}

/** The total a clean exit left saved for a session: what the next `--continue` starts from. */
export interface CostMark {
  "session_id": string;
  "total_cost_usd": number;
}

/** Options for {@linkcode CostLedger}. */
export interface CostLedgerOptions {
  /** The mark saved by an earlier harness, if any. */
  restored?: CostMark | null;
  /** Called when the saved mark changes (a clean exit), to persist it across harness restarts. */
  save?: (mark: CostMark) => void;
}

/** Turns the CLI's running totals into per-turn costs: one ledger per harness. */
export class CostLedger {
  #saved: CostMark | null;
  #save: (mark: CostMark) => void;

  constructor(options: CostLedgerOptions = {}) {
    this.#saved = options.restored ?? null;
    this.#save = options.save ?? (() => {});
  }

  /** The mark the next fresh process would restore. */
  get saved(): CostMark | null {
    return this.#saved;
  }

  /** A new claude process starts: it begins from the saved mark of its session. */
  processStarted(): ProcessCost {
    let running: CostMark | null = null;
    let ended = false;
    const baseFor = (session: string | null): number => {
      if (running !== null) {
        return running.session_id === session ? running.total_cost_usd : 0;
      }
      return this.#saved !== null && this.#saved.session_id === session
        ? this.#saved.total_cost_usd
        : 0;
    };
    return {
      turnCost: (result) => {
        const total = result?.total_cost_usd;
        if (!isCostFigure(total)) return null;
        const session = typeof result?.session_id === "string"
          ? result.session_id
          : null;
        const cost = total - baseFor(session);
        running = session === null
          ? null
          : { "session_id": session, "total_cost_usd": total };
        // Below the baseline the CLI restored less than we know of: the turn's share is unknown.
        if (cost < -1e-12) return null;
        return roundCost(Math.max(0, cost));
      },
      ended: (clean) => {
        if (ended) return;
        ended = true;
        if (clean && running !== null) {
          this.#saved = running;
          this.#save(running);
        }
      },
    };
  }
}

/** The cost account of one claude process. */
export interface ProcessCost {
  /** This turn's cost from its result line; null when the line names no total or it is unreadable. */
  turnCost(result: Record<string, unknown> | null): number | null;
  /** The process ended; `clean` when it exited by itself (it saved its total), not killed. */
  ended(clean: boolean): void;
}

/** Subtracting running totals leaves float noise (0.00030000000000000003 − 0.00015…). */
function roundCost(value: number): number {
  return Math.round(value * 1e10) / 1e10;
}

/** A saved mark read back from its file's text; null when absent or not one. */
export function parseCostMark(text: string | null): CostMark | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (
      typeof value === "object" && value !== null &&
      "session_id" in value && typeof value.session_id === "string" &&
      "total_cost_usd" in value && typeof value.total_cost_usd === "number"
    ) {
      return {
        "session_id": value.session_id,
        "total_cost_usd": value.total_cost_usd,
      };
    }
  } catch {
    // A torn or foreign file: start from no mark rather than a made-up one.
  }
  return null;
}
