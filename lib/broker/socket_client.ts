/**
 * @module The broker over a `hive` socket (SPEC §1, §8): {@linkcode Broker} and the full
 * {@linkcode BrokerApi} as JSON-line requests. On an agent's socket the socket is the identity,
 * so the `agent` arguments are not sent; on the manager's they name the agent acted on. A broker
 * that blinks is reconnected to; a dead one fails a call with a clear error within a timeout.
 */
import type {
  AgentSummary,
  BrokerMessage,
  LooseEnds,
  NextWakeupOptions,
  OpenQuestion,
  Wakeup,
} from "./broker.ts";
import {
  type BrokerApi,
  BrokerError,
  type NewQuestion,
  type RecvOptions,
  type ReminderDue,
} from "./broker_api.ts";
import { type BrokerResponse, MAX_WAIT_SECONDS } from "./request_handler.ts";
import type {
  AgentControl,
  AgentReport,
  FleetRow,
  NewAgentControl,
} from "./fleet_report.ts";
import {
  BrokerSocketPool,
  type BrokerSocketPoolOptions,
  type SocketRequestOptions,
} from "./socket_pool.ts";

/** Options for {@linkcode SocketBroker}. */
export interface SocketBrokerOptions extends BrokerSocketPoolOptions {
  /** Whose socket it is: only the manager's requests name an agent. */
  role?: "agent" | "manager";
}

type Fields = Record<string, unknown>;

/** A broker reached over one Unix socket. */
export class SocketBroker implements BrokerApi {
  #pool: BrokerSocketPool;
  #manager: boolean;

  constructor(path: string, options: SocketBrokerOptions = {}) {
    const { role, ...poolOptions } = options;
    this.#pool = new BrokerSocketPool(path, poolOptions);
    this.#manager = role === "manager";
  }

  /** Send one raw request; transport failures come back as `{ok: false, code: "unavailable"}`. */
  request(
    request: Fields,
    options: SocketRequestOptions = {},
  ): Promise<BrokerResponse> {
    return this.#pool.request(request, options);
  }

  async nextWakeup(
    agent: string,
    options: NextWakeupOptions,
  ): Promise<Wakeup | null> {
    const deadline = performance.now() + options.waitMs;
    // A wait longer than the protocol allows is several long-polls.
    while (true) {
      const waitMs = Math.max(
        0,
        Math.min(deadline - performance.now(), MAX_WAIT_SECONDS * 1000),
      );
      const request = {
        cmd: "next_wakeup",
        "wait_seconds": waitMs / 1000,
        ...(options.batch ? { batch: true } : {}),
        ...this.#as(agent),
      };
      const response = await this.#poll(request, waitMs, options.signal);
      if (response === null) return null;
      const wakeup = response.wakeup as Wakeup | null;
      if (
        wakeup || deadline - performance.now() <= 0 || options.signal?.aborted
      ) return wakeup;
    }
  }

  async markDelivered(agent: string, id: number): Promise<void> {
    await this.#call({ cmd: "mark_delivered", id, ...this.#as(agent) });
  }

  async send(from: string, to: string, body: string): Promise<{ id: number }> {
    // `from` travels as a label: the broker decides whether this socket may use it.
    return {
      id: (await this.#call({ cmd: "send", from, to, body })).id as number,
    };
  }

  async inboxDepth(agent: string): Promise<number> {
    return (await this.#call({ cmd: "status", ...this.#as(agent) }))
      .unread as number;
  }

  async recent(agent: string, limit: number): Promise<BrokerMessage[]> {
    return (await this.#call({ cmd: "recent", limit, ...this.#as(agent) }))
      .messages as BrokerMessage[];
  }

  async looseEnds(agent: string): Promise<LooseEnds> {
    const { questions, reminders } = await this.#call({
      cmd: "get_loose_ends",
      ...this.#as(agent),
    });
    return { questions, reminders } as LooseEnds;
  }

  async countLooseEnds(agent: string): Promise<number> {
    return (await this.#call({ cmd: "count_loose_ends", ...this.#as(agent) }))
      .count as number;
  }

  async countPendingReminders(agent: string): Promise<number> {
    return (await this.#call({
      cmd: "count_pending_reminders",
      ...this.#as(agent),
    })).count as number;
  }

  answerQuestion(id: number, answer: string): Promise<void> {
    return this.answerAs(null, id, answer, true);
  }

