/**
 * @module How the turn loop gets a turn out of claude, whichever way claude runs (SPEC §10): the
 * {@linkcode TurnRunner} surface, what `/api/state.claude` shows of the process, and the cold
 * runner — a fresh `claude --print` per turn (`--keep-warm 0`). The warm runner lives in
 * `warm_turn_runner.ts`. Both report this turn's cost, not the CLI's running total.
 */
import {
  type InvocationOptions,
  type InvocationRequest,
  type InvocationResult,
  runInvocation,
} from "./turn_runner.ts";
import type { CostLedger } from "./turn_cost.ts";
import { TreeRssReader } from "../claude/process_memory.ts";

/** The claude process serving this agent, as `/api/state.claude` shows it. */
export interface ClaudeSnapshot {
  pid: number;
  /** Kept alive between turns (warm), or a per-turn process (cold). */
  warm: boolean;
  /** Unix seconds. */
  "started_at": number;
  /** Turns this process has run, the one under way included. */
  turns: number;
  /** Resident memory of claude and every process it started (its MCP server, tools); null when unreadable. */
  "rss_bytes": number | null;
}

/** What came of one turn. */
export interface TurnRun extends InvocationResult {
  /** This turn's cost in USD (the CLI prints the session's running total); null when unknown. */
  costUsd: number | null;
  /**
   * Why a warm claude failed this turn (died, hung, printed garbage), or null: the turn is
   * `failed` with this note, and the loop runs the wake-up once more on a fresh claude.
   */
  fault: string | null;
}

/** Runs turns; the turn loop's only way to claude. */
export interface TurnRunner {
  run(request: InvocationRequest, options: InvocationOptions): Promise<TurnRun>;
  /** The operator asked for a new session: end a warm process (now, or when its turn ends). */
  endSession(): Promise<void>;
  /** The process serving the agent, or null when none runs. */
  snapshot(): ClaudeSnapshot | null;
  /** Stop whatever runs; the runner is not used again. */
  close(): Promise<void>;
}

/** Options for {@linkcode ColdTurnRunner}. */
export interface ColdTurnRunnerOptions {
  costs: CostLedger;
  now?: () => number;
}

/** A fresh claude per turn: today's mode, `--keep-warm 0`. */
export class ColdTurnRunner implements TurnRunner {
  #costs: CostLedger;
  #now: () => number;
  #current: { pid: number; startedAt: number } | null = null;
  #rss = new TreeRssReader();

  constructor(options: ColdTurnRunnerOptions) {
    this.#costs = options.costs;
    this.#now = options.now ?? Date.now;
  }

  async run(
    request: InvocationRequest,
    options: InvocationOptions,
  ): Promise<TurnRun> {
    const cost = this.#costs.processStarted();
    try {
      const result = await runInvocation(request, {
        ...options,
        onSpawned: (child) => {
          if (child.pid !== undefined) {
            this.#current = {
              pid: child.pid,
              startedAt: Math.floor(this.#now() / 1000),
            };
          }
          options.onSpawned?.(child);
        },
      });
      const { ending } = result;
      const costUsd = cost.turnCost(ending.result);
      // Killed by a signal, claude saved no running total; exited by itself, it did.
      cost.ended(ending.spawnError === null && ending.signal === null);
      return { ...result, costUsd, fault: null };
    } finally {
      this.#current = null;
    }
  }

  endSession(): Promise<void> {
    return Promise.resolve();
  }

  snapshot(): ClaudeSnapshot | null {
    const current = this.#current;
    if (current === null) return null;
    return {
      pid: current.pid,
      warm: false,
      "started_at": current.startedAt,
      turns: 1,
      "rss_bytes": this.#rss.read(current.pid),
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
