/**
 * @module The turn-stats row (SPEC §7): its shape, and the rule that turns a finished turn into
 * `result_kind` and `note`. The turn loop builds rows with this; the turn-stats store writes them;
 * reports read them. Kept apart from the store so building a row never needs a database.
 */

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
}

const PROMPT_TOO_LONG = /prompt is too long/i;

/** Classify a turn by SPEC §7's rules: `ok` only on exit 0 with a non-error result line. */
export function classifyTurn(
  ending: TurnEnding,
): { result_kind: ResultKind; note: string | null } {
  const resultText = typeof ending.result?.result === "string"
    ? ending.result.result
    : null;
  const isError = ending.result?.is_error === true;
  // A cancelled turn is the operator's doing, whatever claude printed on its way out (SPEC §6).
  if (ending.cancelled) {
    return { result_kind: "failed", note: "cancelled by operator" };
  }
  if (ending.spawnError !== null) {
    return { result_kind: "failed", note: ending.spawnError };
  }
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
