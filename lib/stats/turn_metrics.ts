/**
 * @module What `GET /metrics` exposes of the turn-stats rows, named by Prometheus conventions.
 * Counters and the duration histogram are folded in row by row from the rows that ended since
 * `since` (the harness's start): a counter then only ever grows, as Prometheus requires, even
 * when `vacuum` deletes old rows; a restart is an ordinary counter reset. Gauges describe the
 * latest row. Token types are Claude Code's OpenTelemetry values, so existing dashboards fit.
 */
import type { TurnStatsRow } from "./turn_stats_row.ts";
import type {
  HistogramSample,
  Labels,
  MetricFamily,
  Sample,
} from "./prometheus.ts";
import { contextTokens, toolBreakdown } from "./summary.ts";
import type { TurnStatsReader } from "./turn_stats_store.ts";

/** Upper bounds of the `hive_turn_duration_seconds` buckets. */
export const DURATION_BOUNDS_SECONDS: readonly number[] = [
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
  300,
  600,
  1800,
  3600,
];

const TOKEN_TYPES = [
  ["input", "input_tokens"],
  ["output", "output_tokens"],
  ["cacheRead", "cache_read_input_tokens"],
  ["cacheCreation", "cache_creation_input_tokens"],
] as const;

/** Sums keyed by their label set, listed in a stable order. */
class LabelledSums {
  #entries = new Map<string, Sample>();

  add(labels: Labels, amount: number): void {
    const key = JSON.stringify(labels);
    const entry = this.#entries.get(key);
    if (entry) entry.value += amount;
    else this.#entries.set(key, { labels, value: amount });
  }

  samples(round = false): Sample[] {
    return [...this.#entries].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      .map(([, sample]) => ({
        labels: sample.labels,
        // Sums of binary fractions drift: dollars keep micro-dollar precision.
        value: round ? Math.round(sample.value * 1e6) / 1e6 : sample.value,
      }));
  }
}

/** Accumulates rows into the `/metrics` families. */
export class TurnMetrics {
  #since: number;
  #turns = new LabelledSums();
  #tokens = new LabelledSums();
  #cost = new LabelledSums();
  #tools = new LabelledSums();
  #durations = new Map<string, HistogramSample>();

  /** Count rows that ended at or after `since` (unix seconds). */
  constructor(since: number) {
    this.#since = since;
  }

  /** When counting starts, unix seconds. */
  get since(): number {
    return this.#since;
  }

