/**
 * @module Opening an sqlite file the way every store of the harness wants it: parent dir made,
 * the file readable by its owner only (0600), WAL, `synchronous=NORMAL` (a crash loses at most the last moments, never the file), a busy
 * timeout so a short lock by a reader or `vacuum` waits instead of failing, and migrations run.
 */
import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { migrate, type Migration } from "./migrate.ts";
import { errorMessage } from "../error_message.ts";
import { ensurePrivateFile, tighten } from "../security/private_files.ts";

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** How long a write waits for another writer's lock, in ms. */
  busyTimeoutMs?: number;
  readOnly?: boolean;
}

/** Open (creating if needed) and migrate an sqlite file. Throws with the path in the message. */
export function openDatabase(
  path: string,
  migrations: readonly Migration[],
  options: OpenDatabaseOptions = {},
): DatabaseSync {
  const { busyTimeoutMs = 2000, readOnly = false } = options;
  let db: DatabaseSync | undefined;
  try {
    if (!readOnly) {
      Deno.mkdirSync(dirname(path), { recursive: true });
      // sqlite gives the -wal and -shm files the database file's mode, so 0600 here covers all.
      ensurePrivateFile(path);
      tighten(`${path}-wal`);
      tighten(`${path}-shm`);
    }
    db = new DatabaseSync(path, { readOnly });
    db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    if (!readOnly) {
      enableWal(db, busyTimeoutMs);
      db.exec("PRAGMA synchronous = NORMAL");
      migrate(db, migrations);
    }
    return db;
  } catch (error) {
    try {
      db?.close();
    } catch {
      // Already failing with the real cause below.
    }
    const message = errorMessage(error);
    throw new Error(`Cannot open database "${path}": ${message}`, {
      cause: error,
    });
  }
}

/**
 * Switch to WAL. Two processes opening a new file at once race for the exclusive lock this
 * needs, and sqlite answers SQLITE_BUSY here without its busy handler, so wait and retry.
 */
function enableWal(db: DatabaseSync, busyTimeoutMs: number): void {
  const deadline = Date.now() + Math.max(busyTimeoutMs, 100);
  for (;;) {
    try {
      db.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (error) {
      const busy = error instanceof Error && /locked|busy/i.test(error.message);
      if (!busy || Date.now() >= deadline) throw error;
      sleepSync(10);
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
