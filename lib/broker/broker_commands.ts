/**
 * @module Each `cmd` of the broker protocol (SPEC §8): its fields, read and checked, and the
 * broker call it makes. The acting agent is already settled by the request handler (the
 * socket's own, or the one a manager named), so a command only reads fields and calls.
 */
import {
  type BrokerApi,
  BrokerError,
  type BrokerIdentity,
} from "./broker_api.ts";
import { parseAgentReport } from "./fleet_report.ts";
import { errorMessage } from "../error_message.ts";
import {
  type BrokerRequest,
  optionalBoolean,
  optionalNumber,
  optionalString,
  optionalStringList,
  requireChoice,
  requireId,
  requireString,
} from "./request_fields.ts";

/** The longest long-poll a request may ask for, in seconds (SPEC §8). */
export const MAX_WAIT_SECONDS = 180;

/** Commands only the manager's socket may run. */
export const MANAGER_COMMANDS: ReadonlySet<string> = new Set([
  "list_agents",
  "add_agent",
  "fleet",
  "open_questions",
  "request_control",
]);

/** Called once a response is written whole (`true`), or when it could not be (`false`). */
export type AfterWrite = (written: boolean) => void;

/** What a command gets. */
export interface CommandContext {
  request: BrokerRequest;
  /** Who the request acts as. */
  agent: string;
  signal: AbortSignal | undefined;
  /** Present when the transport reports whether the response reached the client. */
  afterWrite: ((hook: AfterWrite) => void) | undefined;
}

/** One command: the response's fields besides `ok`. */
export type BrokerCommand = (
  context: CommandContext,
) => Promise<Record<string, unknown>>;

/** Options for {@linkcode createBrokerCommands}. */
export interface BrokerCommandsOptions {
  /** Runs after `add_agent` registered the name (the hive makes its socket here). */
  onAddAgent?: (name: string) => Promise<Record<string, unknown>>;
  /** Extra fields of a `ping` answer (the hive's sockets, on the manager's). */
  onPing?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** A `recv`'s messages could not be marked delivered (or offered again) after its answer. */
  onSettleFailed?: (error: unknown) => void;
}

const LONG_TEXT = 256 * 1024;
const YEAR = 366 * 86400;

