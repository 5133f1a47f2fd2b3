/**
 * @module The broker's surface as the harness sees it (SPEC §8): one interface, served by the
 * embedded sqlite broker in-process and by the socket client of `hive-harness hive`, so the turn
 * loop, the HTTP routes and the MCP server never know which one they talk to. The records the
 * page shows (messages, loose ends) are declared in `wire/broker_shapes.ts`.
 */
import type { BrokerMessage, LooseEnds } from "../wire/broker_shapes.ts";

export type {
  BrokerMessage,
  LooseEnds,
  OpenQuestion,
  PendingReminder,
} from "../wire/broker_shapes.ts";
import type { AgentControl, AgentReport } from "./fleet_report.ts";

/** A wake-up claimed for a turn. */
export interface Wakeup {
  id: number;
  /** An agent name, `operator`, `reminder`, or `system`. */
  from: string;
  body: string;
  "sent_at": number;
  /** Other undelivered messages waiting for the agent, not counting this one or `more`. */
  unread: number;
  /**
   * Asked with `batch`: the same sender's later queued messages, oldest first, claimed with this
   * one for the same turn and delivered when it ends. Absent or empty: this message alone.
   */
  more?: WakeupFollowUp[];
}

/** A later message of a wake-up's sender, taken into the same turn. */
export interface WakeupFollowUp {
  id: number;
  body: string;
  "sent_at": number;
}

/** At most this many messages make one wake-up, the first included. */
export const WAKEUP_BATCH_MAX_MESSAGES = 50;
/** Follow-ups join a wake-up while the bodies together stay within this many characters. */
export const WAKEUP_BATCH_MAX_CHARS = 64 * 1024;

/** Every message id a wake-up carries, the first one first. */
export function wakeupIds(wakeup: Wakeup): number[] {
  return [wakeup.id, ...(wakeup.more ?? []).map((message) => message.id)];
}

/** One agent as the manager's `list_agents` shows it. */
export interface AgentSummary {
  name: string;
  status: string | null;
  unread: number;
  "pending_reminders": number;
}

/** Options for {@linkcode Broker.nextWakeup}. */
export interface NextWakeupOptions {
  /** Longest wait for a message, in ms. */
  waitMs: number;
  signal?: AbortSignal;
  /**
   * Take the sender's later queued messages into the same wake-up (`Wakeup.more`), as a person
   * typing three lines while the agent works expects one answer to all three. Off by default,
   * so a client that marks only `id` delivered never leaves the rest claimed.
   */
  batch?: boolean;
}

/** The broker, as one agent's harness uses it. Every call may reject (a dead broker). */
export interface Broker {
  /**
   * Claim the oldest undelivered message for `agent`, waiting up to `waitMs`. A message claimed
   * but never marked delivered (a crash mid-turn) is offered again. Null when none came.
   */
  nextWakeup(agent: string, options: NextWakeupOptions): Promise<Wakeup | null>;
  /** Mark a claimed wake-up delivered: its turn ended. */
  markDelivered(agent: string, id: number): Promise<void>;
  /** Put a message in `to`'s inbox. */
  send(from: string, to: string, body: string): Promise<{ id: number }>;
  /** Undelivered messages waiting for `agent`. */
  inboxDepth(agent: string): Promise<number>;
  /** The newest messages to or from `agent`, newest first. */
  recent(agent: string, limit: number): Promise<BrokerMessage[]>;
  looseEnds(agent: string): Promise<LooseEnds>;
  countLooseEnds(agent: string): Promise<number>;
  countPendingReminders(agent: string): Promise<number>;
  /** Answer a question as the operator; the asker gets the answer as a `system` message. */
  answerQuestion(id: number, answer: string): Promise<void>;
  /** Cancel a question or reminder that belongs to `agent`. */
  cancelLooseEnd(
    agent: string,
    kind: "question" | "reminder",
    id: number,
  ): Promise<void>;
  setStatus(agent: string, text: string): Promise<void>;
  /** Register or refresh `agent`'s live report for the fleet view (SPEC §11). */
  report(agent: string, report: AgentReport): Promise<void>;
  /** Take the oldest control the host page queued for `agent`, waiting up to `waitMs`. */
  nextControl(
    agent: string,
    options: NextWakeupOptions,
  ): Promise<AgentControl | null>;
  close(): Promise<void>;
}
