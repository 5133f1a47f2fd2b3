/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module What the `/stats` page shows of a window: the totals as cards, the five charts issue 4
 * asks for (turns by result, duration p50 / p95, tokens by kind, cost, context avg / max) and the
 * mixes (results, who woke the agent, models, top tools) as ranked lists with their shares.
 */
import type { JSX } from "preact";
import { formatCost, formatDuration, formatTokens, percent } from "./format.ts";
import { Chart, type ChartSeries } from "./stats_chart.tsx";
import { cardCost, exactCost, exactCount } from "./stats_format.ts";
import {
  type StatsFigures,
  type StatsReport,
  totalTokens,
} from "./stats_data.ts";

const RESULT_SERIES: ChartSeries[] = [
  { key: "ok", label: "ok", value: (b) => b.result.ok },
  { key: "failed", label: "failed", value: (b) => b.result.failed },
  {
    key: "prompt_too_long",
    label: "prompt too long",
    value: (b) => b.result.promptTooLong,
  },
];

const TOKEN_SERIES: ChartSeries[] = [
  { key: "input", label: "input", value: (b) => b.tokens.input },
  { key: "output", label: "output", value: (b) => b.tokens.output },
  { key: "cache_read", label: "cache read", value: (b) => b.tokens.cacheRead },
  {
    key: "cache_creation",
    label: "cache write",
    value: (b) => b.tokens.cacheCreation,
  },
];

/** The window's totals, one card each. */
export function SummaryCards(
  { total }: { total: StatsFigures },
): JSX.Element {
  const { result, durationMs, contextTokens, tokens } = total;
  const failures = result.failed + result.promptTooLong;
  const [topTool] = total.topTools;
  return (
    <ul class="stat-cards" aria-label="totals">
      <Card
        name="turns"
        value={String(total.turns)}
        detail={`${result.ok} ok · ${result.failed} failed · ${result.promptTooLong} prompt too long`}
        warn={failures > 0}
      />
      <Card
        name="duration p50"
        value={durationMs.p50 === null ? "–" : formatDuration(durationMs.p50)}
        detail={`p95 ${orDash(durationMs.p95, formatDuration)} · avg ${
          orDash(durationMs.avg, formatDuration)
        }`}
      />
      <Card
        name="tokens"
        value={formatTokens(totalTokens(tokens))}
        detail={`in ${formatTokens(tokens.input)} · out ${
          formatTokens(tokens.output)
        } · cache read ${formatTokens(tokens.cacheRead)} · cache write ${
          formatTokens(tokens.cacheCreation)
        }`}
      />
      <Card
        name="cost (estimate)"
        value={cardCost(total.costUsd)}
        detail="the CLI's list-price figure, not a bill"
        title={exactCost(total.costUsd)}
      />
      <Card
        name="context max"
        value={orDash(contextTokens.max, formatTokens)}
        detail={`avg ${orDash(contextTokens.avg, formatTokens)} tokens`}
      />
      <Card
        name="tool calls"
        value={String(total.toolCalls)}
        detail={topTool ? `most: ${topTool[0]} ${topTool[1]}` : "none"}
      />
    </ul>
  );
}

function Card(
  { name, value, detail, warn = false, title }: {
    name: string;
    value: string;
    detail: string;
    warn?: boolean;
    title?: string;
  },
): JSX.Element {
  return (
    <li
      class={`stat-card${warn ? " warn" : ""}`}
      data-card={name}
      title={title}
    >
      <span class="stat-label">{name}</span>
      <span class="stat-value">{value}</span>
      <span class="stat-detail dim">{detail}</span>
    </li>
  );
}

