/**
 * @module The stores' health on `/metrics`: whether each store takes writes now, how many of its
 * operations failed since start, and how many live events were dropped after their retries — so
 * a scraper sees a full disk or a dead broker file without polling `/api/state`.
 */
import type { MetricFamily } from "../stats/prometheus.ts";
import type { StoreHealthReport } from "./store_health.ts";

/** Metric families for the stores of `agent` and the events its bus dropped. */
export function storeMetrics(
  agent: string,
  stores: Record<string, StoreHealthReport>,
  droppedEvents: number,
): MetricFamily[] {
  const entries = Object.entries(stores);
  return [
    {
      name: "hive_store_ok",
      help:
        "1 while the store takes writes, 0 while its newest operation failed",
      type: "gauge",
      samples: entries.map(([store, report]) => ({
        labels: { agent, store },
        value: report.ok ? 1 : 0,
      })),
    },
    {
      name: "hive_store_failures_total",
      help: "Store operations that failed since the harness started",
      type: "counter",
      samples: entries.map(([store, report]) => ({
        labels: { agent, store },
        value: report.failures,
      })),
    },
    {
      name: "hive_events_dropped_total",
      help: "Live events dropped after their writes kept failing",
      type: "counter",
      samples: [{ labels: { agent }, value: droppedEvents }],
    },
  ];
}
