/**
 * @module The live event vocabulary (SPEC §5): every kind the harness emits, its fields, and the
 * envelope `{seq, kind, ...fields}` that goes over SSE and into the events table. One place, so a
 * new kind cannot be added without its serializer, its guard and its round-trip test noticing.
 * Like all of `wire/`, it imports nothing: the page bundles it as it is.
 */

/** Token counters of one inference or one turn. */
export interface TokenUsage {
  "input_tokens": number;
  "output_tokens": number;
  "cache_read_input_tokens": number;
  "cache_creation_input_tokens": number;
}

/** The turn loop's state. */
export type TurnState = "idle" | "thinking" | "compacting";

/** The agent's reachability. */
export type AgentStatus =
  | "online"
  | "needs_login_idle"
  | "needs_login_in_progress"
  | "rate_limited"
  | "claude_missing"
  | "paused"
  | "over_budget";

/** A stream-json object from claude's stdout, kept as the object it was. */
export type StreamObject = Record<string, unknown>;

/** One event, before the bus stamps its seq. */
export type LiveEvent =
  | { kind: "turn_start"; from: string; body: string; unread: number }
  | ({ kind: "stream" } & StreamObject)
  | { kind: "note"; text: string }
  | { kind: "turn_end"; ok: boolean; note: string | null }
  | { kind: "status_changed"; status: AgentStatus }
  | { kind: "model_changed"; model: string }
  | { kind: "token_usage_changed"; usage: TokenUsage }
  | { kind: "turn_state_changed"; state: TurnState; since_unix: number }
  | { kind: "turn_stats_recorded"; row: Record<string, unknown> };

/**
 * Every kind of {@linkcode LiveEvent}, in SPEC order: the vocabulary as one list. No code path
 * needs it at run time; it stays as the checklist an added kind must pass: the type check below
 * fails when a `LiveEvent` kind is missing here, and `test/wire/events_test.ts` pins the list to
 * the documented protocol.
 */
export const EVENT_KINDS = [
  "turn_start",
  "stream",
  "note",
  "turn_end",
  "status_changed",
  "model_changed",
  "token_usage_changed",
  "turn_state_changed",
  "turn_stats_recorded",
] as const;

/** The name of an event kind. */
export type EventKind = (typeof EVENT_KINDS)[number];

// Compile-time: every LiveEvent kind is listed in EVENT_KINDS, and nothing else is.
const _everyKindListed: [
  Exclude<LiveEvent["kind"], EventKind> | Exclude<EventKind, LiveEvent["kind"]>,
] extends [never] ? true : never = true;

/** An event with its seq: what SSE sends and the events table keeps. */
export type BusEvent = LiveEvent & { seq: number };

/**
 * How many events are kept (SPEC §3, §6): the events table holds the newest this many, the
 * bus's replay ring as many, `/events/history` returns at most this many, and the page asks for
 * as many at load.
 */
export const EVENTS_KEPT = 2000;

/** Notes longer than this are cut, so one runaway line cannot flood the page. */
export const NOTE_LIMIT_BYTES = 4096;

/**
 * Wrap a stream-json object as a `stream` event. A `seq` or `kind` of the object's own would
 * collide with the envelope, so they are kept as `stream_seq` / `stream_kind`.
 */
export function streamEvent(object: StreamObject): LiveEvent {
  const { seq, kind, ...rest } = object;
  const event: Record<string, unknown> = { kind: "stream", ...rest };
  if (seq !== undefined) event.stream_seq = seq;
  if (kind !== undefined) event.stream_kind = kind;
  return event as LiveEvent;
}

/** Cut `text` to at most `limitBytes` of UTF-8, marking the cut. */
export function cutText(text: string, limitBytes: number): string {
  if (text.length <= limitBytes / 4) return text;
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= limitBytes) return text;
  const kept = new TextDecoder().decode(bytes.subarray(0, limitBytes)).replace(
    /\uFFFD$/,
    "",
  );
  return `${kept}… [cut: ${bytes.length} bytes]`;
}

/**
 * The largest token figure taken as real: far beyond any turn (a million-token context read a
 * thousand times), small enough that sums and averages stay exact integers.
 */
export const MAX_TOKEN_FIGURE = 1_000_000_000;

const TOKEN_KEYS = [
  "input_tokens",
  "output_tokens",
  "cache_read_input_tokens",
  "cache_creation_input_tokens",
] as const;

/** Whether `n` can be a token count: a whole number from 0 to {@linkcode MAX_TOKEN_FIGURE}. */
export function isTokenFigure(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 &&
    n <= MAX_TOKEN_FIGURE;
}

/**
 * Usage with every counter present, read from an unknown `usage` value: a missing figure is 0,
 * and so is one that cannot be a token count (negative, fractional, huge), so a bad line can
 * never poison a sum ({@linkcode badTokenFigures} names them).
 */
export function readTokenUsage(value: unknown): TokenUsage {
  const usage = isRecord(value) ? value : {};
  const count = (key: string) => {
    const n = usage[key];
    return isTokenFigure(n) ? n : 0;
  };
  return {
    input_tokens: count("input_tokens"),
    output_tokens: count("output_tokens"),
    cache_read_input_tokens: count("cache_read_input_tokens"),
    cache_creation_input_tokens: count("cache_creation_input_tokens"),
  };
}

/** The figures of a `usage` value that are present but cannot be token counts, as `key=value`. */
export function badTokenFigures(value: unknown): string[] {
  if (!isRecord(value)) return [];
  return TOKEN_KEYS.filter((key) =>
    value[key] !== undefined && value[key] !== null &&
    !isTokenFigure(value[key])
  ).map((key) => `${key}=${JSON.stringify(value[key])?.slice(0, 40)}`);
}

/** Whether `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
