/**
 * @module How a long-poll learns that its inbox may have changed. Writes made by this process
 * notify their recipient's waiters at once; writes by other processes sharing the sqlite file
 * (`wake`, the MCP server, another harness) are seen by polling `PRAGMA data_version`, which
 * only runs while someone waits, so an idle broker costs nothing.
 */

/** Options for {@linkcode InboxSignal}. */
export interface InboxSignalOptions {
  /** Reads SQLite's `PRAGMA data_version` (changes when another connection commits). */
  readVersion: () => number;
  /** How often other processes' writes are looked for, in ms. */
  pollMs?: number;
  /** Called when reading the version fails (the poll goes on). */
  onError?: (error: unknown) => void;
}

/** Wakes waiters per agent, and all of them on a foreign write. */
export class InboxSignal {
  #waiters = new Map<string, Set<() => void>>();
  #count = 0;
  #readVersion: () => number;
  #pollMs: number;
  #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #version = 0;
  #closed = false;

  constructor(options: InboxSignalOptions) {
    this.#readVersion = options.readVersion;
    this.#pollMs = options.pollMs ?? 150;
    this.#onError = options.onError ?? (() => {});
  }

  /** The current data version, to read before looking at an inbox and pass to {@linkcode wait}. */
  version(): number {
    try {
      return this.#readVersion();
    } catch (error) {
      this.#onError(error);
      return -1;
    }
  }

  /**
   * Resolve when `agent`'s inbox may have changed, after `ms`, on abort, or on close. `seen` is
   * the {@linkcode version} read before the caller looked, so a foreign write in between counts.
   */
  wait(
    agent: string,
    ms: number,
    seen: number,
    signal?: AbortSignal,
  ): Promise<void> {
    if (this.#closed || signal?.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        const set = this.#waiters.get(agent);
        if (set?.delete(done)) {
          if (set.size === 0) this.#waiters.delete(agent);
          if (--this.#count === 0) this.#stopPolling();
        }
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      let set = this.#waiters.get(agent);
      if (!set) this.#waiters.set(agent, set = new Set());
      set.add(done);
      if (++this.#count === 1) this.#startPolling(seen);
    });
  }

  /**
   * Long-poll: run `take` now, and again whenever `agent`'s inbox may have changed, until it
   * gives a value or `options.waitMs` is over (null). A caller already gone takes nothing.
   */
  async poll<T>(
    agent: string,
    options: { waitMs: number; signal?: AbortSignal },
    take: () => T | null,
  ): Promise<T | null> {
    const deadline = performance.now() + options.waitMs;
    while (!this.#closed && !options.signal?.aborted) {
      const seen = this.version();
      const taken = take();
      if (taken !== null) return taken;
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.wait(agent, left, seen, options.signal);
    }
    return null;
  }

  /** Wake `agent`'s waiters: something was written to its inbox. */
  notify(agent: string): void {
    for (const done of [...(this.#waiters.get(agent) ?? [])]) done();
  }

  /** Wake everyone: the change is unknown (another process wrote). */
  notifyAll(): void {
    for (const set of [...this.#waiters.values()]) {
      for (const done of [...set]) {
        done();
      }
    }
  }

  /** Wake every waiter and refuse new waits. */
  close(): void {
    this.#closed = true;
    this.notifyAll();
    this.#stopPolling();
  }

  #startPolling(seen: number): void {
    this.#version = seen;
    this.#timer = setInterval(() => {
      try {
        const version = this.#readVersion();
        if (version === this.#version) return;
        this.#version = version;
        this.notifyAll();
      } catch (error) {
        this.#onError(error);
      }
    }, this.#pollMs);
  }

  #stopPolling(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
