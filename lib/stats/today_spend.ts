/**
 * @module Today's turns and cost (the UTC day, SPEC §11), as the budget, the fleet report and
 * `/metrics` see them: read from the turn-stats rows that ended today, then kept current from
 * each row as it is recorded — so they are the figures `hive-harness stats --since TODAY`
 * prints for the same state dir.
 */
import type { TurnStatsRow } from "./turn_stats_row.ts";

/** Reads rows by `ended_at` range (the turn-stats recorder). */
export interface EndedRangeReader {
  range(from: number, until: number): TurnStatsRow[];
}

/** Today's figures. */
export interface DayFigures {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  turns: number;
  "cost_usd": number;
}

const DAY_SECONDS = 86_400;

/** The running total of one UTC day, rolled over at midnight. */
export class TodaySpend {
  #reader: EndedRangeReader;
  #now: () => number;
  #dayStart = Number.NaN;
  #turns = 0;
  #cost = 0;

  constructor(reader: EndedRangeReader, now: () => number = Date.now) {
    this.#reader = reader;
    this.#now = now;
  }

  /** Count a row just recorded (a row of another day is ignored). */
  add(row: Pick<TurnStatsRow, "ended_at" | "cost_usd">): void {
    // A new day was just read from the store, this row (already written) included.
    if (this.#roll()) return;
    if (row.ended_at < this.#dayStart) return;
    if (row.ended_at >= this.#dayStart + DAY_SECONDS) return;
    this.#turns++;
    this.#cost += row.cost_usd ?? 0;
  }

  /** Today's turns and cost so far. */
  current(): DayFigures {
    this.#roll();
    return {
      day: new Date(this.#dayStart * 1000).toISOString().slice(0, 10),
      turns: this.#turns,
      // Sums of binary fractions drift; cents to the millionth are plenty.
      cost_usd: Math.round(this.#cost * 1e6) / 1e6,
    };
  }

  /** Unix seconds when the next UTC day starts. */
  nextDayStart(): number {
    this.#roll();
    return this.#dayStart + DAY_SECONDS;
  }

  /** Start a new day when the clock passed midnight; true when it did. */
  #roll(): boolean {
    const nowSec = Math.floor(this.#now() / 1000);
    const dayStart = nowSec - (nowSec % DAY_SECONDS);
    if (dayStart === this.#dayStart) return false;
    this.#dayStart = dayStart;
    this.#turns = 0;
    this.#cost = 0;
    let rows: TurnStatsRow[] = [];
    try {
      rows = this.#reader.range(dayStart, dayStart + DAY_SECONDS);
    } catch {
      // An unreadable store counts from zero; its failure is already in /api/state.stores.
    }
    for (const row of rows) {
      this.#turns++;
      this.#cost += row.cost_usd ?? 0;
    }
    return true;
  }
}
