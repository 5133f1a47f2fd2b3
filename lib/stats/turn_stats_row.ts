/**
 * @module The turn-stats row (SPEC §7), in one place: its shape, the rule that turns a finished
 * turn into `result_kind` and `note` ({@linkcode classifyTurn}), the builder that turns one
 * observed claude invocation into its row ({@linkcode buildTurnRow}), and the row of a turn the
 * harness died in ({@linkcode restartRow}). The turn loop and the turn-stats store build rows
 * only through these; reports read them. Kept apart from the store so building a row never
 * needs a database.
 */
import type { TokenUsage } from "../wire/events.ts";

/** The note of a turn the operator cancelled. */
export const CANCELLED_NOTE = "cancelled by operator";

/** The outcome class of a turn. */
export type ResultKind = "ok" | "failed" | "prompt_too_long";

/** One row of `turn_stats`, as written (no `id` yet). */
export interface TurnStatsRow {
  agent: string;
  role: string;
  model: string;
  "wake_from": string;
  "result_kind": ResultKind;
  "started_at": number;
  "ended_at": number;
  "duration_ms": number;
  "input_tokens": number;
  "output_tokens": number;
  "cache_read_input_tokens": number;
  "cache_creation_input_tokens": number;
  "last_input_tokens": number | null;
  "last_output_tokens": number | null;
  "last_cache_read_input_tokens": number | null;
  "last_cache_creation_input_tokens": number | null;
  "cost_usd": number | null;
  "num_turns": number | null;
  "session_id": string | null;
  "tool_call_count": number;
  /** JSON object text, `{}` when no tools ran. */
  "tool_call_breakdown_json": string;
  "open_threads_count": number | null;
  "open_reminders_count": number | null;
  note: string | null;
}

/** A stored row, with its id. */
export interface StoredTurnStatsRow extends TurnStatsRow {
  id: number;
}

/** What is known of a turn when it starts: enough to record it if the harness dies. */
export type TurnStart = Pick<
  TurnStatsRow,
  "agent" | "role" | "model" | "wake_from" | "started_at"
>;

/** What the turn loop knows when claude has exited. */
export interface TurnEnding {
  /** Exit code, or null when killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  /** The terminal `result` line, when claude printed one. */
  result: Record<string, unknown> | null;
  /** An API error text seen on the way (assistant error lines), if any. */
  apiErrorText: string | null;
  cancelled: boolean;
  /** A compact turn whose `system` line said `compact_result: "failed"`. */
  compactFailed: boolean;
  /** Why claude could not even start (missing binary), if so. */
  spawnError: string | null;
  /** Why a warm claude was given up under this turn (it died, hung, printed garbage), if so. */
  fault?: string | null;
}

/** A turn's ending before anything is known: the runners fill it in as claude runs. */
export function openEnding(): TurnEnding {
  return {
    exitCode: null,
    signal: null,
    result: null,
    apiErrorText: null,
    cancelled: false,
    compactFailed: false,
    spawnError: null,
  };
}

const PROMPT_TOO_LONG = /prompt is too long/i;

/**
 * What a result line says: its `result` text, else its `errors` (an error subtype such as
 * `error_max_budget_usd` carries `errors: ["Reached maximum budget ($0.025)"]` and no `result`).
 */
function resultTextOf(result: Record<string, unknown> | null): string | null {
  if (typeof result?.result === "string") return result.result;
  const errors = Array.isArray(result?.errors)
    ? result.errors.filter((error) => typeof error === "string" && error !== "")
    : [];
  return errors.length > 0 ? errors.join("; ") : null;
}

/** Classify a turn by SPEC §7's rules: `ok` only on exit 0 with a non-error result line. */
export function classifyTurn(
  ending: TurnEnding,
): { result_kind: ResultKind; note: string | null } {
  const resultText = resultTextOf(ending.result);
  const isError = ending.result?.is_error === true;
  // A cancelled turn is the operator's doing, whatever claude printed on its way out (SPEC §6).
  if (ending.cancelled) {
    return { result_kind: "failed", note: CANCELLED_NOTE };
  }
  if (ending.spawnError !== null) {
    return { result_kind: "failed", note: ending.spawnError };
  }
  if (ending.fault) return { result_kind: "failed", note: ending.fault };
  // prompt_too_long is a kind of failure: an ok turn may quote the phrase in its answer.
  const ok = ending.exitCode === 0 && ending.result?.is_error === false &&
    !ending.compactFailed;
  const tooLong = [resultText, ending.apiErrorText].find((text) =>
    text !== null && PROMPT_TOO_LONG.test(text)
  );
  if (!ok && tooLong) return { result_kind: "prompt_too_long", note: tooLong };
  if (ending.compactFailed) {
    return {
      result_kind: "failed",
      note: `compact failed${resultText ? `: ${resultText}` : ""}`,
    };
  }
  if (ending.result === null) {
    const how = ending.signal
      ? `killed by ${ending.signal}`
      : `exited ${ending.exitCode}`;
    return {
      result_kind: "failed",
      note: `claude ${how} without a result line`,
    };
  }
  if (isError) {
    return {
      result_kind: "failed",
      note: resultText ?? ending.apiErrorText ?? "claude reported an error",
    };
  }
  if (ending.result.is_error !== false) {
    return {
      result_kind: "failed",
      note: "claude's result line has no is_error: false",
    };
  }
  if (ending.exitCode !== 0) {
    const how = ending.signal
      ? `killed by ${ending.signal}`
      : `exited ${ending.exitCode}`;
    return { result_kind: "failed", note: `claude ${how}` };
  }
  return { result_kind: "ok", note: null };
}

