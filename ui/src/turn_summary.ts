/**
 * @module The side panel's stats: badges for the last 24 h (turns, failures by kind, tokens, cost
 * estimate, p50/p95 duration, top tools) and the recent-turns table, both from turn-stats rows
 * (SPEC §7) as `/api/turn-stats` lists them and `turn_stats_recorded` adds them. Pure.
 */
import { isRecord } from "../../lib/wire/events.ts";

/** A turn-stats row, read defensively. */
export interface TurnRow {
  id: number | null;
  model: string;
  wakeFrom: string;
  resultKind: string;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  costUsd: number | null;
  toolCallCount: number;
  tools: Record<string, number>;
  note: string | null;
  /** claude's session id, from the result line. */
  sessionId: string | null;
}

/** The 24 h badges. */
export interface TurnSummary {
  turns: number;
  byKind: Record<string, number>;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  costUsd: number;
  p50Ms: number | null;
  p95Ms: number | null;
  topTools: [string, number][];
}

/** Read one row from the wire. */
export function readTurnRow(value: unknown): TurnRow | null {
  if (!isRecord(value)) return null;
  const n = (key: string) =>
    typeof value[key] === "number" ? value[key] as number : 0;
  let tools: Record<string, number> = {};
  try {
    const parsed: unknown = typeof value.tool_call_breakdown_json === "string"
      ? JSON.parse(value.tool_call_breakdown_json)
      : value.tool_call_breakdown_json;
    if (isRecord(parsed)) {
      tools = Object.fromEntries(
        Object.entries(parsed).filter((entry): entry is [string, number] =>
          typeof entry[1] === "number"
        ),
      );
    }
  } catch {
    // A row with a broken breakdown still counts its other figures.
  }
  return {
    id: typeof value.id === "number" ? value.id : null,
    model: typeof value.model === "string" ? value.model : "",
    wakeFrom: typeof value.wake_from === "string" ? value.wake_from : "",
    resultKind: typeof value.result_kind === "string" ? value.result_kind : "?",
    startedAt: n("started_at"),
    endedAt: n("ended_at"),
    durationMs: n("duration_ms"),
    inputTokens: n("input_tokens"),
    outputTokens: n("output_tokens"),
    cacheReadTokens: n("cache_read_input_tokens"),
    cacheCreationTokens: n("cache_creation_input_tokens"),
    costUsd: typeof value.cost_usd === "number" ? value.cost_usd : null,
    toolCallCount: n("tool_call_count"),
    tools,
    note: typeof value.note === "string" ? value.note : null,
    sessionId: typeof value.session_id === "string" ? value.session_id : null,
  };
}

/** What the newest row's claude session has cost: its rows' costs summed; null when unknown. */
export function sessionCost(rows: readonly TurnRow[]): number | null {
  const newest = rows.reduce<TurnRow | null>(
    (best, row) => best === null || row.endedAt > best.endedAt ? row : best,
    null,
  );
  if (newest?.sessionId == null) return null;
  return rows.filter((row) => row.sessionId === newest.sessionId).reduce(
    (sum, row) => sum + (row.costUsd ?? 0),
    0,
  );
}

/** Read `/api/stats`'s `total` (SPEC §6) as badges; null when it is not that shape. */
export function summaryFromStats(body: unknown): TurnSummary | null {
  const total = isRecord(body) && isRecord(body.total) ? body.total : null;
  if (total === null || typeof total.turns !== "number") return null;
  const record = (value: unknown) => isRecord(value) ? value : {};
  const n = (value: unknown) => typeof value === "number" ? value : 0;
  const tokens = record(total.tokens);
  const duration = record(total.duration_ms);
  const byKind: Record<string, number> = {};
  for (const [kind, count] of Object.entries(record(total.result))) {
    byKind[kind] = n(count);
  }
  const tools = Array.isArray(total.top_tools)
    ? total.top_tools.filter(isRecord)
    : [];
  return {
    turns: total.turns,
    byKind,
    inputTokens: n(tokens.input),
    outputTokens: n(tokens.output),
    cacheReadTokens: n(tokens.cache_read),
    cacheCreationTokens: n(tokens.cache_creation),
    costUsd: n(total.cost_usd),
    p50Ms: typeof duration.p50 === "number" ? duration.p50 : null,
    p95Ms: typeof duration.p95 === "number" ? duration.p95 : null,
    topTools: tools.map((tool) => [String(tool.tool), n(tool.calls)]),
  };
}

/** Add a newly recorded row to a newest-first list, without duplicates, at most `limit` long. */
export function addTurnRow(
  rows: readonly TurnRow[],
  row: TurnRow,
  limit: number,
): TurnRow[] {
  const others = row.id === null
    ? rows
    : rows.filter((other) => other.id !== row.id);
  return [row, ...others].sort((a, b) => b.endedAt - a.endedAt).slice(0, limit);
}

/**
 * Merge a fetched list into what the page holds. A fetch may have been answered just before a
 * `turn_stats_recorded` event that the page already took in, so nothing held is dropped.
 */
export function mergeTurnRows(
  held: readonly TurnRow[],
  fetched: readonly TurnRow[],
  limit: number,
): TurnRow[] {
  return fetched.reduce((rows, row) => addTurnRow(rows, row, limit), [...held]);
}

/** Badges over the rows that ended at or after `sinceUnix`. */
export function summarizeTurns(
  rows: readonly TurnRow[],
  sinceUnix: number,
): TurnSummary {
  const recent = rows.filter((row) => row.endedAt >= sinceUnix);
  const byKind: Record<string, number> = {};
  const tools = new Map<string, number>();
  const summary: TurnSummary = {
    turns: recent.length,
    byKind,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    costUsd: 0,
    p50Ms: null,
    p95Ms: null,
    topTools: [],
  };
  for (const row of recent) {
    byKind[row.resultKind] = (byKind[row.resultKind] ?? 0) + 1;
    summary.inputTokens += row.inputTokens;
    summary.outputTokens += row.outputTokens;
    summary.cacheReadTokens += row.cacheReadTokens;
    summary.cacheCreationTokens += row.cacheCreationTokens;
    summary.costUsd += row.costUsd ?? 0;
    for (const [name, count] of Object.entries(row.tools)) {
      tools.set(name, (tools.get(name) ?? 0) + count);
    }
  }
  const durations = recent.map((row) => row.durationMs).sort((a, b) => a - b);
  summary.p50Ms = nearestRank(durations, 0.5);
  summary.p95Ms = nearestRank(durations, 0.95);
  summary.topTools = [...tools].sort((a, b) =>
    b[1] - a[1] || a[0].localeCompare(b[0])
  ).slice(0, 5);
  return summary;
}

/** The nearest-rank percentile of sorted values, null when there are none. */
export function nearestRank(
  sorted: readonly number[],
  fraction: number,
): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1] ?? null;
}
