/**
 * @module The harness's live state as `/api/state` shows it and the page mirrors it: status,
 * turn state and since-when, the context gauge, unread count. Every change goes through here so
 * it is emitted as its event (`status_changed`, `turn_state_changed`, …) exactly when it changes.
 */
import type {
  AgentStatus,
  LiveEvent,
  TokenUsage,
  TurnState,
} from "../wire/events.ts";
import { DEFAULT_CONTEXT_WINDOW } from "./turn_observer.ts";

/** Anything that takes events (the bus). */
export interface EventSink {
  emit(event: LiveEvent): unknown;
}

/** A snapshot of the live state. */
export interface AgentStateSnapshot {
  status: AgentStatus;
  /** Why the status is what it is (the rate-limit text, the missing path), or null. */
  "status_detail": string | null;
  "rate_limited_until": number | null;
  "turn_state": TurnState;
  "since_unix": number;
  "last_usage": TokenUsage | null;
  "context_window_tokens": number;
  unread: number;
  /** The wake-up being worked on, if any. */
  "current_wake": { from: string; body: string } | null;
}

/** Holds the live state and emits its changes. */
export class AgentState {
  #sink: EventSink;
  #now: () => number;
  #status: AgentStatus = "online";
  #statusDetail: string | null = null;
  #rateLimitedUntil: number | null = null;
  #turnState: TurnState = "idle";
  #since: number;
  #lastUsage: TokenUsage | null = null;
  #contextWindow = DEFAULT_CONTEXT_WINDOW;
  #unread = 0;
  #messagesInTurn = 0;
  #currentWake: { from: string; body: string } | null = null;

  constructor(sink: EventSink, now: () => number = Date.now) {
    this.#sink = sink;
    this.#now = now;
    this.#since = Math.floor(now() / 1000);
  }

  get status(): AgentStatus {
    return this.#status;
  }

  get turnState(): TurnState {
    return this.#turnState;
  }

  get rateLimitedUntil(): number | null {
    return this.#rateLimitedUntil;
  }

  /** Change the status; emits `status_changed` only when it differs. */
  setStatus(
    status: AgentStatus,
    detail: string | null = null,
    rateLimitedUntil: number | null = null,
  ): void {
    this.#statusDetail = detail;
    this.#rateLimitedUntil = status === "rate_limited"
      ? rateLimitedUntil
      : null;
    if (status === this.#status) return;
    this.#status = status;
    this.#sink.emit({ kind: "status_changed", status });
  }

  /** Change the turn state; emits `turn_state_changed` with its since-time when it differs. */
  setTurnState(state: TurnState): void {
    if (state === this.#turnState) return;
    this.#turnState = state;
    this.#since = Math.floor(this.#now() / 1000);
    this.#sink.emit({
      kind: "turn_state_changed",
      state,
      since_unix: this.#since,
    });
  }

  /** Record the context gauge and the turn's usage after a turn. */
  setUsage(
    turnUsage: TokenUsage,
    contextUsage: TokenUsage | null,
    contextWindow: number,
  ): void {
    if (contextUsage !== null) this.#lastUsage = contextUsage;
    this.#contextWindow = contextWindow;
    this.#sink.emit({
      kind: "token_usage_changed",
      usage: turnUsage,
      context_usage: this.#lastUsage,
      context_window_tokens: contextWindow,
    } as LiveEvent);
  }

  /** How many undelivered inbox messages the turn under way is working on (not unread). */
  get messagesInTurn(): number {
    return this.#messagesInTurn;
  }

  setMessagesInTurn(count: number): void {
    this.#messagesInTurn = count;
  }

  setUnread(unread: number): void {
    this.#unread = unread;
  }

  setCurrentWake(wake: { from: string; body: string } | null): void {
    this.#currentWake = wake;
  }

  /** The state for `/api/state`. */
  snapshot(): AgentStateSnapshot {
    return {
      status: this.#status,
      status_detail: this.#statusDetail,
      rate_limited_until: this.#rateLimitedUntil,
      turn_state: this.#turnState,
      since_unix: this.#since,
      last_usage: this.#lastUsage,
      context_window_tokens: this.#contextWindow,
      unread: this.#unread,
      current_wake: this.#currentWake,
    };
  }
}
