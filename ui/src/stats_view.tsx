/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The stats panel: badges for the last 24 h (the server's `/api/stats` totals, else
 * what the page's own rows add up to) and the recent turns; the full charts are on `/stats`.
 */
import type { JSX } from "preact";
import {
  formatClock,
  formatCost,
  formatDuration,
  formatTokens,
} from "./format.ts";
import { toolLabel } from "./tool_summary.ts";
import {
  summarizeTurns,
  type TurnRow,
  type TurnSummary,
} from "./turn_summary.ts";

/** Props of {@linkcode StatsView}. */
export interface StatsViewProps {
  rows: readonly TurnRow[];
  /** The server's 24 h totals, when it answered. */
  summary: TurnSummary | null;
  nowMs: number;
  looseEnds: number;
  reminders: number;
  /** Turns shown in the table. */
  tableRows?: number;
  /** Why the rows could not be read, if so. */
  error: string | null;
}

/** Badges and the recent-turns table. */
export function StatsView(
  { rows, nowMs, looseEnds, reminders, tableRows = 8, error, ...props }:
    StatsViewProps,
): JSX.Element {
  const summary = props.summary ??
    summarizeTurns(rows, Math.floor(nowMs / 1000) - 24 * 3600);
  const failures = Object.entries(summary.byKind).filter(([kind, count]) =>
    kind !== "ok" && count > 0
  );
  const tokens = summary.inputTokens + summary.outputTokens +
    summary.cacheReadTokens + summary.cacheCreationTokens;
  return (
    <section class="panel stats" aria-labelledby="stats-title">
      <h2 id="stats-title">
        Last 24 h <a href="stats" class="dim">charts →</a>
      </h2>
      {error && <p class="error">{error}</p>}
      <ul class="badges">
        <Badge label="turns" value={String(summary.turns)} />
        <Badge
          label="failed"
          value={failures.length === 0
            ? "0"
            : failures.map(([kind, count]) =>
              `${count} ${kind.replaceAll("_", " ")}`
            ).join(", ")}
          warn={failures.length > 0}
        />
        <Badge
          label="tokens"
          value={formatTokens(tokens)}
          title={`in ${summary.inputTokens}, out ${summary.outputTokens}, cache read ${summary.cacheReadTokens}, cache write ${summary.cacheCreationTokens}`}
        />
        <Badge label="cost (est.)" value={formatCost(summary.costUsd)} />
        <Badge
          label="p50 / p95"
          value={summary.p50Ms === null
            ? "–"
            : `${formatDuration(summary.p50Ms)} / ${
              formatDuration(summary.p95Ms ?? 0)
            }`}
        />
        <Badge
          label="top tools"
          value={summary.topTools.length === 0
            ? "–"
            : summary.topTools.slice(0, 3).map(([name, count]) =>
              `${toolLabel(name)} ${count}`
            ).join(", ")}
        />
        <Badge label="loose ends" value={String(looseEnds)} />
        <Badge label="reminders" value={String(reminders)} />
      </ul>
      {rows.length > 0 && (
        <div class="table-scroll">
          <table class="turns">
            <caption class="visually-hidden">recent turns</caption>
            <thead>
              <tr>
                <th scope="col">ended</th>
                <th scope="col">from</th>
                <th scope="col">result</th>
                <th scope="col">time</th>
                <th scope="col">cost</th>
                <th scope="col">tools</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, tableRows).map((row) => (
                <tr
                  key={row.id ?? row.endedAt}
                  class={row.resultKind === "ok" ? "" : "failed"}
                  title={row.note ?? undefined}
                >
                  <td>{formatClock(row.endedAt, nowMs)}</td>
                  <td>{row.wakeFrom}</td>
                  <td>{row.resultKind.replaceAll("_", " ")}</td>
                  <td>{formatDuration(row.durationMs)}</td>
                  <td>{formatCost(row.costUsd)}</td>
                  <td>{row.toolCallCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Badge(
  { label, value, warn = false, title }: {
    label: string;
    value: string;
    warn?: boolean;
    title?: string;
  },
): JSX.Element {
  return (
    <li class={`badge${warn ? " warn" : ""}`} title={title} data-badge={label}>
      <span class="badge-value">{value}</span>
      <span class="badge-label">{label}</span>
    </li>
  );
}
