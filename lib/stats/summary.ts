/**
 * @module What a set of turn-stats rows adds up to: turns, result and wake mix, duration
 * percentiles, context size, tokens by kind, cost, top tools, models. One summary shape serves
 * `/api/stats` buckets, the `stats` command's groups and their totals, so every reader of the
 * rows answers the same question the same way.
 */
import type { ResultKind, TurnStatsRow } from "./turn_stats_row.ts";

/** Token sums by kind. */
export interface TokenTotals {
  input: number;
  output: number;
  "cache_read": number;
  "cache_creation": number;
}

/** The figures of a set of rows. */
export interface TurnStatsSummary {
  turns: number;
  result: Record<ResultKind, number>;
  "wake_from": Record<string, number>;
  /** Nearest-rank percentiles and the mean, in ms; null when there are no turns. */
  "duration_ms": { p50: number | null; p95: number | null; avg: number | null };
  /** Context size of the last inference (input + cache read + cache creation). */
  "context_tokens": { avg: number | null; max: number | null };
  tokens: TokenTotals;
  /** Sum of the CLI's list-price estimates; turns without one count 0. */
  "cost_usd": number;
  /** Sum of `tool_call_count`. */
  "tool_calls": number;
  /** Most-called tools first (ties by name), at most `topTools` of them. */
  "top_tools": { tool: string; calls: number }[];
  models: Record<string, number>;
}

/** Nearest-rank percentile (`p` in 0..100) of ascending `sorted`; null when empty. */
export function percentile(
  sorted: readonly number[],
  p: number,
): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** The context size of a row's last inference, or null when the row has none. */
export function contextTokens(row: TurnStatsRow): number | null {
  const parts = [
    row.last_input_tokens,
    row.last_cache_read_input_tokens,
    row.last_cache_creation_input_tokens,
  ];
  if (parts.every((part) => part === null)) return null;
  return parts.reduce<number>((sum, part) => sum + (part ?? 0), 0);
}

/** The per-tool counts of a row; a malformed breakdown counts as none rather than failing. */
export function toolBreakdown(row: TurnStatsRow): Map<string, number> {
  const counts = new Map<string, number>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.tool_call_breakdown_json);
  } catch {
    return counts;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return counts;
  }
  for (const [tool, value] of Object.entries(parsed)) {
    if (typeof value === "number" && Number.isFinite(value) && value > 0) {
      counts.set(tool, value);
    }
  }
  return counts;
}

/** Summarize rows in one pass; `topTools` bounds the tool list (default 10). */
export function summarize(
  rows: Iterable<TurnStatsRow>,
  topTools = 10,
): TurnStatsSummary {
  const result: Record<ResultKind, number> = {
    ok: 0,
    failed: 0,
    "prompt_too_long": 0,
  };
  const wakeFrom: Record<string, number> = {};
  const models: Record<string, number> = {};
  const tools = new Map<string, number>();
  const durations: number[] = [];
  const contexts: number[] = [];
  const tokens: TokenTotals = {
    input: 0,
    output: 0,
    "cache_read": 0,
    "cache_creation": 0,
  };
  let cost = 0;
  let toolCalls = 0;
  for (const row of rows) {
    result[row.result_kind] = (result[row.result_kind] ?? 0) + 1;
    wakeFrom[row.wake_from] = (wakeFrom[row.wake_from] ?? 0) + 1;
    models[row.model] = (models[row.model] ?? 0) + 1;
    durations.push(row.duration_ms);
    const context = contextTokens(row);
    if (context !== null) contexts.push(context);
    tokens.input += row.input_tokens;
    tokens.output += row.output_tokens;
    tokens.cache_read += row.cache_read_input_tokens;
    tokens.cache_creation += row.cache_creation_input_tokens;
    cost += row.cost_usd ?? 0;
    toolCalls += row.tool_call_count;
    for (const [tool, calls] of toolBreakdown(row)) {
      tools.set(tool, (tools.get(tool) ?? 0) + calls);
    }
  }
  durations.sort((a, b) => a - b);
  const ranked = [...tools].map(([tool, calls]) => ({ tool, calls }))
    .sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool));
  return {
    turns: durations.length,
    result,
    wake_from: wakeFrom,
    duration_ms: {
      p50: percentile(durations, 50),
      p95: percentile(durations, 95),
      avg: mean(durations),
    },
    context_tokens: {
      avg: mean(contexts),
      max: contexts.reduce<number | null>(
        (max, c) => Math.max(max ?? c, c),
        null,
      ),
    },
    tokens,
    // Sums of binary fractions drift: keep the CLI's own micro-dollar precision.
    cost_usd: Math.round(cost * 1e6) / 1e6,
    tool_calls: toolCalls,
    top_tools: ranked.slice(0, topTools),
    models,
  };
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return Math.round(
    values.reduce((sum, value) => sum + value, 0) / values.length,
  );
}
