/**
 * @module Small measuring helpers shared by the cases: medians and percentiles, a latency
 * histogram cheap enough for hundreds of thousands of samples, the figures of this machine, and
 * the row every case reports (figure beside its baseline, ratio, target, verdict).
 */

/** One line of the result table. */
export interface BenchRow {
  /** What is measured, e.g. `pump end to end vs (a)`. */
  name: string;
  figure: number;
  unit: string;
  /** The baseline measured in the same run; null when the target is absolute. */
  baseline: number | null;
  /** figure ÷ baseline (null without a baseline). */
  ratio: number | null;
  /** The target in words, e.g. `≥ 50×`. */
  target: string;
  /** Whether the target is met; null when this run cannot say (quick mode, no target). */
  pass: boolean | null;
  /** Why it passed or missed, or what else was seen. */
  note?: string;
  /** Raw figures behind the row (samples, percentiles), kept in results.json. */
  details?: Record<string, unknown>;
}

/** What every case is given. */
export interface BenchContext {
  /** Tiny sizes, seconds in all: the cases run, no target is judged. */
  quick: boolean;
  /** The checkout. */
  root: string;
  /** A temp dir of this run, removed at the end. */
  tmp: string;
  /** Progress on stderr. */
  progress(message: string): void;
}

/** A case of `deno task bench`. */
export interface BenchCase {
  name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}

/** The median of some numbers (NaN when none). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (nearest rank) of some numbers (NaN when none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** A row with its ratio and verdict filled in (no verdict in quick mode). */
export function row(
  context: BenchContext,
  fields: Omit<BenchRow, "ratio" | "pass"> & { pass: boolean | null },
): BenchRow {
  const ratio = fields.baseline === null || fields.baseline === 0
    ? null
    : fields.figure / fields.baseline;
  return { ...fields, ratio, pass: context.quick ? null : fields.pass };
}

/** Latencies in 0.1 ms buckets up to 60 s: constant memory however many samples. */
export class LatencyHistogram {
  static readonly BUCKET_MS = 0.1;
  #buckets = new Uint32Array(600_000);
  #count = 0;
  #max = 0;

  get count(): number {
    return this.#count;
  }

  add(ms: number): void {
    const bucket = Math.min(
      this.#buckets.length - 1,
      Math.max(0, Math.floor(ms / LatencyHistogram.BUCKET_MS)),
    );
    this.#buckets[bucket]!++;
    this.#count++;
    if (ms > this.#max) this.#max = ms;
  }

  /** Add another histogram's buckets (from another client or process). */
  merge(buckets: Record<string, number>): void {
    for (const [key, count] of Object.entries(buckets)) {
      this.#buckets[Number(key)]! += count;
      this.#count += count;
      this.#max = Math.max(this.#max, (Number(key) + 1) * 0.1);
    }
  }

  /** The p-th percentile in ms (upper edge of its bucket); NaN when empty. */
  percentile(p: number): number {
    if (this.#count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#buckets.length; i++) {
      seen += this.#buckets[i]!;
      if (seen >= rank) return (i + 1) * LatencyHistogram.BUCKET_MS;
    }
    return this.#max;
  }

  /** The non-empty buckets, to send to another process. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.#buckets.length; i++) {
      if (this.#buckets[i]! > 0) out[i] = this.#buckets[i]!;
    }
    return out;
  }
}

/** Wall clock in ms with sub-ms precision, comparable across processes of this machine. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolve after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What results.json says about the machine. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryMb: number;
  os: string;
  loadAverage: number[];
}

/** This machine's CPU model, core count, memory and load. */
export function machineInfo(): MachineInfo {
  const cpuinfo = readOr("/proc/cpuinfo");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ??
    "unknown";
  return {
    cpu: model,
    cores: navigator.hardwareConcurrency,
    memoryMb: Math.round(Deno.systemMemoryInfo().total / 1024 / 1024),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    loadAverage: Deno.loadavg(),
  };
}

function readOr(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}
