/**
 * @module `hive-harness vacuum`: the host-side retention sweep over one or many state dirs.
 * Deletes turn-stats rows that ended more than `--keep-days` ago and events beyond the newest
 * {@linkcode EVENTS_KEPT}, then gives the space back. Safe while harnesses run: deletes go in small batches, each
 * its own short transaction waiting on a busy timeout, and files are never migrated. A harness
 * whose insert meets the final `VACUUM` keeps its row for retry (see `TurnStatsRecorder`).
 */
import { dirname } from "node:path";
import {
  countEventsBeyond,
  countTurnStatsBefore,
  deleteEventsBeyond,
  deleteTurnStatsBefore,
  type StoreSweep,
  sweepStore,
} from "../stats/retention.ts";
import {
  type StateDirCommandDeps,
  stateDirTargets,
} from "../stats/state_dirs.ts";
import { STATE_FILES } from "../config.ts";
import { EVENTS_KEPT } from "../wire/events.ts";
import { parseFlags, UsageError } from "./flags.ts";

/** The usage text of `hive-harness vacuum --help`. */
export const VACUUM_USAGE =
  `Usage: hive-harness vacuum [DIR|GLOB ...] [--keep-days N] [--dry-run] [--json]

In each state dir (default: this agent's), deletes turn-stats rows that ended more
than N days ago (default 90) and events beyond the newest ${EVENTS_KEPT}, then reclaims
the space. Safe while harnesses run. Globs are expanded here.
  --keep-days N  days of turn stats to keep (0 or more)
  --dry-run      only count what would be removed; write nothing
  --json         machine-readable output
Exit 1 when a store could not be swept (it is named on stderr and skipped).
`;

/** The options of `vacuum`. */
export interface VacuumOptions {
  dirs: string[];
  keepDays: number;
  dryRun: boolean;
  json: boolean;
}

/** What `vacuum` needs from the outside. */
export type VacuumDeps = StateDirCommandDeps;

/** What was done in one state dir. */
export interface DirSweep {
  dir: string;
  "turn_stats": StoreSweep;
  events: StoreSweep;
}

/** Parse `vacuum`'s arguments; throws {@linkcode UsageError} naming the flag. */
export function parseVacuumArgs(args: readonly string[]): VacuumOptions {
  const parsed = parseFlags(args, {
    "keep-days": { type: "string", default: "90" },
    "dry-run": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  });
  const { values, positionals } = parsed;
  const keep = values["keep-days"] ?? "90";
  if (!/^\d{1,5}$/.test(keep)) {
    throw new UsageError(
      `--keep-days must be a whole number of days, got "${keep}"`,
      "--keep-days",
    );
  }
  return {
    dirs: positionals,
    keepDays: Number(keep),
    dryRun: values["dry-run"] ?? false,
    json: values.json ?? false,
  };
}

/** Run `vacuum`; returns the exit code. */
export function runVacuum(
  options: VacuumOptions,
  deps: VacuumDeps,
): Promise<number> {
  const { write, writeError, now = Date.now } = deps;
  const cutoff = Math.floor(now() / 1000) - options.keepDays * 86_400;
  const sweeps: DirSweep[] = [];
  for (
    const target of stateDirTargets(
      options.dirs,
      STATE_FILES.turnStats,
      deps.defaultStateDir,
    )
  ) {
    const stats = target.path;
    const events = stats === null
      ? null
      : `${dirname(stats)}/${STATE_FILES.events}`;
    const sweep: DirSweep = {
      dir: target.dir,
      "turn_stats": sweepStore(stats, options.dryRun, {
        count: (db) => countTurnStatsBefore(db, cutoff),
        remove: (db) => deleteTurnStatsBefore(db, cutoff),
      }),
      events: sweepStore(events, options.dryRun, {
        count: (db) => countEventsBeyond(db),
        remove: (db) => deleteEventsBeyond(db),
      }),
    };
    sweeps.push(sweep);
    for (
      const [name, store] of [["turn_stats", sweep.turn_stats], [
        "events",
        sweep.events,
      ]] as const
    ) {
      if (store.status !== "ok") {
        writeError(`vacuum: ${sweep.dir}: ${name}: ${store.error}\n`);
      }
    }
  }
  if (options.json) {
    write(
      JSON.stringify({
        dry_run: options.dryRun,
        keep_days: options.keepDays,
        cutoff,
        events_kept: EVENTS_KEPT,
        dirs: sweeps,
      }) + "\n",
    );
  } else {
    write(formatSweeps(sweeps, options, cutoff));
  }
  const bad = sweeps.some((s) =>
    s.turn_stats.status === "bad" || s.events.status === "bad"
  );
  return Promise.resolve(bad ? 1 : 0);
}

function formatSweeps(
  sweeps: DirSweep[],
  options: VacuumOptions,
  cutoff: number,
): string {
  const verb = options.dryRun ? "would remove" : "removed";
  const day = new Date(cutoff * 1000).toISOString().slice(0, 10);
  const what = {
    "turn_stats":
      `turn-stats rows that ended before ${day} (keeping ${options.keepDays} days)`,
    events: `events beyond the newest ${EVENTS_KEPT}`,
  };
  const lines: string[] = [];
  for (const sweep of sweeps) {
    lines.push(sweep.dir);
    for (const name of ["turn_stats", "events"] as const) {
      const store = sweep[name];
      const busy = store.checkpointed
        ? ""
        : ", file busy: space reclaimed next time";
      const size = store.status === "ok" && !options.dryRun
        ? `  (${megabytes(store.bytes_before)} → ${
          megabytes(store.bytes_after)
        }${busy})`
        : "";
      const text = store.status === "ok"
        ? `${verb} ${store.removed.toLocaleString("en-US")} ${
          what[name]
        }${size}`
        : store.error;
      lines.push(`  ${name}: ${text}`);
    }
  }
  return lines.join("\n") + "\n";
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(2)} MB`;
}