  /** Fold one row into the counters and the histogram (rows before `since` are skipped). */
  observe(row: TurnStatsRow): void {
    if (row.ended_at < this.#since) return;
    const who = { agent: row.agent, role: row.role };
    const model = { ...who, model: row.model };
    this.#turns.add({ ...model, result_kind: row.result_kind }, 1);
    for (const [type, column] of TOKEN_TYPES) {
      this.#tokens.add({ ...model, type }, row[column]);
    }
    this.#cost.add(model, row.cost_usd ?? 0);
    for (const [tool, calls] of toolBreakdown(row)) {
      this.#tools.add({ ...who, tool }, calls);
    }
    this.#observeDuration(model, row.duration_ms / 1000);
  }

  /** The families to render, with gauges from `latest` (the newest row, if any). */
  families(latest: TurnStatsRow | null): MetricFamily[] {
    const histograms = [...this.#durations].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0
    ).map(([, sample]) => sample);
    return [
      counter(
        "hive_turns_total",
        "Claude turns recorded, by outcome (counted from the turn-stats rows since the harness started)",
        this.#turns.samples(),
      ),
      {
        name: "hive_turn_duration_seconds",
        help: "Duration of a turn on the monotonic clock, in seconds",
        type: "histogram",
        bounds: DURATION_BOUNDS_SECONDS,
        samples: histograms,
      },
      counter(
        "hive_tokens_total",
        "Tokens of turns from the result line's usage, by Claude Code's OpenTelemetry token type",
        this.#tokens.samples(),
      ),
      counter(
        "hive_cost_usd_total",
        "Estimated cost in US dollars at list price, as the Claude Code CLI reports it: an estimate, not a bill",
        this.#cost.samples(true),
      ),
      counter(
        "hive_tool_calls_total",
        "Tool calls (tool_use blocks) by tool name",
        this.#tools.samples(),
      ),
      ...latestGauges(latest),
      gauge(
        "hive_turn_metrics_start_timestamp_seconds",
        "The counters and the histogram count turns that ended at or after this unix time",
        [{ labels: {}, value: this.#since }],
      ),
    ];
  }

  #observeDuration(labels: Labels, seconds: number): void {
    const key = JSON.stringify(labels);
    let sample = this.#durations.get(key);
    if (!sample) {
      const counts = new Array(DURATION_BOUNDS_SECONDS.length + 1).fill(0);
      sample = { labels, counts, sum: 0, count: 0 };
      this.#durations.set(key, sample);
    }
    const index = DURATION_BOUNDS_SECONDS.findIndex((bound) =>
      seconds <= bound
    );
    const bucket = index === -1 ? DURATION_BOUNDS_SECONDS.length : index;
    sample.counts[bucket] = (sample.counts[bucket] ?? 0) + 1;
    sample.sum += seconds;
    sample.count += 1;
  }
}

function latestGauges(latest: TurnStatsRow | null): MetricFamily[] {
  const who = latest ? { agent: latest.agent, role: latest.role } : {};
  // A count the broker did not give is NULL in the row and no sample here, never a made-up 0.
  const one = (value: number | null | undefined, labels: Labels = who) =>
    value === null || value === undefined ? [] : [{ labels, value }];
  const context = latest ? contextTokens(latest) : null;
  return [
    gauge(
      "hive_open_loose_ends",
      "Open loose ends (unanswered questions and pending reminders) after the latest turn",
      one(latest?.open_threads_count),
    ),
    gauge(
      "hive_open_reminders",
      "Pending reminders after the latest turn",
      one(latest?.open_reminders_count),
    ),
    gauge(
      "hive_context_tokens",
      "Context size of the latest turn's last inference (input + cache read + cache creation)",
      one(context, latest ? { ...who, model: latest.model } : {}),
    ),
    gauge(
      "hive_last_turn_end_timestamp_seconds",
      "When the latest recorded turn ended, unix seconds",
      one(latest?.ended_at),
    ),
  ];
}

function counter(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, help, type: "counter", samples };
}

function gauge(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, help, type: "gauge", samples };
}

/** Rows read from the store per page while catching up. */
const SCRAPE_PAGE = 1000;

/**
 * {@linkcode TurnMetrics} kept current over a turn-stats store: each scrape folds in only the
 * rows added since the last, so a scrape costs what is new. Built by the composition root and
 * handed to the `/metrics` route.
 */
export class StoreTurnMetrics {
  #stats: TurnStatsReader;
  #metrics: TurnMetrics;
  #lastId = 0;

  /** Count the rows of `stats` that ended at or after `since` (unix seconds). */
  constructor(stats: TurnStatsReader, since: number) {
    this.#stats = stats;
    this.#metrics = new TurnMetrics(since);
  }

  /** Catch up with the store, then the families to render. */
  scrape(): MetricFamily[] {
    if (this.#stats.maxId() < this.#lastId) {
      // The file was replaced and its ids started over: count it afresh (a counter reset).
      this.#metrics = new TurnMetrics(this.#metrics.since);
      this.#lastId = 0;
    }
    for (;;) {
      const rows = this.#stats.after(
        this.#lastId,
        this.#metrics.since,
        SCRAPE_PAGE,
      );
      for (const row of rows) {
        this.#metrics.observe(row);
        this.#lastId = row.id;
      }
      if (rows.length < SCRAPE_PAGE) break;
    }
    const [latest] = this.#stats.list({ limit: 1 });
    return this.#metrics.families(latest ?? null);
  }
}
