/**
 * @module Giving memory back to the system once a load has gone. Deno's native side allocates
 * through glibc's malloc, which keeps what is freed in its per-thread arenas instead of returning
 * it: 1,000 SSE readers during a 20,000-event flood left the harness at 438 MB RSS after every
 * reader had gone, of which V8 held 14 MB; `malloc_trim(0)` brought it to 80 MB. So the release
 * runs shortly after the last live reader leaves or a crowd of connections has closed, and once
 * a minute while the process runs. Only freed memory can be given back, and what the readers
 * left is V8 garbage until V8's idle collector comes by 10-20 s later (RSS 5 s after the
 * readers' connections closed: 2.2-2.35× the RSS before; 1.4-2.1× with a collection first):
 * so with `--expose-gc`, which the `start` and `compile` tasks pass, a full collection runs
 * first. Where there is no glibc (or no FFI permission) it does nothing, and says so once at
 * debug.
 */
import type { Logger } from "../log.ts";

/** How long after a request the release runs: V8 frees the buffers readers held first. */
export const RELEASE_DELAY_MS = 2_000;

/** How often memory is released regardless. */
export const RELEASE_INTERVAL_MS = 60_000;

/** Options for {@linkcode MemoryRelease}. */
export interface MemoryReleaseOptions {
  log: Logger;
  /** Returns freed memory to the system; glibc's `malloc_trim` by default, null when none. */
  trim?: (() => void) | null;
  /** A full garbage collection before the trim: V8's `gc` when exposed, else none. */
  collect?: (() => void) | null;
  delayMs?: number;
  intervalMs?: number;
}

/** Releases freed memory soon after a load has gone, and now and then. */
export class MemoryRelease {
  #trim: (() => void) | null;
  #collect: (() => void) | null;
  #log: Logger;
  #delayMs: number;
  #pending: ReturnType<typeof setTimeout> | undefined;
  #interval: ReturnType<typeof setInterval> | undefined;
  #releases = 0;

  constructor(options: MemoryReleaseOptions) {
    const { log, delayMs = RELEASE_DELAY_MS } = options;
    const { intervalMs = RELEASE_INTERVAL_MS } = options;
    this.#log = log;
    this.#delayMs = delayMs;
    this.#trim = options.trim === undefined
      ? openMallocTrim(log)
      : options.trim;
    this.#collect = options.collect === undefined
      ? exposedGc()
      : options.collect;
    if (this.#trim !== null && intervalMs > 0) {
      this.#interval = setInterval(() => this.release(), intervalMs);
      Deno.unrefTimer(this.#interval);
    }
  }

  /** Releases so far. */
  get releases(): number {
    return this.#releases;
  }

  /** Release soon (a load has just gone); requests meanwhile fold into one. */
  request(): void {
    if (this.#trim === null || this.#pending !== undefined) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.release();
    }, this.#delayMs);
    Deno.unrefTimer(this.#pending);
  }

  /** Release now. */
  release(): void {
    if (this.#trim === null) return;
    try {
      this.#collect?.();
      this.#trim();
      this.#releases++;
    } catch (error) {
      this.#log.warn("Cannot release memory; not trying again", { error });
      this.#trim = null;
    }
  }

  /** Stop the timers. */
  close(): void {
    clearTimeout(this.#pending);
    clearInterval(this.#interval);
    this.#pending = undefined;
    this.#interval = undefined;
  }
}

/** V8's full collection when the process runs with `--v8-flags=--expose-gc`, else null. */
function exposedGc(): (() => void) | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === "function" ? () => gc() : null;
}

/** glibc's `malloc_trim(0)` through FFI, or null where it cannot be had. */
export function openMallocTrim(log: Logger): (() => void) | null {
  if (Deno.build.os !== "linux") return null;
  try {
    const libc = Deno.dlopen("libc.so.6", {
      "malloc_trim": { parameters: ["usize"], result: "i32" },
    });
    return () => void libc.symbols.malloc_trim(0n);
  } catch (error) {
    log.debug("Cannot release memory to the system: no malloc_trim", {
      error,
    });
    return null;
  }
}
