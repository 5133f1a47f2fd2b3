/**
 * @module Wake-ups whose turn ended but which the broker has not yet recorded as delivered (its
 * store failed, or it was restarting). The broker offers such a wake-up again; the loop must then
 * retry the mark instead of running the turn again — a wake-up runs once unless the harness
 * itself died, and this record lives exactly as long as the harness does.
 */

/** How many unmarked wake-ups are remembered; the oldest is forgotten past it. */
export const FINISHED_WAKEUPS_KEPT = 1000;

/** The ids of finished wake-ups not yet marked delivered, oldest first. */
export class FinishedWakeups {
  #ids = new Set<number>();
  #limit: number;

  constructor(limit: number = FINISHED_WAKEUPS_KEPT) {
    this.#limit = limit;
  }

  /** Its turn ended: it must not run again. */
  add(id: number): void {
    this.#ids.add(id);
    if (this.#ids.size > this.#limit) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }

  /** Whether the turn of wake-up `id` already ran. */
  has(id: number): boolean {
    return this.#ids.has(id);
  }

  /** The broker recorded it: nothing to remember. */
  delivered(id: number): void {
    this.#ids.delete(id);
  }

  get size(): number {
    return this.#ids.size;
  }
}
