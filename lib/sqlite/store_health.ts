/**
 * @module The health of every store, as `/api/state.stores` shows it. Stores are best-effort for
 * the turn loop but never silent: each failure is logged (once per distinct cause, so a stuck
 * disk does not flood the log), counted, and kept here until a write succeeds again.
 */
import type { Logger } from "../log.ts";
import { errorMessage } from "../error_message.ts";

/** What `/api/state.stores[name]` reports. */
export interface StoreHealthReport {
  path: string;
  ok: boolean;
  /** The newest failure, or null once a write succeeds. */
  error: string | null;
  failures: number;
  "last_failure_unix": number | null;
}

/** Tracks failures of named stores. */
export class StoreHealth {
  #stores = new Map<
    string,
    StoreHealthReport & { lastLoggedCause: string | null }
  >();
  #log: Logger;
  #now: () => number;

  constructor(log: Logger, now: () => number = Date.now) {
    this.#log = log;
    this.#now = now;
  }

  /** Register a store so it shows even before anything happened to it. */
  register(name: string, path: string): void {
    if (!this.#stores.has(name)) {
      this.#stores.set(name, {
        path,
        ok: true,
        error: null,
        failures: 0,
        last_failure_unix: null,
        lastLoggedCause: null,
      });
    }
  }

  /** Record a failed operation: counted always, logged once per distinct cause. */
  failed(name: string, action: string, error: unknown): void {
    this.register(name, "");
    const entry = this.#stores.get(name)!;
    const cause = errorMessage(error);
    entry.ok = false;
    entry.error = `${action}: ${cause}`;
    entry.failures++;
    entry.last_failure_unix = Math.floor(this.#now() / 1000);
    if (entry.lastLoggedCause !== cause) {
      entry.lastLoggedCause = cause;
      this.#log.error(`Cannot ${action} in ${name} store`, {
        store: name,
        path: entry.path,
        error: cause,
        failures: entry.failures,
      });
    }
  }

  /** Record a successful write: the store is healthy again. */
  succeeded(name: string): void {
    const entry = this.#stores.get(name);
    if (!entry || entry.ok) return;
    entry.ok = true;
    entry.error = null;
    entry.lastLoggedCause = null;
    this.#log.info(`${name} store recovered`, {
      store: name,
      path: entry.path,
      failures: entry.failures,
    });
  }

  /** A snapshot for `/api/state`. */
  report(): Record<string, StoreHealthReport> {
    const out: Record<string, StoreHealthReport> = {};
    for (const [name, { lastLoggedCause: _, ...report }] of this.#stores) {
      out[name] = { ...report };
    }
    return out;
  }
}