  async answerAs(
    agent: string | null,
    id: number,
    answer: string,
    asOperator: boolean,
  ): Promise<void> {
    const by = asOperator ? "operator" : "agent";
    await this.#call({
      cmd: "answer",
      id,
      answer,
      by,
      ...(agent === null ? {} : this.#as(agent)),
    });
  }

  async cancelLooseEnd(
    agent: string,
    kind: "question" | "reminder",
    id: number,
  ): Promise<void> {
    await this.#call({ cmd: "cancel_loose_end", kind, id, ...this.#as(agent) });
  }

  async setStatus(agent: string, text: string): Promise<void> {
    await this.#call({ cmd: "set_status", text, ...this.#as(agent) });
  }

  async report(agent: string, report: AgentReport): Promise<void> {
    await this.#call({ cmd: "report", report, ...this.#as(agent) });
  }

  async nextControl(
    agent: string,
    options: NextWakeupOptions,
  ): Promise<AgentControl | null> {
    const waitMs = Math.min(options.waitMs, MAX_WAIT_SECONDS * 1000);
    const request = {
      cmd: "next_control",
      "wait_seconds": waitMs / 1000,
      ...this.#as(agent),
    };
    const response = await this.#poll(request, waitMs, options.signal);
    return (response?.control ?? null) as AgentControl | null;
  }

  async fleet(): Promise<FleetRow[]> {
    return (await this.#call({ cmd: "fleet" })).agents as FleetRow[];
  }

  async allOpenQuestions(): Promise<OpenQuestion[]> {
    return (await this.#call({ cmd: "open_questions" }))
      .questions as OpenQuestion[];
  }

  async requestControl(
    agent: string,
    control: NewAgentControl,
  ): Promise<{ id: number }> {
    const response = await this.#call({
      cmd: "request_control",
      ...control,
      agent,
    });
    return { id: response.id as number };
  }

  async recv(agent: string, options: RecvOptions): Promise<BrokerMessage[]> {
    const waitMs = Math.min(options.waitMs, MAX_WAIT_SECONDS * 1000);
    const limit = options.limit ?? 100;
    const request = {
      cmd: "recv",
      "wait_seconds": waitMs / 1000,
      limit,
      ...this.#as(agent),
    };
    const response = await this.#poll(request, waitMs, options.signal);
    return (response?.messages ?? []) as BrokerMessage[];
  }

  async ask(agent: string, question: NewQuestion): Promise<{ id: number }> {
    const { question: text, options, multi, ttlSeconds, target } = question;
    const request = {
      cmd: "ask_operator",
      question: text,
      options,
      multi,
      "ttl_seconds": ttlSeconds,
      to: target,
    };
    return {
      id: (await this.#call({ ...request, ...this.#as(agent) })).id as number,
    };
  }

  async remind(
    agent: string,
    message: string,
    due: ReminderDue,
  ): Promise<{ id: number; due_at: number }> {
    const when = "atUnix" in due
      ? { "at_unix_timestamp": due.atUnix }
      : { "delay_seconds": due.delaySeconds };
    const response = await this.#call({
      cmd: "remind",
      message,
      ...when,
      ...this.#as(agent),
    });
    return { id: response.id as number, due_at: response.due_at as number };
  }

  async listAgents(): Promise<AgentSummary[]> {
    return (await this.#call({ cmd: "list_agents" })).agents as AgentSummary[];
  }

  async addAgent(name: string): Promise<void> {
    await this.#call({ cmd: "add_agent", name });
  }

  async isKnownAgent(name: string): Promise<boolean> {
    if (this.#manager) {
      return (await this.listAgents()).some((agent) => agent.name === name);
    }
    return (await this.whoami()) === name;
  }

  /** The agent this socket speaks for (the socket is its identity). */
  async whoami(): Promise<string> {
    return String((await this.#call({ cmd: "whoami" })).agent);
  }

  /** Drop every connection; calls after this fail. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  #as(agent: string): { agent?: string } {
    return this.#manager ? { agent } : {};
  }

  async #call(
    request: Fields,
    options?: SocketRequestOptions,
  ): Promise<Fields> {
    const response = await this.#pool.request(request, options);
    if (!response.ok) throw new BrokerError(response.error, response.code);
    return response;
  }

  // A long-poll given up by its caller ends empty (null), as the embedded broker's does.
  async #poll(
    request: Fields,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<Fields | null> {
    try {
      return await this.#call(request, {
        waitMs,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) return null;
      throw error;
    }
  }
}
