/**
 * @module The agent's control routes (SPEC §6): `/api/state`, model, new session, compact,
 * cancel, operator messages, loose ends and the inbox, and login (§9). Handlers validate at the
 * top and call the turn loop's small command surface; errors go to the app's one boundary.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AgentState } from "../turn/agent_state.ts";
import type { Broker } from "../broker/broker.ts";
import { isValidModelName } from "../turn/model_setting.ts";
import type { CredentialStore } from "../claude/credentials.ts";
import type { LiveEvent } from "../wire/events.ts";
import type { LoginFlow } from "../claude/login_flow.ts";
import type { ModelSetting } from "../turn/model_setting.ts";
import type { StoreHealth } from "../sqlite/store_health.ts";
import type { ClaudeSnapshot } from "../turn/claude_runner.ts";
import { readJsonObject, requireId, requireString } from "./json_body.ts";
import { settleWithin, TIMED_OUT } from "../timeout.ts";

/** The turn loop's commands the routes call. */
export interface TurnCommands {
  requestNewSession(): void;
  requestCompact(): boolean;
  cancel(): boolean;
  credentialsChanged(): void;
}

/** What the control routes need. */
export interface ApiRoutesDeps {
  agent: string;
  role: string;
  version: string;
  currentSeq: () => number;
  state: AgentState;
  model: ModelSetting;
  loop: TurnCommands;
  broker: Broker;
  credentials: CredentialStore;
  login: LoginFlow;
  health: StoreHealth;
  /** The agent's `set_status` text, or null. */
  statusText: () => string | null;
  /** The claude serving the agent (`/api/state.claude`): pid, warm, started_at, turns, rss_bytes. */
  claude?: () => ClaudeSnapshot | null;
  emit: (event: LiveEvent) => unknown;
  /** How long a broker call may take before the route answers without it. */
  brokerTimeoutMs?: number;
}

/** Routes under `/api`. */
export function createApiRoutes(deps: ApiRoutesDeps): Hono {
  const app = new Hono();
  const timeoutMs = deps.brokerTimeoutMs ?? 2000;
  const askBroker = <T>(call: () => Promise<T>) =>
    withTimeout(call(), timeoutMs);

  app.get("/api/state", async (c) => {
    // seq first: a live event with a higher seq is not yet in this snapshot (SPEC §6).
    const seq = deps.currentSeq();
    const snapshot = deps.state.snapshot();
    const [unread, inbox] = await Promise.all([
      askBroker(() => deps.broker.inboxDepth(deps.agent)).catch(() => null),
      askBroker(() => deps.broker.recent(deps.agent, 20)).catch(() => null),
    ]);
    const login = deps.login.state;
    return c.json({
      seq,
      agent: deps.agent,
      role: deps.role,
      status: snapshot.status,
      status_detail: snapshot.status_detail,
      rate_limited_until: snapshot.rate_limited_until,
      status_text: deps.statusText(),
      turn_state: snapshot.turn_state,
      since_unix: snapshot.since_unix,
      model: deps.model.current,
      last_usage: snapshot.last_usage,
      context_window_tokens: snapshot.context_window_tokens,
      // The wake-up under way is still undelivered in the inbox, but it is not waiting.
      unread: unread === null
        ? snapshot.unread
        : Math.max(0, unread - deps.state.messagesInTurn),
      inbox: inbox ?? [],
      broker_ok: unread !== null,
      current_wake: snapshot.current_wake,
      login: { ...login, credential: deps.credentials.kind() },
      stores: deps.health.report(),
      claude: deps.claude?.() ?? null,
      version: deps.version,
    });
  });

  app.post("/api/model", async (c) => {
    const model = requireString(await readJsonObject(c), "model", 100).trim();
    if (!isValidModelName(model)) {
      throw new HTTPException(400, { message: "model: not a model name" });
    }
    if (deps.model.set(model)) deps.emit({ kind: "model_changed", model });
    return c.json({ ok: true, model });
  });

  app.post("/api/new-session", async (c) => {
    await readJsonObject(c);
    deps.loop.requestNewSession();
    return c.json({ ok: true });
  });

  app.post("/api/compact", async (c) => {
    await readJsonObject(c);
    if (!deps.loop.requestCompact()) {
      throw new HTTPException(409, {
        message: "a turn is running: compact when idle",
      });
    }
    return c.json({ ok: true });
  });

  app.post("/api/cancel", async (c) => {
    await readJsonObject(c);
    if (!deps.loop.cancel()) {
      throw new HTTPException(409, { message: "no turn is running" });
    }
    return c.json({ ok: true });
  });

  app.post("/api/send", async (c) => {
    const body = requireString(await readJsonObject(c), "body");
    const { id } = await deps.broker.send("operator", deps.agent, body);
    return c.json({ ok: true, id });
  });

  app.get("/api/inbox", async (c) => {
    const limit = c.req.query("limit") === undefined
      ? 50
      : requireId(c.req.query("limit"), "limit");
    if (limit > 500) {
      throw new HTTPException(400, { message: "limit: at most 500" });
    }
    return c.json({
      messages: await askBroker(() => deps.broker.recent(deps.agent, limit)),
    });
  });

  app.get(
    "/api/loose-ends",
    async (c) =>
      c.json(await askBroker(() => deps.broker.looseEnds(deps.agent))),
  );

  app.post("/api/questions/:id/answer", async (c) => {
    const id = requireId(c.req.param("id"), "id");
    const answer = requireString(await readJsonObject(c), "answer");
    await deps.broker.answerQuestion(id, answer);
    return c.json({ ok: true });
  });

  app.post("/api/loose-ends/cancel", async (c) => {
    const body = await readJsonObject(c);
    const kind = body.kind;
    if (kind !== "question" && kind !== "reminder") {
      throw new HTTPException(400, { message: "kind: question or reminder" });
    }
    await deps.broker.cancelLooseEnd(
      deps.agent,
      kind,
      requireId(body.id, "id"),
    );
    return c.json({ ok: true });
  });

  app.post("/api/login", async (c) => {
    const token = requireString(await readJsonObject(c), "token", 4096);
    let kind: string;
    try {
      kind = await deps.credentials.save(token);
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError) {
        throw new HTTPException(400, { message: `token: ${error.message}` });
      }
      throw error;
    }
    deps.loop.credentialsChanged();
    return c.json({ ok: true, kind });
  });

  app.post("/api/login/start", async (c) => {
    await readJsonObject(c);
    const state = await deps.login.start();
    if (state.phase === "finished" && !state.ok) {
      throw new HTTPException(502, { message: state.message });
    }
    if (deps.state.status === "needs_login_idle") {
      deps.state.setStatus("needs_login_in_progress");
    }
    return c.json({ ok: true, ...state });
  });

  app.post("/api/login/code", async (c) => {
    const code = requireString(await readJsonObject(c), "code", 4096);
    // The flow ends on its own and the harness pokes the loop then; the next turn proves it.
    await deps.login.submitCode(code);
    return c.json({ ok: true });
  });

  return app;
}

/** Reject when `promise` takes longer than `ms` (a dead broker must not hang a route). */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T> {
  const settled = await settleWithin(promise, ms);
  if (settled === TIMED_OUT) throw new BrokerTimeoutError(ms);
  return settled;
}

/** The broker did not answer in time. */
export class BrokerTimeoutError extends Error {
  constructor(ms: number) {
    super(`Cannot reach the broker: no answer within ${ms} ms`);
    this.name = "BrokerTimeoutError";
  }
}
