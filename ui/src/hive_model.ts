/**
 * @module The host page's data (SPEC §11), read from the hive's `fleet` snapshots: agents with
 * their state and today's figures, and every open question. Pure functions, so the rules the
 * page follows ("needs me" first, what a state is called, how long a turn has run) are tested
 * without a browser.
 */
import { isRecord } from "../../lib/wire/events.ts";

/** One agent row. */
export interface HiveAgent {
  name: string;
  role: string;
  state: string;
  stateDetail: string | null;
  url: string | null;
  statusText: string | null;
  turnsToday: number;
  costTodayUsd: number;
  budgetDailyUsd: number | null;
  openQuestions: number;
  openReminders: number;
  turnStartedAt: number | null;
  lastTurnEnd: number | null;
}

/** One open question. */
export interface HiveQuestion {
  id: number;
  asker: string;
  target: string;
  question: string;
  options: string[];
  multi: boolean;
  askedAt: number;
}

/** A snapshot of the fleet. */
export interface HiveSnapshot {
  agents: HiveAgent[];
  questions: HiveQuestion[];
}

/** How each state reads on the page. */
export const STATE_TEXT: Readonly<Record<string, string>> = {
  online: "idle",
  running: "running",
  "needs_login_idle": "needs login",
  "needs_login_in_progress": "logging in…",
  "rate_limited": "rate limited",
  paused: "paused",
  "over_budget": "over budget",
  "claude_missing": "claude missing",
  down: "down",
};

const NEEDS_ME: ReadonlySet<string> = new Set([
  "needs_login_idle",
  "paused",
  "over_budget",
  "claude_missing",
  "down",
]);

/** Whether the operator is wanted by this agent. */
export function needsMe(agent: HiveAgent): boolean {
  return agent.openQuestions > 0 || NEEDS_ME.has(agent.state);
}

/** Agents that need the operator first, then by name. */
export function sortAgents(agents: readonly HiveAgent[]): HiveAgent[] {
  return [...agents].sort((a, b) =>
    Number(needsMe(b)) - Number(needsMe(a)) || a.name.localeCompare(b.name)
  );
}

/** A running turn's elapsed time, `1m 05s`; empty when none runs. */
export function elapsedText(agent: HiveAgent, nowMs: number): string {
  if (agent.turnStartedAt === null) return "";
  const seconds = Math.max(
    0,
    Math.floor(nowMs / 1000 - agent.turnStartedAt),
  );
  const minutes = Math.floor(seconds / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return minutes > 0 ? `${minutes}m ${rest}s` : `${seconds}s`;
}

/** Dollars as the page shows them. */
export function dollars(value: number): string {
  return `$${value.toFixed(value !== 0 && value < 0.1 ? 4 : 2)}`;
}

/** Read a `fleet` event's data (or `/api/agents` + `/api/questions`); null when not one. */
export function readSnapshot(data: unknown): HiveSnapshot | null {
  if (!isRecord(data) || !Array.isArray(data.agents)) return null;
  const questions = Array.isArray(data.questions) ? data.questions : [];
  return {
    agents: sortAgents(data.agents.filter(isRecord).map(readAgent)),
    questions: questions.filter(isRecord).map(readQuestion),
  };
}

function readAgent(row: Record<string, unknown>): HiveAgent {
  return {
    name: str(row.name) ?? "?",
    role: str(row.role) ?? "agent",
    state: str(row.state) ?? "down",
    stateDetail: str(row.state_detail),
    url: safeUrl(str(row.url)),
    statusText: str(row.status_text),
    turnsToday: num(row.turns_today) ?? 0,
    costTodayUsd: num(row.cost_today_usd) ?? 0,
    budgetDailyUsd: num(row.budget_daily_usd),
    openQuestions: num(row.open_questions) ?? 0,
    openReminders: num(row.open_reminders) ?? 0,
    turnStartedAt: num(row.turn_started_at),
    lastTurnEnd: num(row.last_turn_end),
  };
}

function readQuestion(row: Record<string, unknown>): HiveQuestion {
  return {
    id: num(row.id) ?? 0,
    asker: str(row.asker) ?? "?",
    target: str(row.target) ?? "operator",
    question: str(row.question) ?? "",
    options: Array.isArray(row.options) ? row.options.map(String) : [],
    multi: row.multi === true,
    askedAt: num(row.asked_at) ?? 0,
  };
}

// A page link only for http(s): a report is written by a harness, not trusted as markup.
function safeUrl(url: string | null): string | null {
  return url !== null && /^https?:\/\//i.test(url) ? url : null;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
