/**
 * @module The host page's data (SPEC §11), read from the hive's `fleet` snapshots: agents with
 * their state and today's figures, and every open question. Pure functions, so the rules the
 * page follows ("needs me" first, what a state is called, how long a turn has run) are tested
 * without a browser.
 */
import {
  type FleetAgent,
  type FleetSnapshot,
  readFleetSnapshot,
} from "../../lib/wire/fleet_shapes.ts";

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

/** A running turn's elapsed time, `1m 05s`; empty when none runs. */
export function elapsedText(agent: FleetAgent, nowMs: number): string {
  if (agent.turn_started_at === null) return "";
  const seconds = Math.max(
    0,
    Math.floor(nowMs / 1000 - agent.turn_started_at),
  );
  const minutes = Math.floor(seconds / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return minutes > 0 ? `${minutes}m ${rest}s` : `${seconds}s`;
}

/** Dollars as the page shows them. */
export function dollars(value: number): string {
  return `$${value.toFixed(value !== 0 && value < 0.1 ? 4 : 2)}`;
}

/**
 * Read a `fleet` event's data (or `/api/agents` + `/api/questions`), "needs me" first; null
 * when not one. A page link is kept only for http(s): a report is written by a harness, not
 * trusted as markup.
 */
export function readSnapshot(data: unknown): FleetSnapshot | null {
  const snapshot = readFleetSnapshot(data);
  if (snapshot === null) return null;
  return {
    ...snapshot,
    agents: snapshot.agents.map((agent) => ({
      ...agent,
      url: agent.url !== null && /^https?:\/\//i.test(agent.url)
        ? agent.url
        : null,
    })),
  };
}
