/**
 * @module The `stats` command's report: rows grouped by day (UTC), agent, model, wake_from or
 * result_kind, each group summarized as `/api/stats` does, plus the total; and its rendering as
 * a plain-text table in the manner of `ccusage` (one line per group, a totals line).
 */
import type { TurnStatsRow } from "./turn_stats_row.ts";
import { summarize, type TurnStatsSummary } from "./summary.ts";

/** What rows can be grouped by. */
export const REPORT_GROUPINGS = [
  "day",
  "agent",
  "model",
  "wake_from",
  "result_kind",
] as const;

/** One of {@linkcode REPORT_GROUPINGS}. */
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];

/** One group of the report. */
export interface ReportGroup extends TurnStatsSummary {
  key: string;
}

/** Groups in key order, and the total over every row. */
export interface Report {
  by: ReportGrouping;
  groups: ReportGroup[];
  total: TurnStatsSummary;
}

/** The group key of a row. */
export function groupKey(row: TurnStatsRow, by: ReportGrouping): string {
  switch (by) {
    case "day":
      return new Date(row.ended_at * 1000).toISOString().slice(0, 10);
    case "agent":
    case "model":
    case "wake_from":
    case "result_kind":
      return row[by];
    default:
      return by satisfies never;
  }
}

/** Group and summarize rows. */
export function buildReport(
  rows: readonly TurnStatsRow[],
  by: ReportGrouping,
): Report {
  const groups = new Map<string, TurnStatsRow[]>();
  for (const row of rows) {
    const key = groupKey(row, by);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return {
    by,
    groups: [...groups.keys()].sort().map((key) => ({
      key,
      ...summarize(groups.get(key)!, 3),
    })),
    total: summarize(rows, 5),
  };
}

const COLUMNS: {
  title: string;
  value: (s: TurnStatsSummary) => string;
  left?: boolean;
}[] = [
  { title: "turns", value: (s) => integer(s.turns) },
  { title: "ok", value: (s) => integer(s.result.ok) },
  { title: "failed", value: (s) => integer(s.result.failed) },
  { title: "too long", value: (s) => integer(s.result.prompt_too_long) },
  { title: "input", value: (s) => integer(s.tokens.input) },
  { title: "output", value: (s) => integer(s.tokens.output) },
  { title: "cache read", value: (s) => integer(s.tokens.cache_read) },
  { title: "cache write", value: (s) => integer(s.tokens.cache_creation) },
  { title: "cost $ (est.)", value: (s) => s.cost_usd.toFixed(2) },
  { title: "p50", value: (s) => seconds(s.duration_ms.p50) },
  { title: "p95", value: (s) => seconds(s.duration_ms.p95) },
  {
    title: "top tools",
    left: true,
    value: (s) => s.top_tools.map((t) => `${t.tool} ${t.calls}`).join(", "),
  },
];

/** Render a report as an aligned text table with a totals line. */
export function formatReportTable(report: Report): string {
  const header = [report.by, ...COLUMNS.map((column) => column.title)];
  const body = report.groups.map((group) => [
    group.key,
    ...COLUMNS.map((column) => column.value(group)),
  ]);
  const total = [
    "total",
    ...COLUMNS.map((column) => column.value(report.total)),
  ];
  const lines = [header, ...body, total];
  const widths = header.map((_, i) =>
    Math.max(...lines.map((line) => line[i]!.length))
  );
  const left = [true, ...COLUMNS.map((column) => column.left === true)];
  const render = (cells: string[]) =>
    cells.map((cell, i) =>
      left[i] ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)
    ).join("  ").trimEnd();
  const rule = widths.map((width) => "─".repeat(width)).join("  ");
  return [
    render(header),
    rule,
    ...body.map(render),
    rule,
    render(total),
  ].join("\n") + "\n";
}

function integer(value: number): string {
  return value.toLocaleString("en-US");
}

function seconds(ms: number | null): string {
  return ms === null ? "–" : `${(ms / 1000).toFixed(1)}s`;
}
