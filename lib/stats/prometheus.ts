/**
 * @module The Prometheus text exposition format, version 0.0.4: metric families with `# HELP`
 * and `# TYPE`, label values and help text escaped as the format requires, histograms as
 * cumulative `_bucket{le}` lines with `_sum` and `_count`. Only writing; what to expose lives in
 * `turn_metrics.ts`.
 */

/** The `Content-Type` of the exposition. */
export const PROMETHEUS_CONTENT_TYPE =
  "text/plain; version=0.0.4; charset=utf-8";

/** Label names to values. */
export type Labels = Record<string, string>;

/** One sample of a counter or gauge. */
export interface Sample {
  labels: Labels;
  value: number;
}

/** One labelled histogram: counts per upper bound (not cumulative), sum and count. */
export interface HistogramSample {
  labels: Labels;
  /** `counts[i]` observations fell in `(bounds[i-1], bounds[i]]`; the last is above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/** A metric family: a name, its help, its type and its samples. */
export type MetricFamily =
  | { name: string; help: string; type: "counter" | "gauge"; samples: Sample[] }
  | {
    name: string;
    help: string;
    type: "histogram";
    bounds: readonly number[];
    samples: HistogramSample[];
  };

/** Escape a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(
    /[\\"\n]/g,
    (char) => char === "\n" ? "\\n" : `\\${char}`,
  );
}

/** Escape help text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (char) => char === "\n" ? "\\n" : "\\\\");
}

/** A sample value as the format spells it (`+Inf`, `-Inf`, `NaN`). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Render families as one exposition text, ending with a line feed. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    switch (family.type) {
      case "counter":
      case "gauge":
        for (const sample of family.samples) {
          lines.push(sampleLine(family.name, sample.labels, sample.value));
        }
        break;
      case "histogram":
        for (const sample of family.samples) {
          lines.push(...histogramLines(family.name, family.bounds, sample));
        }
        break;
      default:
        family satisfies never;
    }
  }
  return lines.join("\n") + "\n";
}

function histogramLines(
  name: string,
  bounds: readonly number[],
  sample: HistogramSample,
): string[] {
  const lines: string[] = [];
  let cumulative = 0;
  [...bounds, Infinity].forEach((bound, index) => {
    cumulative += sample.counts[index] ?? 0;
    const labels = { ...sample.labels, le: formatValue(bound) };
    lines.push(sampleLine(`${name}_bucket`, labels, cumulative));
  });
  lines.push(sampleLine(`${name}_sum`, sample.labels, sample.sum));
  lines.push(sampleLine(`${name}_count`, sample.labels, sample.count));
  return lines;
}

function sampleLine(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([label, text]) =>
    `${label}="${escapeLabelValue(text)}"`
  );
  const selector = pairs.length > 0 ? `{${pairs.join(",")}}` : "";
  return `${name}${selector} ${formatValue(value)}`;
}
