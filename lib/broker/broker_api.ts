/**
 * @module The broker's full request surface (SPEC §8), a superset of {@linkcode Broker}: what the
 * socket protocol and the MCP tools need beyond the turn loop's calls (recv, questions, reminders,
 * the agent registry). Also the identity a request acts as, the names an agent may not take, and
 * the error whose `code` tells a caller whose fault a refusal was.
 */
import type {
  AgentSummary,
  Broker,
  BrokerMessage,
  OpenQuestion,
} from "./broker.ts";
import type { FleetRow, NewAgentControl } from "./fleet_report.ts";

/** Who a request acts as: an agent acts as itself; a manager may name any agent. */
export interface BrokerIdentity {
  agent: string;
  role: "agent" | "manager";
}

/** Senders that are not agents: the operator, the reminder scheduler, the broker itself. */
export const RESERVED_NAMES: readonly string[] = [
  "operator",
  "reminder",
  "system",
];

/** What an agent name may look like: it becomes a directory name in `hive --socket-dir`. */
export const AGENT_NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Why the broker refused: `unavailable` (no broker, or its store cannot be written) and
 * `internal` are not the caller's fault; `full` is an inbox at its cap of queued messages.
 */
export type BrokerErrorCode =
  | "invalid"
  | "not_found"
  | "forbidden"
  | "conflict"
  | "full"
  | "unavailable"
  | "internal";

/** A refusal or failure of a broker request; callers map `code` to an HTTP status or a tool error. */
export class BrokerError extends Error {
  code: BrokerErrorCode;
  constructor(message: string, code: BrokerErrorCode, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokerError";
    this.code = code;
  }
}

/** A question as asked. */
export interface NewQuestion {
  question: string;
  options: string[];
  multi: boolean;
  /** Seconds until it expires; null for never. */
  ttlSeconds: number | null;
  /** `operator` or an agent name. */
  target: string;
}

/** When a reminder falls due: seconds from now, or a unix time in seconds. */
export type ReminderDue = { delaySeconds: number } | { atUnix: number };

/** Options for {@linkcode BrokerApi.recv}. */
export interface RecvOptions {
  /** Longest wait for a message, in ms. */
  waitMs: number;
  /** Most messages returned at once. */
  limit?: number;
  signal?: AbortSignal;
  /**
   * Hold what is taken instead of marking it delivered: the caller settles it with
   * {@linkcode BrokerApi.settleRecv} once it knows whether the messages reached their reader.
   */
  hold?: boolean;
}

/** Everything the socket protocol can ask of a broker. */
export interface BrokerApi extends Broker {
  /** Take (and mark delivered) messages no turn has claimed, waiting up to `waitMs` for one. */
  recv(agent: string, options: RecvOptions): Promise<BrokerMessage[]>;
  /**
   * Settle messages a `recv` with `hold` took: delivered, or offered again. Only a broker that
   * can hold has it (the store itself, not a client of one).
   */
  settleRecv?(
    agent: string,
    ids: readonly number[],
    delivered: boolean,
  ): Promise<void>;
  /** Ask a question; returns at once with its id. */
  ask(agent: string, question: NewQuestion): Promise<{ id: number }>;
  /**
   * Answer question `id` acting as `agent`: as its target, or, with `asOperator`, as the operator
   * relaying through the asker's own page (`agent` must be the asker; null = any question).
   */
  answerAs(
    agent: string | null,
    id: number,
    answer: string,
    asOperator: boolean,
  ): Promise<void>;
  /** Remind `agent` with `message` after a delay or at a unix time (seconds). */
  remind(
    agent: string,
    message: string,
    due: ReminderDue,
  ): Promise<{ id: number; due_at: number }>;
  listAgents(): Promise<AgentSummary[]>;
  /** Register an agent so it can be messaged; idempotent. */
  addAgent(name: string): Promise<void>;
  isKnownAgent(name: string): Promise<boolean>;
  /** Every registered agent with its last report (the host page's rows). */
  fleet(): Promise<FleetRow[]>;
  /** Every open question of every agent. */
  allOpenQuestions(): Promise<OpenQuestion[]>;
  /** Queue a control (pause, resume, budget) for a registered agent's harness. */
  requestControl(
    agent: string,
    control: NewAgentControl,
  ): Promise<{ id: number }>;
}

/** Throw an `invalid` {@linkcode BrokerError} unless `name` can be an agent's name. */
export function assertAgentName(name: string): void {
  if (!AGENT_NAME_PATTERN.test(name)) {
    throw new BrokerError(
      `Invalid agent name "${name}": use letters, digits, _ . - (at most 64)`,
      "invalid",
    );
  }
  if (RESERVED_NAMES.includes(name)) {
    throw new BrokerError(
      `Invalid agent name "${name}": it is reserved for the broker`,
      "invalid",
    );
  }
}