/** The five charts over the window's buckets, and the mixes in the grid's last cell. */
export function Charts({ report }: { report: StatsReport }): JSX.Element {
  const common = {
    buckets: report.buckets,
    bucketSeconds: report.bucketSeconds,
  };
  const per = report.bucketSeconds < 86_400 ? "hour" : "UTC day";
  return (
    <div class="charts">
      <Chart
        {...common}
        id="turns"
        title="Turns by result"
        note={`turns that ended in each ${per}`}
        kind="stacked"
        series={RESULT_SERIES}
        format={(value) => String(Math.round(value))}
        integer
      />
      <Chart
        {...common}
        id="duration"
        title="Duration p50 / p95"
        note="half of the turns were quicker than p50, 95 % quicker than p95"
        kind="lines"
        series={[
          { key: "p50", label: "p50", value: (b) => b.durationMs.p50 },
          { key: "p95", label: "p95", value: (b) => b.durationMs.p95 },
        ]}
        format={formatDuration}
      />
      <Chart
        {...common}
        id="tokens"
        title="Tokens by kind"
        kind="stacked"
        series={TOKEN_SERIES}
        format={formatTokens}
        exact={exactCount}
      />
      <Chart
        {...common}
        id="cost"
        title="Cost (estimate)"
        note="the CLI's list-price estimate in USD, not a bill"
        kind="stacked"
        series={[{ key: "cost", label: "cost", value: (b) => b.costUsd }]}
        format={(value) => formatCost(value)}
        exact={exactCost}
        emptyText="no cost reported in this window"
      />
      <Chart
        {...common}
        id="context"
        title="Context size avg / max"
        note="tokens of each turn's last inference (input + cache)"
        kind="lines"
        series={[
          { key: "avg", label: "avg", value: (b) => b.contextTokens.avg },
          { key: "max", label: "max", value: (b) => b.contextTokens.max },
        ]}
        format={formatTokens}
        exact={exactCount}
        emptyText="no context figures in this window"
      />
      <Mixes total={report.total} />
    </div>
  );
}

/** Results, wake-ups, models and tools as ranked lists with their shares. */
function Mixes({ total }: { total: StatsFigures }): JSX.Element {
  const results: [string, number, string][] = [
    ["ok", total.result.ok, "ok"],
    ["failed", total.result.failed, "failed"],
    ["prompt too long", total.result.promptTooLong, "prompt_too_long"],
  ];
  return (
    <div class="mixes">
      <Mix
        id="result-mix"
        title="Result mix"
        rows={results}
        whole={total.turns}
      />
      <Mix
        id="wake-mix"
        title="Woken by"
        rows={total.wakeFrom.map(([name, n]) => [name, n, "plain"])}
        whole={total.turns}
      />
      <Mix
        id="models"
        title="Models"
        rows={total.models.map(([name, n]) => [name, n, "plain"])}
        whole={total.turns}
      />
      <Mix
        id="top-tools"
        title="Top tools"
        rows={total.topTools.map(([name, n]) => [name, n, "plain"])}
        whole={total.toolCalls}
        unit="calls"
      />
    </div>
  );
}

function Mix(
  { id, title, rows, whole, unit = "turns" }: {
    id: string;
    title: string;
    /** Name, count, colour key. */
    rows: [string, number, string][];
    whole: number;
    unit?: string;
  },
): JSX.Element {
  return (
    <section class="mix" data-mix={id} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {rows.length === 0 ? <p class="dim">none</p> : (
        <table>
          <thead class="visually-hidden">
            <tr>
              <th scope="col">name</th>
              <th scope="col">{unit}</th>
              <th scope="col">share</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([name, count, key]) => {
              const share = percent(count, whole);
              return (
                <tr key={name} class={`series-${key}`}>
                  <th scope="row" class="mix-name">{name}</th>
                  <td class="mix-count">{count}</td>
                  <td class="mix-share">
                    <span class="share-bar" aria-hidden="true">
                      <span style={{ width: `${share}%` }} />
                    </span>
                    {share} %
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function orDash(value: number | null, format: (n: number) => string): string {
  return value === null ? "–" : format(value);
}
