/**
 * @module Forward-only schema migrations counted by `PRAGMA user_version` (kysely's invariants):
 * an ordered, append-only list of steps, each applied in its own `BEGIN IMMEDIATE … COMMIT`.
 * A database newer than the code is refused rather than guessed at. A step is data, never code:
 * literal SQL, plus literal columns added only where a file the Rust harness wrote lacks them.
 * So a step cannot drift with today's types, and tests pin every landed step's text. Never edit
 * a landed step; append one.
 */
import type { DatabaseSync } from "node:sqlite";
import { errorMessage } from "../error_message.ts";

/**
 * A column added only when `table` lacks it: how a step adopts a file the Rust harness wrote
 * (same tables, fewer columns) as well as a fresh one. `sql` is the literal `ALTER TABLE`.
 */
export interface AddColumnIfMissing {
  table: string;
  column: string;
  sql: string;
}

/** One statement of a step: literal SQL (several statements allowed), or a conditional column. */
export type MigrationStatement = string | AddColumnIfMissing;

/** One migration step: literal SQL, or literal statements run in order. Frozen once landed. */
export interface Migration {
  version: number;
  name: string;
  sql: string | readonly MigrationStatement[];
}

/** Raised when the file was written by a newer harness than this one. */
export class SchemaTooNewError extends Error {
  constructor(found: number, known: number) {
    super(
      `Cannot open database: schema version ${found} is newer than this harness knows (${known})`,
    );
    this.name = "SchemaTooNewError";
  }
}

/** Read `PRAGMA user_version`. */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as {
    user_version: number;
  } | undefined;
  return row?.user_version ?? 0;
}

/** Apply every step newer than the file's version, in order. Returns the versions applied. */
export function migrate(
  db: DatabaseSync,
  migrations: readonly Migration[],
): number[] {
  for (let i = 0; i < migrations.length; i++) {
    if (migrations[i]!.version !== i + 1) {
      throw new RangeError(
        `Cannot migrate: step ${i} has version ${
          migrations[i]!.version
        }, expected ${i + 1}`,
      );
    }
  }
  const known = migrations.length;
  const found = schemaVersion(db);
  if (found > known) throw new SchemaTooNewError(found, known);
  const applied: number[] = [];
  for (const step of migrations.slice(found)) {
    db.exec("BEGIN IMMEDIATE");
    try {
      // Another process may have migrated while we waited for the write lock.
      if (schemaVersion(db) >= step.version) {
        db.exec("COMMIT");
        continue;
      }
      runStep(db, step);
      db.exec(`PRAGMA user_version = ${step.version}`);
      db.exec("COMMIT");
      applied.push(step.version);
    } catch (error) {
      db.exec("ROLLBACK");
      throw new Error(
        `Cannot migrate to version ${step.version} (${step.name}): ${
          errorMessage(error)
        }`,
        {
          cause: error,
        },
      );
    }
  }
  return applied;
}

function runStep(db: DatabaseSync, step: Migration): void {
  const statements = typeof step.sql === "string" ? [step.sql] : step.sql;
  for (const statement of statements) {
    if (typeof statement === "string") db.exec(statement);
    else if (!hasColumn(db, statement.table, statement.column)) {
      db.exec(statement.sql);
    }
  }
}

/** Whether `table` has a column `column` (for migrations adopting a Rust-written file). */
export function hasColumn(
  db: DatabaseSync,
  table: string,
  column: string,
): boolean {
  const rows = db.prepare(`PRAGMA table_info(${JSON.stringify(table)})`)
    .all() as { name: string }[];
  return rows.some((row) => row.name === column);
}
