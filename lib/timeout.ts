/**
 * @module The one "settle within so many ms" helper: every wait on something that may never
 * answer (a dead broker, a pipe a stray process holds open, a stuck socket) races it against
 * one timer here, and the timer is always cleared so no test leaks it.
 */

/** What {@linkcode settleWithin} gives when the time ran out first. */
export const TIMED_OUT: unique symbol = Symbol("timed out");

/**
 * `promise`'s value, or {@linkcode TIMED_OUT} when `ms` pass first; a rejection is passed on.
 * The promise itself runs on: the caller decides what a timeout means.
 */
export async function settleWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) =>
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms))
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `promise` settles, either way, within `ms` (a wait for something to end). */
export async function settlesWithin(
  promise: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  const settled = promise.then(() => true, () => true);
  return (await settleWithin(settled, ms)) !== TIMED_OUT;
}
