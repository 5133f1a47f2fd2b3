/**
 * @module The SQL of the fleet (SPEC §11): each harness's last report, kept as one JSON row per
 * agent with the time it arrived, and the controls (pause, resume, budget) the host page queued
 * for a harness, each taken once by that harness.
 */
import type { OpenQuestion } from "./broker.ts";
import type { BrokerDb } from "./broker_db.ts";
import {
  type AgentControl,
  type AgentReport,
  type FleetRow,
  type NewAgentControl,
  parseAgentReport,
} from "./fleet_report.ts";

interface RawFleetRow {
  name: string;
  "report_json": string | null;
  "reported_at_ms": number | null;
  "open_questions": number;
  "open_reminders": number;
}

interface RawControl {
  id: number;
  action: string;
  "daily_usd": number | null;
}

/** Reads and writes agent reports and controls. */
export class FleetStore {
  #db: BrokerDb;

  constructor(db: BrokerDb) {
    this.#db = db;
  }

  /** Replace `agent`'s report, stamped `nowMs`. */
  saveReport(agent: string, report: AgentReport, nowMs: number): void {
    this.#db.run(
      `INSERT INTO agent_reports (agent, report_json, reported_at_ms) VALUES (?, ?, ?)
       ON CONFLICT (agent) DO UPDATE SET report_json = excluded.report_json,
         reported_at_ms = excluded.reported_at_ms`,
      agent,
      JSON.stringify(report),
      nowMs,
    );
  }

  /** Every registered agent with its last report and open loose ends, by name. */
  rows(): FleetRow[] {
    const raw = this.#db.all<RawFleetRow>(`SELECT a.name AS name,
        r.report_json AS report_json, r.reported_at_ms AS reported_at_ms,
        (SELECT count(*) FROM questions WHERE state = 'open'
          AND (asker = a.name OR target = a.name)) AS open_questions,
        (SELECT count(*) FROM reminders WHERE agent = a.name AND fired_at IS NULL
          AND cancelled_at IS NULL) AS open_reminders
      FROM agents a LEFT JOIN agent_reports r ON r.agent = a.name ORDER BY a.name`);
    return raw.map((row) => ({
      name: row.name,
      report: readReport(row.report_json),
      reported_at: row.reported_at_ms,
      open_questions: row.open_questions,
      open_reminders: row.open_reminders,
    }));
  }

  /** Every open question of every agent, oldest first. */
  openQuestions(): OpenQuestion[] {
    const rows = this.#db.all<
      Omit<OpenQuestion, "options" | "multi"> & {
        options: string;
        multi: number;
      }
    >(
      `SELECT id, asker, target, question, options, multi, asked_at, deadline
       FROM questions WHERE state = 'open' ORDER BY id`,
    );
    return rows.map((row) => ({
      ...row,
      options: parseOptions(row.options),
      multi: row.multi !== 0,
    }));
  }

  /** Queue a control for `agent`; its id. */
  addControl(agent: string, control: NewAgentControl, now: number): number {
    const dailyUsd = control.action === "budget" ? control.daily_usd : null;
    return this.#db.run(
      `INSERT INTO agent_controls (agent, action, daily_usd, requested_at) VALUES (?, ?, ?, ?)`,
      agent,
      control.action,
      dailyUsd,
      now,
    ).id;
  }

  /** Take the oldest control waiting for `agent` (it is not offered again). */
  takeControl(agent: string, now: number): AgentControl | null {
    const row = this.#db.get<RawControl>(
      `SELECT id, action, daily_usd FROM agent_controls INDEXED BY agent_controls_pending
       WHERE agent = ? AND taken_at IS NULL ORDER BY id LIMIT 1`,
      agent,
    );
    if (!row) return null;
    this.#db.run(
      `UPDATE agent_controls SET taken_at = ? WHERE id = ?`,
      now,
      row.id,
    );
    switch (row.action) {
      case "pause":
      case "resume":
        return { id: row.id, action: row.action };
      default:
        return { id: row.id, action: "budget", daily_usd: row.daily_usd };
    }
  }
}

function readReport(json: string | null): AgentReport | null {
  if (json === null) return null;
  try {
    return parseAgentReport(JSON.parse(json));
  } catch {
    // A row from an older or foreign writer: the agent is listed without its report.
    return null;
  }
}

function parseOptions(json: string): string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}
