/**
 * @module The claude serving an agent on its `/metrics` (SPEC §10): whether one runs and whether
 * it is warm, the turns it has served, and its resident memory with everything it started (its
 * MCP server, running tools) — what keeping an agent warm costs, to weigh against `--keep-warm`.
 */
import type { MetricFamily } from "../stats/prometheus.ts";
import type { ClaudeSnapshot } from "./claude_runner.ts";

/** Metric families for the claude of `agent` (`snapshot` null when none runs). */
export function claudeMetrics(
  who: { agent: string; role: string },
  snapshot: ClaudeSnapshot | null,
): MetricFamily[] {
  const labels = { agent: who.agent, role: who.role };
  return [
    {
      name: "hive_claude_running",
      help:
        "Whether a claude process serves the agent now: warm (kept between turns) or cold (this turn only)",
      type: "gauge",
      samples: (["warm", "cold"] as const).map((mode) => ({
        labels: { ...labels, mode },
        value: snapshot !== null && snapshot.warm === (mode === "warm") ? 1 : 0,
      })),
    },
    {
      name: "hive_claude_turns",
      help:
        "Turns the running claude process has served; no sample when none runs",
      type: "gauge",
      samples: snapshot === null ? [] : [{ labels, value: snapshot.turns }],
    },
    {
      name: "hive_claude_rss_bytes",
      help:
        "Resident memory of the running claude and every process it started (MCP server, tools); no sample when none runs",
      type: "gauge",
      samples: snapshot?.rss_bytes == null
        ? []
        : [{ labels, value: snapshot.rss_bytes }],
    },
  ];
}
