/**
 * @module `hive-harness stats`: turn-stats reports over one or many state dirs, as a table with
 * totals (in the manner of `ccusage`) or `--json`. Each store is opened read-only, never
 * migrated and never written, so it is safe beside running harnesses (WAL readers do not block
 * writers). A dir without a store, or with one that cannot be read, is reported and skipped.
 */
import { DatabaseSync } from "node:sqlite";
import { errorMessage } from "../error_message.ts";
import {
  buildReport,
  formatReportTable,
  REPORT_GROUPINGS,
  type ReportGrouping,
} from "../stats/report.ts";
import {
  type StateDirCommandDeps,
  stateDirTargets,
  whyMissing,
} from "../stats/state_dirs.ts";
import type { StoredTurnStatsRow } from "../stats/turn_stats_row.ts";
import { TurnStatsRows } from "../stats/turn_stats_store.ts";
import { STATE_FILES } from "../config.ts";
import { parseFlags, UsageError } from "./flags.ts";

/** The usage text of `hive-harness stats --help`. */
export const STATS_USAGE =
  `Usage: hive-harness stats [DIR|GLOB ...] [--since DATE] [--until DATE]
                          [--by day|agent|model|wake_from|result_kind] [--json]

Reports the turns recorded in each state dir's ${STATE_FILES.turnStats} (default: this
agent's state dir), read-only and safe while harnesses run. Globs are expanded here.
  --since DATE   turns that ended at or after DATE (YYYY-MM-DD, UTC, or ISO 8601)
  --until DATE   turns that ended before DATE (a YYYY-MM-DD day is included whole)
  --by KEY       one line per day (UTC, the default), agent, model, wake_from or result_kind
  --json         machine-readable output
Exit 1 when a store could not be read (it is named on stderr and skipped).
`;

/** The options of `stats`. */
export interface StatsOptions {
  /** `DIR|GLOB` arguments; empty for the default state dir. */
  dirs: string[];
  /** Unix seconds, inclusive. */
  since: number | null;
  /** Unix seconds, exclusive. */
  until: number | null;
  by: ReportGrouping;
  json: boolean;
}

/** What `stats` needs from the outside. */
export type StatsDeps = StateDirCommandDeps;

/** How one state dir's store was read. */
export interface StateDirStatus {
  dir: string;
  path: string;
  status: "ok" | "missing" | "bad";
  rows: number;
  error?: string;
}

/** Parse `stats`'s arguments; throws {@linkcode UsageError} naming the flag. */
export function parseStatsArgs(args: readonly string[]): StatsOptions {
  const parsed = parseFlags(args, {
    since: { type: "string" },
    until: { type: "string" },
    by: { type: "string", default: "day" },
    json: { type: "boolean", default: false },
  });
  const { values, positionals } = parsed;
  const by = values.by ?? "day";
  if (!(REPORT_GROUPINGS as readonly string[]).includes(by)) {
    throw new UsageError(
      `--by must be one of ${REPORT_GROUPINGS.join(", ")}, got "${by}"`,
      "--by",
    );
  }
  const since = parseDate(values.since, "--since", false);
  const until = parseDate(values.until, "--until", true);
  if (since !== null && until !== null && since >= until) {
    throw new UsageError("--until must be later than --since", "--until");
  }
  return {
    dirs: positionals,
    since,
    until,
    by: by as ReportGrouping,
    json: values.json ?? false,
  };
}

/** Run `stats`; returns the exit code. */
export function runStats(
  options: StatsOptions,
  deps: StatsDeps,
): Promise<number> {
  const { write, writeError, now = Date.now } = deps;
  const dirs: StateDirStatus[] = [];
  const rows: StoredTurnStatsRow[] = [];
  for (
    const target of stateDirTargets(
      options.dirs,
      STATE_FILES.turnStats,
      deps.defaultStateDir,
    )
  ) {
    const read = target.path === null
      ? { status: noMatch(target.dir), rows: [] }
      : readStore(target.dir, target.path, options);
    dirs.push(read.status);
    rows.push(...read.rows);
    if (read.status.status !== "ok") {
      writeError(`stats: ${read.status.dir}: ${read.status.error}\n`);
    }
  }
  const report = buildReport(rows, options.by);
  if (options.json) {
    write(
      JSON.stringify({
        generated_at: Math.floor(now() / 1000),
        since: options.since,
        until: options.until,
        dirs,
        ...report,
      }) + "\n",
    );
  } else {
    const read = dirs.filter((dir) => dir.status === "ok").length;
    write(
      `Turn stats by ${options.by} over ${read} of ${dirs.length} state dir(s)\n\n`,
    );
    write(formatReportTable(report));
  }
  return Promise.resolve(dirs.some((dir) => dir.status === "bad") ? 1 : 0);
}

function readStore(
  dir: string,
  path: string,
  options: StatsOptions,
): { status: StateDirStatus; rows: StoredTurnStatsRow[] } {
  const missing = whyMissing(dir, path);
  if (missing !== null) {
    return {
      status: { dir, path, status: "missing", rows: 0, error: missing },
      rows: [],
    };
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    db.exec("PRAGMA busy_timeout = 2000");
    const rows = new TurnStatsRows(db).range(
      options.since ?? Number.MIN_SAFE_INTEGER,
      options.until ?? Number.MAX_SAFE_INTEGER,
    );
    return { status: { dir, path, status: "ok", rows: rows.length }, rows };
  } catch (error) {
    const status: StateDirStatus = {
      dir,
      path,
      status: "bad",
      rows: 0,
      error: `cannot read ${path}: ${errorMessage(error)}`,
    };
    return { status, rows: [] };
  } finally {
    db?.close();
  }
}

function noMatch(pattern: string): StateDirStatus {
  return {
    dir: pattern,
    path: "",
    status: "missing",
    rows: 0,
    error: "no directory matches",
  };
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(
  value: string | undefined,
  flag: string,
  endOfDay: boolean,
): number | null {
  if (value === undefined) return null;
  const day = DAY.exec(value);
  let ms = NaN;
  if (day) {
    const [year, month, date] = day.slice(1).map(Number) as [
      number,
      number,
      number,
    ];
    const start = new Date(Date.UTC(year, month - 1, date));
    // Date.UTC rolls 2026-02-31 over into March: only a real calendar day is accepted.
    if (start.getUTCMonth() === month - 1 && start.getUTCDate() === date) {
      ms = start.getTime() + (endOfDay ? 86_400_000 : 0);
    }
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(value)) ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new UsageError(
      `${flag} must be a date (YYYY-MM-DD) or ISO 8601 time, got "${value}"`,
      flag,
    );
  }
  return Math.floor(ms / 1000);
}