/**
 * What the turn observer collected from one invocation's stream; `TurnObserver` is one. Declared
 * here, by the builder that reads it, so the stats family needs nothing from the turn family.
 */
export interface InvocationObservations {
  /** Usage of the last real inference (the context size), if any. */
  readonly lastUsage: TokenUsage | null;
  /** The last `session_id` the stream named. */
  readonly sessionId: string | null;
  /** The turn's token usage from the result line, 0 where absent. */
  totalUsage(): TokenUsage;
  /** Sum of tool calls. */
  toolCallCount(): number;
  /** Tool calls by name, `{"Bash": 3}`. */
  toolBreakdown(): Record<string, number>;
  /** What was wrong with the result line's figures (kept out of the counters), or null. */
  figuresNote?(): string | null;
}

/** One finished claude invocation, as {@linkcode buildTurnRow} turns it into a row. */
export interface ObservedInvocation {
  /** Who ran it, with what model, woken by whom, and when (unix seconds). */
  start: TurnStart;
  /** When it ended, unix seconds. */
  endedAt: number;
  /** How long it ran by the monotonic clock. */
  durationMs: number;
  /** How claude ended. */
  ending: TurnEnding;
  observed: InvocationObservations;
  /**
   * This turn's cost: the result line's `total_cost_usd` runs on over the session (across warm
   * turns and `--continue`), so the runner subtracts what came before; null when unknown.
   */
  costUsd: number | null;
  /** Asked of the broker after the turn; null when it did not answer in time (never a made-up 0). */
  openThreads: number | null;
  openReminders: number | null;
}

/** The row of one finished invocation (SPEC §7). */
export function buildTurnRow(invocation: ObservedInvocation): TurnStatsRow {
  const { start, ending, observed } = invocation;
  const { result_kind: resultKind, note } = classifyTurn(ending);
  const last = observed.lastUsage;
  // Written out in table order: the page and the SSE feed see the keys in this order.
  return {
    agent: start.agent,
    role: start.role,
    model: start.model,
    "wake_from": start.wake_from,
    "result_kind": resultKind,
    "started_at": start.started_at,
    "ended_at": invocation.endedAt,
    "duration_ms": Math.round(invocation.durationMs),
    ...observed.totalUsage(),
    "last_input_tokens": last?.input_tokens ?? null,
    "last_output_tokens": last?.output_tokens ?? null,
    "last_cache_read_input_tokens": last?.cache_read_input_tokens ?? null,
    "last_cache_creation_input_tokens": last?.cache_creation_input_tokens ??
      null,
    "cost_usd": invocation.costUsd,
    "num_turns": countOrNull(ending.result?.num_turns),
    // The result line's id is the one `--continue` resumes; earlier lines may name another.
    "session_id": typeof ending.result?.session_id === "string"
      ? ending.result.session_id
      : observed.sessionId,
    "tool_call_count": observed.toolCallCount(),
    "tool_call_breakdown_json": JSON.stringify(observed.toolBreakdown()),
    "open_threads_count": invocation.openThreads,
    "open_reminders_count": invocation.openReminders,
    // A figure that cannot be real is counted as 0 and said here, never summed.
    note: joinNotes(note, observed.figuresNote?.() ?? null),
  };
}

function joinNotes(first: string | null, second: string | null): string | null {
  return first === null
    ? second
    : second === null
    ? first
    : `${first}; ${second}`;
}

/** The note of a turn found unfinished at start (SPEC §7). */
export const RESTART_NOTE = "harness restarted mid-turn";

/** The row of a turn that was under way when the harness died, recorded at the next start. */
export function restartRow(start: TurnStart, endedAt: number): TurnStatsRow {
  // How long it ran is unknown: 0 rather than the downtime, which would swamp the percentiles.
  return {
    ...start,
    "result_kind": "failed",
    "ended_at": endedAt,
    "duration_ms": 0,
    "input_tokens": 0,
    "output_tokens": 0,
    "cache_read_input_tokens": 0,
    "cache_creation_input_tokens": 0,
    "last_input_tokens": null,
    "last_output_tokens": null,
    "last_cache_read_input_tokens": null,
    "last_cache_creation_input_tokens": null,
    "cost_usd": null,
    "num_turns": null,
    "session_id": null,
    "tool_call_count": 0,
    "tool_call_breakdown_json": "{}",
    "open_threads_count": null,
    "open_reminders_count": null,
    note: RESTART_NOTE,
  };
}

function countOrNull(value: unknown): number | null {
  return Number.isSafeInteger(value) && (value as number) >= 0
    ? value as number
    : null;
}
