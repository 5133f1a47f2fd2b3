/**
 * @module The fleet as the host page sees it (SPEC §11): an agent's row of `GET /api/agents`
 * (and of the page's `fleet` snapshots), the states it can be in, the rule that puts the agents
 * that need the operator first, and the page's tolerant reader of a snapshot. Declared once
 * here for the broker (`broker/fleet_report.ts`), the hive's routes and the host page. Imports
 * nothing outside `wire/`.
 */
import { type OpenQuestion, readLooseEnds } from "./broker_shapes.ts";
import { isRecord } from "./events.ts";

/** The states a harness reports of itself, in the order `/metrics` lists them. */
export const REPORTED_STATES = [
  "online",
  "running",
  "needs_login_idle",
  "needs_login_in_progress",
  "rate_limited",
  "paused",
  "over_budget",
  "claude_missing",
] as const;

/** An agent's live state as the fleet shows it: a reported one, or `down` when it went silent. */
export type FleetState = (typeof REPORTED_STATES)[number] | "down";

/** One agent as `GET /api/agents` lists it. */
export interface FleetAgent {
  name: string;
  role: string;
  state: FleetState;
  "state_detail": string | null;
  url: string | null;
  "status_text": string | null;
  "turns_today": number;
  "cost_today_usd": number;
  "budget_daily_usd": number | null;
  "open_questions": number;
  "open_reminders": number;
  "turn_started_at": number | null;
  "last_turn_end": number | null;
  /** When the harness last reported (unix ms), null when it never did. */
  "reported_at": number | null;
}

/** The host page's whole picture at one time. */
export interface FleetSnapshot {
  agents: FleetAgent[];
  questions: OpenQuestion[];
}

const NEEDS_OPERATOR_STATES: ReadonlySet<FleetState> = new Set([
  "needs_login_idle",
  "paused",
  "over_budget",
  "down",
  "claude_missing",
]);

/** Whether the operator is wanted: a question, a login, a pause, a budget, a dead harness. */
export function needsOperator(agent: FleetAgent): boolean {
  return agent.open_questions > 0 || NEEDS_OPERATOR_STATES.has(agent.state);
}

/** The host page's order: agents that need the operator first, then by name. */
export function byNeedsOperator(a: FleetAgent, b: FleetAgent): number {
  return Number(needsOperator(b)) - Number(needsOperator(a)) ||
    a.name.localeCompare(b.name);
}

const STATES: ReadonlySet<string> = new Set([...REPORTED_STATES, "down"]);

/**
 * Read a `fleet` snapshot (or `/api/agents` + `/api/questions` put together), agents in
 * {@linkcode byNeedsOperator} order; null when `data` is not one. Bad fields get defaults; an
 * unknown state reads as `down`.
 */
export function readFleetSnapshot(data: unknown): FleetSnapshot | null {
  if (!isRecord(data) || !Array.isArray(data.agents)) return null;
  return {
    agents: data.agents.filter(isRecord).map(readFleetAgent).sort(
      byNeedsOperator,
    ),
    questions: readLooseEnds({ questions: data.questions }).questions,
  };
}

function readFleetAgent(row: Record<string, unknown>): FleetAgent {
  const state = str(row.state);
  return {
    name: str(row.name) ?? "?",
    role: str(row.role) ?? "agent",
    state: state !== null && STATES.has(state) ? state as FleetState : "down",
    "state_detail": str(row.state_detail),
    url: str(row.url),
    "status_text": str(row.status_text),
    "turns_today": num(row.turns_today) ?? 0,
    "cost_today_usd": num(row.cost_today_usd) ?? 0,
    "budget_daily_usd": num(row.budget_daily_usd),
    "open_questions": num(row.open_questions) ?? 0,
    "open_reminders": num(row.open_reminders) ?? 0,
    "turn_started_at": num(row.turn_started_at),
    "last_turn_end": num(row.last_turn_end),
    "reported_at": num(row.reported_at),
  };
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
