/**
 * @module The timer behind reminders and question deadlines. It runs the broker's "fire what is
 * due" step once at start (so what fell due while the broker was down fires then, once) and
 * again at the next due time, but never sleeps longer than a tick: another process sharing the
 * file may have added a reminder this one has not heard of.
 */

/** Options for {@linkcode DueScheduler}. */
export interface DueSchedulerOptions {
  /** Fire everything due now (one transaction in the store). */
  runDue: () => void;
  /** The next due time in unix ms, or null when nothing is pending. */
  nextDueMs: () => number | null;
  now?: () => number;
  /** The longest sleep between two looks, in ms. */
  tickMs?: number;
  /** A failed look is reported, and the timer goes on. */
  onError?: (error: unknown) => void;
}

/** Runs `runDue` when something falls due; started and stopped by the broker. */
export class DueScheduler {
  #options: Required<DueSchedulerOptions>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;

  constructor(options: DueSchedulerOptions) {
    this.#options = {
      now: Date.now,
      tickMs: 1000,
      onError: () => {},
      ...options,
    };
  }

  /** Fire what is already due, then keep watching. */
  start(): void {
    this.#running = true;
    this.#tick();
  }

  /** Look again soon: something new was scheduled in this process. */
  rearm(): void {
    if (this.#running) this.#arm();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tick = (): void => {
    this.#timer = undefined;
    if (!this.#running) return;
    try {
      this.#options.runDue();
    } catch (error) {
      this.#options.onError(error);
    }
    this.#arm();
  };

  #arm(): void {
    clearTimeout(this.#timer);
    const { tickMs, nextDueMs, now } = this.#options;
    let delay = tickMs;
    try {
      const next = nextDueMs();
      if (next !== null) delay = Math.min(tickMs, Math.max(0, next - now()));
    } catch (error) {
      this.#options.onError(error);
    }
    this.#timer = setTimeout(this.#tick, delay);
  }
}
