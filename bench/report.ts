/**
 * @module The bench's output: the table on stdout (case, figure, baseline, ratio, target,
 * pass/miss) and `bench/results.json` with every row, its raw details, the Deno version and the
 * machine, so a later run can be compared against this one.
 */
import type { BenchRow, MachineInfo } from "./measure.ts";

/** What results.json holds. */
export interface BenchResults {
  command: string;
  quick: boolean;
  startedAt: string;
  seconds: number;
  deno: typeof Deno.version;
  machine: MachineInfo;
  rows: BenchRow[];
}

/** The rows as a Markdown table (it reads as well in a terminal as in the README). */
export function formatTable(rows: readonly BenchRow[]): string {
  const lines = [
    "| case | figure | baseline | ratio | target | result |",
    "|---|---:|---:|---:|---|---|",
  ];
  for (const row of rows) {
    const verdict = row.pass === null ? "—" : row.pass ? "pass" : "**miss**";
    lines.push(
      `| ${row.name} | ${figure(row.figure)} ${row.unit} | ${
        row.baseline === null ? "—" : `${figure(row.baseline)} ${row.unit}`
      } | ${
        row.ratio === null ? "—" : `${row.ratio.toFixed(2)}×`
      } | ${row.target} | ${verdict}${row.note ? ` (${row.note})` : ""} |`,
    );
  }
  return lines.join("\n");
}

function figure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100_000) return `${(value / 1000).toFixed(0)} k`;
  if (abs >= 10_000) return `${(value / 1000).toFixed(1)} k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
