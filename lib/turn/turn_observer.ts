/**
 * @module What the harness learns from claude's stream-json while a turn runs: tool calls per
 * tool, the terminal `result` line, the last real inference's usage (the context gauge), the
 * context window, and the signals the loop acts on (not logged in, a usage limit, a failed
 * compact, an MCP server that did not connect). Fed one parsed object at a time by the pump.
 */
import {
  badTokenFigures,
  isRecord,
  readTokenUsage,
  type TokenUsage,
} from "../wire/events.ts";
import { isCostFigure } from "./turn_cost.ts";
import type { InvocationObservations } from "../stats/turn_stats_row.ts";

/** Used when `result.modelUsage` names no window. */
export const DEFAULT_CONTEXT_WINDOW = 200_000;

/** A signal the turn loop reacts to. */
export type TurnSignal =
  | { kind: "login_required"; text: string }
  | { kind: "rate_limited"; text: string; resetAtUnix: number | null }
  | { kind: "mcp_not_connected"; server: string; status: string }
  | { kind: "context_usage"; usage: TokenUsage };

const NOT_LOGGED_IN =
  /not logged in|authentication_failed|invalid api key|please run \/login|oauth token (has )?expired/i;
const USAGE_LIMIT =
  /usage limit|limit reached|rate limit|rate_limit|\b429\b|hit your limit/i;

/** Collects what a turn's stream says. */
export class TurnObserver implements InvocationObservations {
  /** Tool calls by tool name, counted from `tool_use` blocks. */
  readonly toolCalls = new Map<string, number>();
  /** The terminal `result` line, once seen. */
  result: Record<string, unknown> | null = null;
  /** Usage of the last real (non-synthetic) assistant inference. */
  lastUsage: TokenUsage | null = null;
  /** The first API error text claude reported, if any. */
  apiErrorText: string | null = null;
  /** A compact turn that claude said failed. */
  compactFailed = false;
  sessionId: string | null = null;
  #lastMessageId: string | null = null;
  /** The CLI says "Not logged in" on its assistant line and again on its result line: one signal. */
  #loginSignalled = false;

  /** Look at one stream-json object; returns the signals it carries. */
  observe(line: Record<string, unknown>): TurnSignal[] {
    const signals: TurnSignal[] = [];
    if (typeof line.session_id === "string") this.sessionId = line.session_id;
    switch (line.type) {
      case "assistant":
        this.#observeAssistant(line, signals);
        break;
      case "result":
        this.result = line;
        if (line.is_error === true) {
          this.#observeErrorText(stringOf(line.result), line, signals);
        }
        break;
      case "system":
        this.#observeSystem(line, signals);
        break;
      case "rate_limit_event":
        this.#observeRateLimitEvent(line, signals);
        break;
    }
    return signals;
  }

  /** Tool calls as the row's breakdown: `{"Bash": 3}`. */
  toolBreakdown(): Record<string, number> {
    return Object.fromEntries(
      [...this.toolCalls].sort(([a], [b]) => a.localeCompare(b)),
    );
  }

  /** Sum of tool calls. */
  toolCallCount(): number {
    let total = 0;
    for (const count of this.toolCalls.values()) total += count;
    return total;
  }

  /** The turn's token usage: the result line's totals (0 where absent or not a count). */
  totalUsage(): TokenUsage {
    return readTokenUsage(this.result?.usage);
  }

  /** The result line's figures that cannot be real, said in words; null when all are fine. */
  figuresNote(): string | null {
    const bad = badTokenFigures(this.result?.usage);
    const turns = this.result?.num_turns;
    if (
      turns !== undefined && turns !== null &&
      !(Number.isSafeInteger(turns) && (turns as number) >= 0)
    ) bad.push(`num_turns=${JSON.stringify(turns)?.slice(0, 40)}`);
    const cost = this.result?.total_cost_usd;
    if (cost !== undefined && cost !== null && !isCostFigure(cost)) {
      bad.push(`total_cost_usd=${JSON.stringify(cost)?.slice(0, 40)}`);
    }
    return bad.length === 0
      ? null
      : `claude reported figures that cannot be real, kept out of the counters: ${
        bad.join(", ")
      }`;
  }

