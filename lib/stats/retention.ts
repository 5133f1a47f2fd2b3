/**
 * @module The retention sweep, on files a running harness may be writing: turn-stats rows
 * older than a cutoff and events beyond the newest {@linkcode EVENTS_KEPT}, deleted in small
 * batches (each its own short transaction, so the harness's writes slip in between), then space
 * given back when no reader is in the way ({@linkcode sweepStore} does one whole file). Works
 * on any schema version: it never migrates, and only needs `turn_stats.ended_at` and `events.id`.
 */
import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { errorMessage } from "../error_message.ts";
import { whyMissing } from "./state_dirs.ts";
import { EVENTS_KEPT } from "../wire/events.ts";

/** Rows deleted per transaction. */
const BATCH = 500;

/** Count turn-stats rows that ended before `cutoff` (unix seconds). */
export function countTurnStatsBefore(db: DatabaseSync, cutoff: number): number {
  return count(
    db,
    "SELECT count(*) AS n FROM turn_stats WHERE ended_at < ?",
    cutoff,
  );
}

/** Delete turn-stats rows that ended before `cutoff`; returns how many. */
export function deleteTurnStatsBefore(
  db: DatabaseSync,
  cutoff: number,
): number {
  return deleteInBatches(
    db,
    "DELETE FROM turn_stats WHERE id IN (SELECT id FROM turn_stats WHERE ended_at < ? LIMIT ?)",
    cutoff,
  );
}

/** Count events older than the newest `keep`. */
export function countEventsBeyond(
  db: DatabaseSync,
  keep = EVENTS_KEPT,
): number {
  const oldestKept = oldestKeptEvent(db, keep);
  if (oldestKept === null) return 0;
  return count(db, "SELECT count(*) AS n FROM events WHERE id < ?", oldestKept);
}

/** Delete events older than the newest `keep` (by id); returns how many. */
export function deleteEventsBeyond(
  db: DatabaseSync,
  keep = EVENTS_KEPT,
): number {
  // Fixed once: events added meanwhile only have larger ids, so at least `keep` stay.
  const oldestKept = oldestKeptEvent(db, keep);
  if (oldestKept === null) return 0;
  return deleteInBatches(
    db,
    "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id < ? ORDER BY id LIMIT ?)",
    oldestKept,
  );
}

/** What {@linkcode reclaimSpace} did. */
export interface Reclaimed {
  vacuumed: boolean;
  /** Whether the WAL was folded in and truncated (false while a reader holds it). */
  checkpointed: boolean;
}

/** Fold the WAL into the file and, when pages were freed and no reader is in the way, VACUUM. */
export function reclaimSpace(db: DatabaseSync, waitMs = 250): Reclaimed {
  // A TRUNCATE checkpoint waits on readers; a harness's reads are short, so wait only briefly.
  db.exec(`PRAGMA busy_timeout = ${waitMs}`);
  if (!checkpoint(db)) return { vacuumed: false, checkpointed: false };
  const free = db.prepare("PRAGMA freelist_count").get() as {
    freelist_count: number;
  };
  if (free.freelist_count === 0) return { vacuumed: false, checkpointed: true };
  // VACUUM writes the whole new copy to the WAL, so the file only shrinks once that WAL is
  // checkpointed and truncated; a reader arriving in between leaves it for the next sweep.
  db.exec("VACUUM");
  return { vacuumed: true, checkpointed: checkpoint(db) };
}

function checkpoint(db: DatabaseSync): boolean {
  const result = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as {
    busy: number;
  };
  return result.busy === 0;
}

function oldestKeptEvent(db: DatabaseSync, keep: number): number | null {
  const row = db.prepare(
    "SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?",
  )
    .get(keep - 1) as { id: number } | undefined;
  return row?.id ?? null;
}

function count(db: DatabaseSync, sql: string, value: number): number {
  return Number((db.prepare(sql).get(value) as { n: number | bigint }).n);
}

function deleteInBatches(db: DatabaseSync, sql: string, value: number): number {
  const remove = db.prepare(sql);
  let removed = 0;
  for (;;) {
    const changes = Number(remove.run(value, BATCH).changes);
    removed += changes;
    if (changes < BATCH) return removed;
  }
}

/** What was done to one store. */
export interface StoreSweep {
  path: string;
  status: "ok" | "missing" | "bad";
  /** Rows removed, or that would be with `--dry-run`. */
  removed: number;
  vacuumed: boolean;
  /** Whether the WAL could be truncated (false while a reader held it: try again later). */
  checkpointed: boolean;
  /** Size of the file and its -wal before and after. */
  "bytes_before": number;
  "bytes_after": number;
  error?: string;
}

// Long enough to wait out a harness's batch of writes, short enough not to hang a cron job.
const BUSY_TIMEOUT_MS = 5000;

/** Count (`dryRun`) or delete rows of one store file with `how`, then reclaim space. */
export function sweepStore(
  path: string | null,
  dryRun: boolean,
  how: {
    count: (db: DatabaseSync) => number;
    remove: (db: DatabaseSync) => number;
  },
): StoreSweep {
  const sweep: StoreSweep = {
    path: path ?? "",
    status: "missing",
    removed: 0,
    vacuumed: false,
    checkpointed: false,
    "bytes_before": 0,
    "bytes_after": 0,
  };
  const missing = path === null
    ? "no directory matches"
    : whyMissing(dirname(path), path);
  if (path === null || missing !== null) {
    return { ...sweep, error: missing ?? "" };
  }
  sweep.bytes_before = sweep.bytes_after = bytesOf(path);
  let db: DatabaseSync | undefined;
  try {
    // Never created, never migrated: a missing file was reported above.
    db = new DatabaseSync(path, { readOnly: dryRun });
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (dryRun) return { ...sweep, status: "ok", removed: how.count(db) };
    sweep.removed = how.remove(db);
    const reclaimed = reclaimSpace(db);
    sweep.vacuumed = reclaimed.vacuumed;
    sweep.checkpointed = reclaimed.checkpointed;
    sweep.status = "ok";
  } catch (error) {
    sweep.status = "bad";
    sweep.error = `cannot sweep ${path}: ${errorMessage(error)}`;
  } finally {
    db?.close();
  }
  sweep.bytes_after = bytesOf(path);
  return sweep;
}

function bytesOf(path: string): number {
  let total = 0;
  for (const file of [path, `${path}-wal`]) {
    try {
      total += Deno.statSync(file).size;
    } catch {
      // No -wal (or no file) is zero bytes.
    }
  }
  return total;
}
