/**
 * @module The fleet's figures on an agent's `/metrics` (SPEC §11): its state (one sample per
 * state, 1 for the current one, as Prometheus expresses an enum), today's (UTC) turns and
 * spend, and the daily budget when one is set — the same figures the fleet report sends.
 */
import { type AgentReport, REPORTED_STATES } from "../broker/fleet_report.ts";
import type { MetricFamily } from "../stats/prometheus.ts";

/** Metric families for `report` of `agent`. */
export function fleetMetrics(
  agent: string,
  report: AgentReport,
): MetricFamily[] {
  const who = { agent, role: report.role };
  return [
    {
      name: "hive_agent_state",
      help: "The agent's state: 1 for the current one, 0 for the others",
      type: "gauge",
      samples: REPORTED_STATES.map((state) => ({
        labels: { ...who, state },
        value: state === report.state ? 1 : 0,
      })),
    },
    {
      name: "hive_turns_today",
      help: "Turns that ended today (UTC), as `hive-harness stats` counts them",
      type: "gauge",
      samples: [{ labels: who, value: report.turns_today }],
    },
    {
      name: "hive_cost_today_usd",
      help:
        "Estimated cost of today's (UTC) turns in US dollars, as the budget counts it",
      type: "gauge",
      samples: [{ labels: who, value: report.cost_today_usd }],
    },
    {
      name: "hive_budget_daily_usd",
      help: "The daily budget in US dollars; no sample when none is set",
      type: "gauge",
      samples: report.budget_daily_usd === null
        ? []
        : [{ labels: who, value: report.budget_daily_usd }],
    },
  ];
}
