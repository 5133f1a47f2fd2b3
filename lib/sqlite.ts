/**
 * @module Opening an sqlite file the way every store of the harness wants it: parent dir made,
 * WAL, `synchronous=NORMAL` (a crash loses at most the last moments, never the file), a busy
 * timeout so a short lock by a reader or `vacuum` waits instead of failing, and migrations run.
 */
import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { migrate, type Migration } from "./migrate.ts";

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
    if (!readOnly) Deno.mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path, { readOnly });
    db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    if (!readOnly) {
      db.exec("PRAGMA journal_mode = WAL");
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
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot open database "${path}": ${message}`, {
      cause: error,
    });
  }
}