/** The command table for `identity`. */
export function createBrokerCommands(
  broker: BrokerApi,
  identity: BrokerIdentity,
  options: BrokerCommandsOptions = {},
): Record<string, BrokerCommand> {
  const manager = identity.role === "manager";
  const waiting = ({ request, signal }: CommandContext) => ({
    waitMs: optionalNumber(request, "wait_seconds", {
      min: 0,
      max: MAX_WAIT_SECONDS,
      fallback: 0,
    }) * 1000,
    ...(signal ? { signal } : {}),
  });
  const done = () => ({});
  const count = (n: number) => ({ count: n });

  return {
    "whoami": () =>
      Promise.resolve({ agent: identity.agent, role: identity.role }),
    "send": ({ request, agent }) => {
      const to = requireString(request, "to", 64);
      const body = requireString(request, "body", LONG_TEXT);
      const from = optionalString(request, "from", 64) ?? agent;
      // Another label is fine on one's own inbox (what `wake --from` does), never as a forgery.
      if (from !== agent && to !== agent && !manager) {
        throw new BrokerError(
          `Cannot send as "${from}": this socket sends as "${agent}"`,
          "forbidden",
        );
      }
      return broker.send(from, to, body);
    },
    "recv": async (context) => {
      const limit = optionalNumber(context.request, "limit", {
        min: 1,
        max: 1000,
        fallback: 100,
      });
      // Over a socket, what is taken is held until the answer is written, then marked delivered:
      // a broker killed in between offers it again instead of losing it.
      const settle = context.afterWrite && broker.settleRecv?.bind(broker);
      const messages = await broker.recv(context.agent, {
        ...waiting(context),
        limit,
        ...(settle ? { hold: true } : {}),
      });
      if (settle && messages.length > 0) {
        const ids = messages.map((message) => message.id);
        context.afterWrite!((written) =>
          settle(context.agent, ids, written).catch((error) =>
            options.onSettleFailed?.(error)
          )
        );
      }
      return { messages };
    },
    "ping": async () => ({ pong: true, ...(await options.onPing?.()) }),
    "next_wakeup": async (context) => ({
      wakeup: await broker.nextWakeup(context.agent, {
        ...waiting(context),
        batch: optionalBoolean(context.request, "batch"),
      }),
    }),
    "mark_delivered": ({ request, agent }) =>
      broker.markDelivered(agent, requireId(request)).then(done),
    "status": async ({ agent }) => ({
      agent,
      unread: await broker.inboxDepth(agent),
    }),
    "recent": async ({ request, agent }) => {
      const limit = optionalNumber(request, "limit", {
        min: 1,
        max: 1000,
        fallback: 50,
      });
      return { messages: await broker.recent(agent, limit) };
    },
    "ask_operator": ({ request, agent }) =>
      broker.ask(agent, {
        question: requireString(request, "question", 16 * 1024),
        options: optionalStringList(request, "options"),
        multi: optionalBoolean(request, "multi"),
        ttlSeconds: optionalNumber(request, "ttl_seconds", {
          min: 1,
          max: YEAR,
          fallback: null,
        }),
        target: optionalString(request, "to", 64) ?? "operator",
      }),
    "answer": ({ request, agent }) => {
      const id = requireId(request);
      const text = requireString(request, "answer", 16 * 1024);
      const by = request.by == null
        ? "agent"
        : requireChoice(request, "by", ["operator", "agent"]);
      // An agent's socket is reachable by the agent itself (its claude, its tools): answering
      // as the operator there would let it answer its own questions. Only the operator's routes
      // do: the manager's socket, the hive's page, a harness's own page on its embedded broker.
      if (by === "operator" && !manager) {
        throw new BrokerError(
          `Cannot answer as the operator on agent "${identity.agent}"'s socket: the operator answers on the manager's socket or the hive's page`,
          "forbidden",
        );
      }
      // The manager relaying the operator, naming no agent, may answer any question.
      const as = by === "operator" && request.agent == null ? null : agent;
      return broker.answerAs(as, id, text, by === "operator").then(done);
    },
    "remind": ({ request, agent }) => {
      const message = requireString(request, "message", 16 * 1024);
      const delay = optionalNumber(request, "delay_seconds", {
        min: 0,
        max: 10 * YEAR,
        fallback: undefined,
      });
      const at = optionalNumber(request, "at_unix_timestamp", {
        min: 0,
        max: 1e11,
        fallback: undefined,
      });
      if ((delay === undefined) === (at === undefined)) {
        throw new BrokerError(
          `Invalid "delay_seconds" / "at_unix_timestamp": give exactly one of them`,
          "invalid",
        );
      }
      return broker.remind(
        agent,
        message,
        at === undefined ? { delaySeconds: delay! } : { atUnix: at },
      );
    },
    "get_loose_ends": ({ agent }) =>
      broker.looseEnds(agent).then((ends) => ({ ...ends })),
    "cancel_loose_end": ({ request, agent }) => {
      const kind = requireChoice(request, "kind", ["question", "reminder"]);
      return broker.cancelLooseEnd(agent, kind, requireId(request)).then(done);
    },
    "set_status": ({ request, agent }) => {
      // Empty is allowed: it clears the status.
      if (typeof request.text !== "string" || request.text.length > 4096) {
        throw new BrokerError(
          `Invalid "text": expected a string of at most 4096 characters`,
          "invalid",
        );
      }
      return broker.setStatus(agent, request.text).then(done);
    },
    "count_pending_reminders": ({ agent }) =>
      broker.countPendingReminders(agent).then(count),
    "count_loose_ends": ({ agent }) => broker.countLooseEnds(agent).then(count),
    "report": ({ request, agent }) => {
      let report;
      try {
        report = parseAgentReport(request.report);
      } catch (error) {
        throw new BrokerError(errorMessage(error), "invalid");
      }
      return broker.report(agent, report).then(done);
    },
    "next_control": async (context) => ({
      control: await broker.nextControl(context.agent, waiting(context)),
    }),
    "fleet": async () => ({ agents: await broker.fleet() }),
    "open_questions": async () => ({
      questions: await broker.allOpenQuestions(),
    }),
    "request_control": ({ request, agent }) => {
      const action = requireChoice(request, "action", [
        "pause",
        "resume",
        "budget",
      ]);
      if (action !== "budget") return broker.requestControl(agent, { action });
      const dailyUsd = request.daily_usd === null ? null : optionalNumber(
        request,
        "daily_usd",
        { min: 0, max: 1e6, fallback: undefined },
      );
      if (dailyUsd === undefined) {
        throw new BrokerError(
          `Invalid "daily_usd": a number of dollars, or null for no cap`,
          "invalid",
        );
      }
      return broker.requestControl(agent, {
        action,
        "daily_usd": dailyUsd,
      });
    },
    "list_agents": async () => ({ agents: await broker.listAgents() }),
    "add_agent": async ({ request }) => {
      const name = requireString(request, "name", 64);
      await broker.addAgent(name);
      return { name, ...(await options.onAddAgent?.(name)) };
    },
  };
}
