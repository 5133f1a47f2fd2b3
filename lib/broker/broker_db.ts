/**
 * @module One connection to `hyperhive-broker.sqlite`, with its statements prepared once and
 * kept (the same few run thousands of times a minute under load) and `BEGIN IMMEDIATE`
 * transactions, which take the write lock up front so two processes sharing the file never
 * both decide to deliver, fire or answer the same row.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";

/** The broker store's connection; the stores above it hold the SQL. */
export class BrokerDb {
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Run a write; its change count and new row id. */
  run(
    sql: string,
    ...params: SQLInputValue[]
  ): { changes: number; id: number } {
    const result = this.#prepared(sql).run(...params);
    return {
      changes: Number(result.changes),
      id: Number(result.lastInsertRowid),
    };
  }

  /** The first row, typed by the caller's SQL. */
  get<T>(sql: string, ...params: SQLInputValue[]): T | undefined {
    return this.#prepared(sql).get(...params) as T | undefined;
  }

  /** Every row, as plain objects. */
  all<T>(sql: string, ...params: SQLInputValue[]): T[] {
    // node:sqlite rows have a null prototype; plain copies compare and print as expected.
    return this.#prepared(sql).all(...params).map((row) => ({ ...row }) as T);
  }

  /** Run `fn` in one `BEGIN IMMEDIATE` transaction. */
  transaction<T>(fn: () => T): T {
    this.#prepared("BEGIN IMMEDIATE").run();
    try {
      const result = fn();
      this.#prepared("COMMIT").run();
      return result;
    } catch (error) {
      this.#prepared("ROLLBACK").run();
      throw error;
    }
  }

  /** Changes whenever another connection commits (SQLite's `PRAGMA data_version`). */
  dataVersion(): number {
    return this.get<{ data_version: number }>("PRAGMA data_version")!
      .data_version;
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }

  #prepared(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      this.#statements.set(sql, statement = this.#db.prepare(sql));
    }
    return statement;
  }
}