  /** The context window from `result.modelUsage.*.contextWindow`, else 200k. */
  contextWindow(): number {
    const modelUsage = this.result?.modelUsage;
    if (isRecord(modelUsage)) {
      for (const entry of Object.values(modelUsage)) {
        if (
          isRecord(entry) && typeof entry.contextWindow === "number" &&
          entry.contextWindow > 0
        ) {
          return entry.contextWindow;
        }
      }
    }
    return DEFAULT_CONTEXT_WINDOW;
  }

  #observeAssistant(
    line: Record<string, unknown>,
    signals: TurnSignal[],
  ): void {
    const message = isRecord(line.message) ? line.message : {};
    const content = Array.isArray(message.content) ? message.content : [];
    for (const block of content) {
      if (!isRecord(block) || block.type !== "tool_use") continue;
      const name = typeof block.name === "string" && block.name !== ""
        ? block.name
        : "<unnamed>";
      this.toolCalls.set(name, (this.toolCalls.get(name) ?? 0) + 1);
    }
    const synthetic = message.model === "<synthetic>";
    if (
      line.error !== undefined || line.is_api_error_message === true ||
      synthetic
    ) {
      const text = content.map((block) =>
        isRecord(block) ? stringOf(block.text) ?? "" : ""
      ).join(" ").trim();
      this.#observeErrorText(text || stringOf(line.error), line, signals);
      return;
    }
    // The CLI prints one line per content block, each repeating the message's usage: read it,
    // never sum it.
    // A sub-agent's inference (parent_tool_use_id set) has its own context, not the agent's.
    const subAgent = typeof line.parent_tool_use_id === "string";
    if (isRecord(message.usage) && !subAgent) {
      const usage = readTokenUsage(message.usage);
      const id = stringOf(message.id);
      this.lastUsage = usage;
      if (id === null || id !== this.#lastMessageId) {
        signals.push({ kind: "context_usage", usage });
      }
      this.#lastMessageId = id;
    }
  }

  #observeErrorText(
    text: string | null,
    line: Record<string, unknown>,
    signals: TurnSignal[],
  ): void {
    if (text === null || text === "") return;
    this.apiErrorText ??= text;
    const errorCode = stringOf(line.error) ?? "";
    if (errorCode === "authentication_failed" || NOT_LOGGED_IN.test(text)) {
      if (this.#loginSignalled) return;
      this.#loginSignalled = true;
      signals.push({ kind: "login_required", text });
    } else if (
      errorCode === "rate_limit" || line.api_error_status === 429 ||
      USAGE_LIMIT.test(text)
    ) {
      signals.push({
        kind: "rate_limited",
        text,
        resetAtUnix: parseResetTime(text),
      });
    }
  }

  #observeSystem(line: Record<string, unknown>, signals: TurnSignal[]): void {
    if (
      line.compact_result === "failed" ||
      (isRecord(line.compact_metadata) &&
        line.compact_metadata.result === "failed")
    ) {
      this.compactFailed = true;
    }
    if (line.subtype === "init" && Array.isArray(line.mcp_servers)) {
      for (const server of line.mcp_servers) {
        if (!isRecord(server)) continue;
        const status = stringOf(server.status) ?? "unknown";
        if (status !== "connected") {
          signals.push({
            kind: "mcp_not_connected",
            server: stringOf(server.name) ?? "?",
            status,
          });
        }
      }
    }
  }

  #observeRateLimitEvent(
    line: Record<string, unknown>,
    signals: TurnSignal[],
  ): void {
    const info = isRecord(line.rate_limit_info) ? line.rate_limit_info : {};
    if (info.status !== "rejected") return;
    const resetsAt = typeof info.resetsAt === "number" ? info.resetsAt : null;
    signals.push({
      kind: "rate_limited",
      text: "usage limit reached",
      resetAtUnix: resetsAt,
    });
  }
}

/**
 * The reset time a usage-limit message names, as unix seconds: the legacy
 * `Claude AI usage limit reached|1700000000` form or an ISO time; null when none is given.
 */
export function parseResetTime(text: string): number | null {
  const epoch = /\|(\d{10})\b/.exec(text) ??
    /resets?(?: at)?\s+(\d{10})\b/i.exec(text);
  if (epoch) return Number(epoch[1]);
  const iso =
    /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))/
      .exec(text);
  if (iso) {
    const ms = Date.parse(iso[1]!);
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
  }
  return null;
}

function stringOf(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
