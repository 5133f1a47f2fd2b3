/**
 * @module The fleet's vocabulary (SPEC §11): what a harness reports of itself to its broker
 * (page URL, role, live state, status text, today's turns and cost), the controls the host page
 * sends back (pause, resume, budget), and how a report becomes a row of `/api/agents` — with
 * `down` for a harness whose last report is older than {@linkcode DOWN_AFTER_MS}. The row the
 * host page shows, and the states, are declared in `wire/fleet_shapes.ts`.
 */

import type { FleetAgent, FleetState } from "../wire/fleet_shapes.ts";
import { REPORTED_STATES } from "../wire/fleet_shapes.ts";

export {
  type FleetAgent,
  type FleetState,
  needsOperator,
  REPORTED_STATES,
} from "../wire/fleet_shapes.ts";

/** How often a harness reports even when nothing changed, in ms. */
export const REPORT_INTERVAL_MS = 4000;

/** A harness silent this long is `down` (SPEC §11: within 15 s of not answering). */
export const DOWN_AFTER_MS = 10_000;

/** What a harness tells its broker about itself. */
export interface AgentReport {
  role: string;
  /** Its page, as the operator reaches it; null before it listens. */
  url: string | null;
  state: Exclude<FleetState, "down">;
  /** Why the state is what it is (the pause reason, the budget), or null. */
  "state_detail": string | null;
  "status_text": string | null;
  /** The UTC day (`YYYY-MM-DD`) the two figures below are of. */
  day: string;
  "turns_today": number;
  "cost_today_usd": number;
  "budget_daily_usd": number | null;
  /** When the running turn started (unix seconds), null when idle. */
  "turn_started_at": number | null;
  "last_turn_end": number | null;
}

/** What the broker keeps per agent for the fleet view. */
export interface FleetRow {
  name: string;
  report: AgentReport | null;
  "reported_at": number | null;
  "open_questions": number;
  "open_reminders": number;
}

/** A control the host page sends to a harness. */
export type AgentControl =
  | { id: number; action: "pause" }
  | { id: number; action: "resume" }
  | { id: number; action: "budget"; "daily_usd": number | null };

/** A control as requested, before it has an id. */
export type NewAgentControl =
  | { action: "pause" }
  | { action: "resume" }
  | { action: "budget"; "daily_usd": number | null };

/** The UTC day of a unix-ms time, `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A broker row as the host page shows it at `nowMs`: `down` when stale, today's figures only. */
export function toFleetAgent(row: FleetRow, nowMs: number): FleetAgent {
  const report = row.report;
  const stale = row.reported_at === null ||
    nowMs - row.reported_at > DOWN_AFTER_MS;
  const today = report !== null && report.day === utcDay(nowMs);
  return {
    name: row.name,
    role: report?.role ?? "agent",
    state: stale || report === null ? "down" : report.state,
    state_detail: stale ? null : report?.state_detail ?? null,
    url: report?.url ?? null,
    status_text: report?.status_text ?? null,
    turns_today: today ? report.turns_today : 0,
    cost_today_usd: today ? report.cost_today_usd : 0,
    budget_daily_usd: report?.budget_daily_usd ?? null,
    open_questions: row.open_questions,
    open_reminders: row.open_reminders,
    turn_started_at: stale ? null : report?.turn_started_at ?? null,
    last_turn_end: report?.last_turn_end ?? null,
    reported_at: row.reported_at,
  };
}

const REPORT_STATES: ReadonlySet<string> = new Set(REPORTED_STATES);

/** Check an untrusted report (from a socket); throws `TypeError` naming the bad field. */
export function parseAgentReport(value: unknown): AgentReport {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`Invalid "report": expected an object`);
  }
  const r = value as Record<string, unknown>;
  const text = (key: string, max: number): string | null => {
    const field = r[key];
    if (field === null || field === undefined) return null;
    if (typeof field !== "string" || field.length > max) {
      throw new TypeError(`Invalid "report.${key}": expected a short string`);
    }
    return field;
  };
  const count = (key: string, nullable: boolean): number | null => {
    const field = r[key];
    if ((field === null || field === undefined) && nullable) return null;
    if (typeof field !== "number" || !Number.isFinite(field) || field < 0) {
      throw new TypeError(`Invalid "report.${key}": expected a number ≥ 0`);
    }
    return field;
  };
  const state = r.state;
  if (typeof state !== "string" || !REPORT_STATES.has(state)) {
    throw new TypeError(`Invalid "report.state": not a fleet state`);
  }
  const day = text("day", 10);
  if (day === null || !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    throw new TypeError(`Invalid "report.day": expected YYYY-MM-DD`);
  }
  return {
    role: text("role", 16) ?? "agent",
    url: text("url", 2048),
    state: state as AgentReport["state"],
    state_detail: text("state_detail", 4096),
    status_text: text("status_text", 4096),
    day,
    turns_today: count("turns_today", false)!,
    cost_today_usd: count("cost_today_usd", false)!,
    budget_daily_usd: count("budget_daily_usd", true),
    turn_started_at: count("turn_started_at", true),
    last_turn_end: count("last_turn_end", true),
  };
}
