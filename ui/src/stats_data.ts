/**
 * @module What the `/stats` page reads from `GET /api/stats`: the JSON narrowed into camelCase
 * figures at the edge (a missing or odd field reads as zero or "none" instead of breaking the
 * page), and the windows the page can ask for.
 */
import { isRecord } from "../../lib/wire/events.ts";

/** A window `/api/stats` answers for. */
export type StatsWindowName = "24h" | "7d" | "30d";

/** The windows, in the order the switcher shows them. */
export const STATS_WINDOWS: readonly {
  name: StatsWindowName;
  /** Shown on the switcher. */
  label: string;
  /** Said in sentences: "No turns in the last 24 hours". */
  long: string;
}[] = [
  { name: "24h", label: "24 h", long: "24 hours" },
  { name: "7d", label: "7 d", long: "7 days" },
  { name: "30d", label: "30 d", long: "30 days" },
];

/** The window named by `value` (e.g. a `?window=` parameter), else `24h`. */
export function readWindow(value: string | null): StatsWindowName {
  return STATS_WINDOWS.find((window) => window.name === value)?.name ?? "24h";
}

/** Token sums by kind. */
export interface TokenFigures {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/** What a set of turns adds up to (a bucket, or the whole window). */
export interface StatsFigures {
  turns: number;
  result: { ok: number; failed: number; promptTooLong: number };
  /** Who woke the agent, most wakes first. */
  wakeFrom: [string, number][];
  /** Turns per model, most first. */
  models: [string, number][];
  durationMs: { p50: number | null; p95: number | null; avg: number | null };
  contextTokens: { avg: number | null; max: number | null };
  tokens: TokenFigures;
  /** The CLI's list-price estimate, in dollars. */
  costUsd: number;
  toolCalls: number;
  /** Most-called tools first. */
  topTools: [string, number][];
}

/** One bucket: its start (unix seconds) and its figures. */
export interface StatsBucket extends StatsFigures {
  start: number;
}

/** The answer of `GET /api/stats`. */
export interface StatsReport {
  agent: string;
  role: string;
  window: StatsWindowName;
  bucketSeconds: number;
  from: number;
  until: number;
  total: StatsFigures;
  buckets: StatsBucket[];
}

/** Narrow a `/api/stats` body; null when it is not one at all. */
export function parseStatsReport(body: unknown): StatsReport | null {
  if (!isRecord(body) || !Array.isArray(body.buckets)) return null;
  const bucketSeconds = count(body.bucket_seconds);
  if (bucketSeconds <= 0) return null;
  return {
    agent: typeof body.agent === "string" ? body.agent : "",
    role: typeof body.role === "string" ? body.role : "",
    window: readWindow(typeof body.window === "string" ? body.window : null),
    bucketSeconds,
    from: count(body.from),
    until: count(body.until),
    total: parseFigures(body.total),
    buckets: body.buckets.map((bucket) => ({
      start: isRecord(bucket) ? count(bucket.start) : 0,
      ...parseFigures(bucket),
    })),
  };
}

function parseFigures(value: unknown): StatsFigures {
  const figures = isRecord(value) ? value : {};
  const result = record(figures.result);
  const duration = record(figures.duration_ms);
  const context = record(figures.context_tokens);
  const tokens = record(figures.tokens);
  const tools = Array.isArray(figures.top_tools) ? figures.top_tools : [];
  return {
    turns: count(figures.turns),
    result: {
      ok: count(result.ok),
      failed: count(result.failed),
      promptTooLong: count(result.prompt_too_long),
    },
    wakeFrom: ranked(figures.wake_from),
    models: ranked(figures.models),
    durationMs: {
      p50: maybe(duration.p50),
      p95: maybe(duration.p95),
      avg: maybe(duration.avg),
    },
    contextTokens: { avg: maybe(context.avg), max: maybe(context.max) },
    tokens: {
      input: count(tokens.input),
      output: count(tokens.output),
      cacheRead: count(tokens.cache_read),
      cacheCreation: count(tokens.cache_creation),
    },
    costUsd: count(figures.cost_usd),
    toolCalls: count(figures.tool_calls),
    topTools: tools.flatMap((entry): [string, number][] =>
      isRecord(entry) && typeof entry.tool === "string"
        ? [[entry.tool, count(entry.calls)]]
        : []
    ),
  };
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0
    ? value
    : 0;
}

function maybe(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

// Name → count maps, largest first, ties by name.
function ranked(value: unknown): [string, number][] {
  return Object.entries(record(value))
    .map(([name, n]): [string, number] => [name, count(n)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The sum of a token figure's kinds. */
export function totalTokens(tokens: TokenFigures): number {
  return tokens.input + tokens.output + tokens.cacheRead +
    tokens.cacheCreation;
}
