/**
 * @module Whether the file under an open sqlite connection is still the one that was opened. A
 * connection keeps writing to a deleted or replaced file's old inode, and only notices garbage
 * written over it when it reads those pages: rows would vanish without an error. Checked before
 * each write of a long-lived best-effort store, for the cost of a stat and a 16-byte read.
 */
import type { DatabaseSync } from "node:sqlite";

const SQLITE_HEADER = "SQLite format 3\0";

/** Why the file at `path` is no longer the one opened as `identity`, or null when it is. */
export function changeOnDisk(
  path: string,
  identity: string | null,
): string | null {
  const now = fileIdentity(path);
  if (now === null) return "file was deleted while open";
  if (now !== identity) return "file was replaced while open";
  if (!hasSqliteHeader(path)) {
    return "file was overwritten with non-sqlite bytes";
  }
  return null;
}

/** Throw unless `PRAGMA quick_check` finds the file sound. */
export function checkIntegrity(db: DatabaseSync): void {
  const rows = db.prepare("PRAGMA quick_check").all() as {
    quick_check: string;
  }[];
  const problems = rows.map((row) => row.quick_check).filter((text) =>
    text !== "ok"
  );
  if (problems.length > 0) {
    throw new Error(`file is corrupt: ${problems.join("; ")}`);
  }
}

/** The device and inode of `path`, or null when it is gone. */
export function fileIdentity(path: string): string | null {
  try {
    const info = Deno.statSync(path);
    return `${info.dev}:${info.ino}`;
  } catch {
    return null;
  }
}

/** Whether the file starts as an sqlite file does (an empty one counts: nothing written yet). */
export function hasSqliteHeader(path: string): boolean {
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path);
    const bytes = new Uint8Array(SQLITE_HEADER.length);
    const read = file.readSync(bytes);
    // A brand-new file is still empty until sqlite writes its first page.
    if (read === null || read === 0) return true;
    return new TextDecoder().decode(bytes.subarray(0, read)) === SQLITE_HEADER;
  } catch {
    return false;
  } finally {
    file?.close();
  }
}
