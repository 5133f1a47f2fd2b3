/**
 * @module The broker's surface as the harness sees it (SPEC §8): one interface, served by the
 * embedded sqlite broker in-process and by the socket client of `hive-harness hive`, so the turn
 * loop, the HTTP routes and the MCP server never know which one they talk to.
 */

/** A wake-up claimed for a turn. */
export interface Wakeup {
  id: number;
  /** An agent name, `operator`, `reminder`, or `system`. */
  from: string;
  body: string;
  "sent_at": number;
  /** Other undelivered messages waiting for the agent, not counting this one. */
  unread: number;
}

/** A message as `recent` lists it. */
export interface BrokerMessage {
  id: number;
  from: string;
  to: string;
  body: string;
  "sent_at": number;
  "delivered_at": number | null;
}

/** An open question, as loose ends list it. */
export interface OpenQuestion {
  id: number;
  asker: string;
  /** `operator` or an agent name. */
  target: string;
  question: string;
  options: string[];
  multi: boolean;
  "asked_at": number;
  deadline: number | null;
}

/** A pending reminder. */
export interface PendingReminder {
  id: number;
  agent: string;
  message: string;
  "due_at": number;
  "created_at": number;
}

/** An agent's loose ends: unanswered questions asked by it or of it, and pending reminders. */
export interface LooseEnds {
  questions: OpenQuestion[];
  reminders: PendingReminder[];
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
  close(): Promise<void>;
}
