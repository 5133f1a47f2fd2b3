/**
 * @module The time windows of `GET /api/stats` (`24h` in hourly buckets, `7d` and `30d` in
 * daily ones) and the bucketing of rows into them. Buckets are aligned to UTC hours and days and
 * the last one holds "now", so two clients asking within the same hour see the same buckets.
 */
import type { TurnStatsRow } from "./turn_stats_row.ts";
import { summarize, type TurnStatsSummary } from "./summary.ts";

/** A window's name as the query gives it. */
export type StatsWindowName = "24h" | "7d" | "30d";

/** A window: how many buckets of how many seconds. */
export interface StatsWindow {
  name: StatsWindowName;
  bucketSeconds: number;
  buckets: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** The windows `/api/stats` accepts. */
export const STATS_WINDOWS: Readonly<Record<StatsWindowName, StatsWindow>> = {
  "24h": { name: "24h", bucketSeconds: HOUR, buckets: 24 },
  "7d": { name: "7d", bucketSeconds: DAY, buckets: 7 },
  "30d": { name: "30d", bucketSeconds: DAY, buckets: 30 },
};

/** The window named `value`, or null when there is none by that name. */
export function parseStatsWindow(value: string): StatsWindow | null {
  return Object.hasOwn(STATS_WINDOWS, value)
    ? STATS_WINDOWS[value as StatsWindowName]
    : null;
}

/** The unix seconds `[from, until)` a window covers at `nowSeconds`. */
export function windowBounds(
  window: StatsWindow,
  nowSeconds: number,
): { from: number; until: number } {
  const until = (Math.floor(nowSeconds / window.bucketSeconds) + 1) *
    window.bucketSeconds;
  return { from: until - window.buckets * window.bucketSeconds, until };
}

/** One bucket of `/api/stats`: its start and what its rows add up to. */
export interface StatsBucket extends TurnStatsSummary {
  start: number;
}

/** The body of `GET /api/stats`. */
export interface WindowStats {
  window: StatsWindowName;
  "bucket_seconds": number;
  from: number;
  until: number;
  total: TurnStatsSummary;
  buckets: StatsBucket[];
}

/** Bucket rows (by `ended_at`) over a window; rows outside it are ignored. */
export function windowStats(
  rows: readonly TurnStatsRow[],
  window: StatsWindow,
  nowSeconds: number,
): WindowStats {
  const { from, until } = windowBounds(window, nowSeconds);
  const inWindow = rows.filter((row) =>
    row.ended_at >= from && row.ended_at < until
  );
  const perBucket: TurnStatsRow[][] = Array.from(
    { length: window.buckets },
    () => [],
  );
  for (const row of inWindow) {
    perBucket[Math.floor((row.ended_at - from) / window.bucketSeconds)]?.push(
      row,
    );
  }
  return {
    window: window.name,
    bucket_seconds: window.bucketSeconds,
    from,
    until,
    total: summarize(inWindow),
    buckets: perBucket.map((bucketRows, index) => ({
      start: from + index * window.bucketSeconds,
      ...summarize(bucketRows, 5),
    })),
  };
}
