/**
 * @module A reusable wake-up for the turn loop's waits: `wait(ms)` sleeps until the timeout, an
 * abort, or a `poke()` from a command (compact requested, credential saved), whichever is first.
 */

/** A poke-able sleep. */
export class Poke {
  #controller = new AbortController();

  /** Wake every current waiter. */
  poke(): void {
    this.#controller.abort();
    this.#controller = new AbortController();
  }

  /** A signal that aborts at the next poke. */
  signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Sleep up to `ms`, less when poked or `signal` aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    const poked = this.#controller.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        poked.removeEventListener("abort", done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      poked.addEventListener("abort", done, { once: true });
      signal?.addEventListener("abort", done, { once: true });
      if (signal?.aborted) done();
    });
  }
}
