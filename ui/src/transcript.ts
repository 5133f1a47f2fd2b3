/**
 * @module The live transcript as rows for a person: events in, rows out. A wake-up, each
 * assistant block (text, folded thinking, a tool call that its result joins by id), API retries
 * and errors, harness notes, and one turn-end row that gathers the result line, `turn_end` and
 * the turn-stats row. Pure and DOM-free, so it is tested in Deno and the view only draws rows.
 * The CLI's bookkeeping lines become sentences or nothing (`stream_words.ts`); rows a refusal
 * fallback withdraws (`retracted_message_uuids`, `supersedes`) are dropped. Memory is bounded: past
 * `cap` rows the oldest go.
 */
import {
  isRecord,
  readTokenUsage,
  type TokenUsage,
} from "../../lib/wire/events.ts";
import { compactJson } from "./format.ts";
import {
  commandEchoWords,
  isCompactSummary,
  rateLimitWords,
  statusChangeWords,
  systemWords,
  unknownWords,
  type Words,
} from "./stream_words.ts";

/** A tool's answer, as a person reads it. */
export interface ToolResult {
  text: string;
  isError: boolean;
}

interface RowBase {
  /** Stable across renders: the event's seq, plus the block index when one event makes many. */
  key: string;
  seq: number;
}

/** One thing that happened, ready to draw. */
export type Row =
  | RowBase & {
    type: "wake";
    from: string;
    body: string;
    unread: number;
    atUnix: number | null;
  }
  | RowBase & { type: "text"; text: string }
  | RowBase & { type: "user"; text: string }
  | RowBase & { type: "thinking"; text: string }
  | RowBase & { type: "context_summary"; text: string }
  | RowBase & {
    type: "tool";
    id: string;
    name: string;
    input: unknown;
    result: ToolResult | null;
    /** When the page saw the call and its result (its own clock, ms); null when it came in history. */
    startedMs: number | null;
    endedMs: number | null;
  }
  | RowBase & {
    type: "retry";
    attempt: number | null;
    maxRetries: number | null;
    delayMs: number | null;
    status: number | null;
    error: string;
  }
  | RowBase & { type: "api_error"; text: string }
  | RowBase & { type: "note"; text: string }
  | RowBase & { type: "info"; text: string; tone: "warn" | "error" | null }
  | RowBase & {
    type: "session";
    model: string;
    version: string;
    tools: number;
    mcp: string[];
  }
  | RowBase & TurnEndFields & { type: "turn_end" }
  | RowBase & { type: "raw"; label: string; json: string }
  /** A row withdrawn after it was shown (a refusal fallback retracted its message). */
  | RowBase & { type: "hidden"; reason: string };

/** What a turn-end row knows, filled in as the result line, `turn_end` and the stats row come. */
export interface TurnEndFields {
  /** Null until the harness's `turn_end` or the result line says. */
  ok: boolean | null;
  note: string | null;
  durationMs: number | null;
  usage: TokenUsage | null;
  costUsd: number | null;
  numTurns: number | null;
  tools: Record<string, number>;
  resultKind: string | null;
  /** The operator cancelled the turn: it reads "cancelled", whatever `resultKind` says. */
  cancelled: boolean;
  /** The note repeats an error row of the same turn, so it is not shown twice. */
  noteShownAbove: boolean;
}

/** The type names of {@linkcode Row}. */
export type RowType = Row["type"];

/** The turn-stats note of a turn the harness died in (SPEC §7). */
const RESTART_NOTE = "harness restarted mid-turn";

/** The newest rows kept when no cap is given. */
export const DEFAULT_ROW_CAP = 3000;

/** The harness's note on a turn the operator stopped (SPEC §6), and the CLI's own words. */
const CANCEL_PATTERN = /cancelled by operator|interrupted by user/i;

/** Options for {@linkcode Transcript}. */
export interface TranscriptOptions {
  cap?: number;
  /** The page's clock, for tool timings. */
  now?: () => number;
}

/** Turns events into rows, keeping at most `cap` of them. */
export class Transcript {
  #rows: Row[] = [];
  /** Absolute position of rows[0]: positions stay valid while old rows are dropped. */
  #base = 0;
  #cap: number;
  #toolPositions = new Map<string, number>();
  #turnEndPosition: number | null = null;
  /** Whether the newest turn-end row still waits for its `turn_end` event. */
  #turnEndOpen = false;
  #turnTools = new Map<string, number>();
  #lastWakePosition: number | null = null;
  /** Error texts shown in the current turn, so its end does not repeat one. */
  #turnErrors = new Set<string>();
  /** Positions of the rows each stream line made, by the line's `uuid`, for retractions. */
  #uuidPositions = new Map<string, number[]>();
  #now: () => number;
  /** False while history loads: those calls were not timed by this page. */
  #timing = true;
  /** Bumped on every change, so a view knows when to draw. */
  version = 0;

  constructor(options: TranscriptOptions = {}) {
    this.#cap = Math.max(10, options.cap ?? DEFAULT_ROW_CAP);
    this.#now = options.now ?? Date.now;
  }

  /** The absolute position of `rows[0]`: rows dropped by the cap so far (0 again after clear). */
  get base(): number {
    return this.#base;
  }

  /** The rows, oldest first. Do not mutate. */
  get rows(): readonly Row[] {
    return this.#rows;
  }

  /** Forget everything (a reset reload). */
  clear(): void {
    this.#rows = [];
    this.#base = 0;
    this.#toolPositions.clear();
    this.#turnEndPosition = null;
    this.#turnEndOpen = false;
    this.#turnTools.clear();
    this.#lastWakePosition = null;
    this.#turnErrors.clear();
    this.#uuidPositions.clear();
    this.version++;
  }

  /** Take history events: calls in it that already ended show no time (the page did not see it). */
  applyHistory(events: readonly Record<string, unknown>[]): void {
    this.#timing = false;
    try {
      for (const event of events) this.apply(event);
    } finally {
      this.#timing = true;
    }
    // Calls still running were seen starting no later than now.
    const now = this.#now();
    this.#rows.forEach((row, index) => {
      if (
        row.type === "tool" && row.result === null && row.startedMs === null
      ) {
        this.#rows[index] = { ...row, startedMs: now };
      }
    });
  }

  /** Take one event (`{seq, kind, ...}`) into the rows. */
  apply(event: Record<string, unknown>): void {
    const seq = typeof event.seq === "number" ? event.seq : 0;
    switch (event.kind) {
      case "turn_start":
        this.#turnTools.clear();
        this.#turnErrors.clear();
        this.#turnEndPosition = null;
        this.#turnEndOpen = false;
        this.#lastWakePosition = this.#push({
          type: "wake",
          key: String(seq),
          seq,
          from: stringOr(event.from, "?"),
          body: stringOr(event.body, ""),
          unread: numberOr(event.unread, 0),
          atUnix: null,
        });
        break;
      case "stream":
        this.#applyStream(seq, event);
        break;
      case "note":
        this.#push({
          type: "note",
          key: String(seq),
          seq,
          text: stringOr(event.text, ""),
        });
        break;
      case "turn_end":
        this.#applyTurnEnd(seq, event);
        break;
      case "turn_stats_recorded":
        this.#applyStatsRow(seq, event.row);
        break;
      case "model_changed":
        this.#push({
          type: "info",
          key: String(seq),
          seq,
          text: `model set to ${stringOr(event.model, "?")}`,
          tone: null,
        });
        break;
      case "status_changed":
        this.#pushWords(
          seq,
          String(seq),
          statusChangeWords(stringOr(event.status, "?")),
        );
        break;
      case "turn_state_changed":
        this.#applyTurnState(seq, event);
        break;
      case "token_usage_changed":
        break;
      default:
        this.#pushWords(
          seq,
          String(seq),
          unknownWords(`event ${stringOr(event.kind, "?")}`, event),
        );
    }
  }

  /** A sentence as an info row, an unknown line as a compact one, a hidden line as nothing. */
  #pushWords(seq: number, key: string, words: Words): number | null {
    switch (words.show) {
      case "info":
        return this.#push({
          type: "info",
          key,
          seq,
          text: words.text,
          tone: words.tone ?? null,
        });
      case "unknown":
        return this.#push({
          type: "raw",
          key,
          seq,
          label: words.label,
          json: compactJson(words.detail),
        });
      case "hidden":
        return null;
      default: {
        const never: never = words;
        return never;
      }
    }
  }

  /** Drop the rows of the stream lines with these uuids (idempotent: unknown ones are no-ops). */
  #retract(uuids: unknown): void {
    if (!Array.isArray(uuids)) return;
    for (const uuid of uuids) {
      if (typeof uuid !== "string") continue;
      for (const position of this.#uuidPositions.get(uuid) ?? []) {
        const row = this.#at(position);
        if (row === undefined || row.type === "hidden") continue;
        if (row.type === "tool") this.#toolPositions.delete(row.id);
        this.#replace(position, {
          type: "hidden",
          key: row.key,
          seq: row.seq,
          reason: "withdrawn by a refusal fallback",
        });
      }
      this.#uuidPositions.delete(uuid);
    }
  }

  #applyTurnState(seq: number, event: Record<string, unknown>): void {
    const since = typeof event.since_unix === "number"
      ? event.since_unix
      : null;
    if (event.state === "compacting") {
      this.#push({
        type: "info",
        key: String(seq),
        seq,
        text: "compacting the context…",
        tone: null,
      });
    }
    // The wake-up row shows when its turn started thinking.
    const wake = this.#at(this.#lastWakePosition);
    if (
      event.state === "thinking" && wake?.type === "wake" &&
      wake.atUnix === null && since !== null
    ) {
      this.#replace(this.#lastWakePosition, { ...wake, atUnix: since });
    }
  }

  #applyStream(seq: number, event: Record<string, unknown>): void {
    const key = String(seq);
    const first = this.#base + this.#rows.length;
    this.#applyStreamLine(seq, key, event);
    this.#retract(event.supersedes);
    this.#retract(event.retracted_message_uuids);
    const made = this.#base + this.#rows.length - first;
    if (typeof event.uuid === "string" && made > 0) {
      this.#uuidPositions.set(
        event.uuid,
        Array.from({ length: made }, (_, i) => first + i),
      );
      if (this.#uuidPositions.size > this.#cap) {
        const oldest = this.#uuidPositions.keys().next().value;
        if (oldest !== undefined) this.#uuidPositions.delete(oldest);
      }
    }
  }

  #applyStreamLine(
    seq: number,
    key: string,
    event: Record<string, unknown>,
  ): void {
    switch (event.type) {
      case "assistant":
        this.#applyAssistant(seq, event);
        return;
      case "user":
        this.#applyUser(seq, event);
        return;
      case "result":
        this.#applyResult(seq, event);
        return;
      case "system":
        this.#applySystem(seq, event);
        return;
      case "rate_limit_event":
        this.#pushWords(seq, key, rateLimitWords(event));
        return;
      case "stream_event":
      case "control_response":
      case "control_request":
      case "keep_alive":
        // Partial-message deltas and the control protocol's answers: the full lines follow.
        return;
      default:
        this.#pushWords(
          seq,
          key,
          unknownWords(`claude ${stringOr(event.type, "line")}`, event),
        );
    }
  }

  #applyAssistant(seq: number, event: Record<string, unknown>): void {
    const message = isRecord(event.message) ? event.message : {};
    const content = Array.isArray(message.content) ? message.content : [];
    if (
      event.is_api_error_message === true ||
      (message.model === "<synthetic>" && event.error !== undefined)
    ) {
      const text = content.map((block) =>
        isRecord(block) ? stringOr(block.text, "") : ""
      ).join("\n");
      const shown = text || compactJson(event.error);
      this.#turnErrors.add(shown.trim());
      this.#push({ type: "api_error", key: String(seq), seq, text: shown });
      return;
    }
    content.forEach((block, index) => {
      const key = content.length === 1 ? String(seq) : `${seq}.${index}`;
      if (!isRecord(block)) return;
      switch (block.type) {
        case "text":
          if (typeof block.text === "string" && block.text.trim() !== "") {
            this.#push({ type: "text", key, seq, text: block.text });
          }
          return;
        case "thinking":
        case "redacted_thinking":
          this.#push({
            type: "thinking",
            key,
            seq,
            text: stringOr(block.thinking, "(redacted)"),
          });
          return;
        case "tool_use":
        case "server_tool_use": {
          const id = stringOr(block.id, key);
          const name = stringOr(block.name, "<unnamed>");
          this.#turnTools.set(name, (this.#turnTools.get(name) ?? 0) + 1);
          this.#toolPositions.set(
            id,
            this.#push({
              type: "tool",
              key,
              seq,
              id,
              name,
              input: block.input,
              result: null,
              startedMs: this.#timing ? this.#now() : null,
              endedMs: null,
            }),
          );
          return;
        }
        default:
          this.#pushWords(
            seq,
            key,
            unknownWords(`claude ${stringOr(block.type, "block")}`, block),
          );
      }
    });
  }

  #applyUser(seq: number, event: Record<string, unknown>): void {
    const message = isRecord(event.message) ? event.message : {};
    const content = message.content;
    if (typeof content === "string") {
      this.#pushUserText(seq, String(seq), event, content);
      return;
    }
    if (!Array.isArray(content)) return;
    content.forEach((block, index) => {
      const key = content.length === 1 ? String(seq) : `${seq}.${index}`;
      if (!isRecord(block)) return;
      if (block.type === "tool_result") {
        this.#applyToolResult(seq, key, block);
      } else if (block.type === "text" && typeof block.text === "string") {
        this.#pushUserText(seq, key, event, block.text);
      }
    });
  }

  /** User text: a compaction's summary folds, the CLI's command echoes read as words. */
  #pushUserText(
    seq: number,
    key: string,
    event: Record<string, unknown>,
    text: string,
  ): void {
    if (isCompactSummary(event, text)) {
      this.#push({ type: "context_summary", key, seq, text });
      return;
    }
    const words = commandEchoWords(text);
    if (words !== null) this.#pushWords(seq, key, words);
    else this.#push({ type: "user", key, seq, text });
  }

  #applyToolResult(
    seq: number,
    key: string,
    block: Record<string, unknown>,
  ): void {
    const id = stringOr(block.tool_use_id, "");
    const result = {
      text: toolResultText(block.content),
      isError: block.is_error === true,
    };
    const position = this.#toolPositions.get(id);
    const row = this.#at(position ?? null);
    if (row?.type === "tool") {
      this.#replace(position ?? null, {
        ...row,
        result,
        endedMs: this.#timing && row.startedMs !== null ? this.#now() : null,
      });
      this.#toolPositions.delete(id);
    } else {
      // Its call is gone (older than the cap) or never came: still show the answer.
      this.#push({
        type: "tool",
        key,
        seq,
        id,
        name: "(earlier call)",
        input: null,
        result,
        startedMs: null,
        endedMs: null,
      });
    }
  }

  #applySystem(seq: number, event: Record<string, unknown>): void {
    const key = String(seq);
    switch (event.subtype) {
      case "init": {
        const servers = Array.isArray(event.mcp_servers)
          ? event.mcp_servers.filter(isRecord)
          : [];
        this.#push({
          type: "session",
          key,
          seq,
          model: stringOr(event.model, "?"),
          version: stringOr(event.claude_code_version, ""),
          tools: Array.isArray(event.tools) ? event.tools.length : 0,
          mcp: servers.map((server) =>
            `${stringOr(server.name, "?")}: ${stringOr(server.status, "?")}`
          ),
        });
        return;
      }
      case "api_retry":
        this.#push({
          type: "retry",
          key,
          seq,
          attempt: numberOrNull(event.attempt),
          maxRetries: numberOrNull(event.max_retries),
          delayMs: numberOrNull(event.retry_delay_ms),
          status: numberOrNull(event.error_status),
          error: typeof event.error === "string"
            ? event.error
            : compactJson(event.error ?? null, 300),
        });
        return;
      default:
        this.#pushWords(seq, key, systemWords(event));
    }
  }

  #applyResult(seq: number, event: Record<string, unknown>): void {
    const fields: TurnEndFields = {
      ok: event.is_error === true ? false : null,
      note: event.is_error === true ? stringOr(event.result, null) : null,
      durationMs: numberOrNull(event.duration_ms),
      usage: isRecord(event.usage) ? readTokenUsage(event.usage) : null,
      costUsd: numberOrNull(event.total_cost_usd),
      numTurns: numberOrNull(event.num_turns),
      tools: Object.fromEntries(this.#turnTools),
      resultKind: null,
      cancelled: false,
      noteShownAbove: false,
    };
    fields.cancelled = CANCEL_PATTERN.test(fields.note ?? "");
    fields.noteShownAbove = this.#turnErrors.has((fields.note ?? "").trim());
    this.#turnEndPosition = this.#push({
      type: "turn_end",
      key: String(seq),
      seq,
      ...fields,
    });
    this.#turnEndOpen = true;
  }

  #applyTurnEnd(seq: number, event: Record<string, unknown>): void {
    const ok = event.ok === true;
    const note = typeof event.note === "string" ? event.note : null;
    const row = this.#at(this.#turnEndPosition);
    if (row?.type === "turn_end" && this.#turnEndOpen) {
      this.#turnEndOpen = false;
      const shown = note ?? (ok ? null : row.note);
      this.#replace(this.#turnEndPosition, {
        ...row,
        ok,
        note: shown,
        cancelled: row.cancelled || CANCEL_PATTERN.test(note ?? ""),
        noteShownAbove: row.noteShownAbove ||
          this.#turnErrors.has((shown ?? "").trim()),
      });
      return;
    }
    this.#turnEndOpen = false;
    this.#turnEndPosition = this.#push({
      type: "turn_end",
      key: String(seq),
      seq,
      ok,
      note,
      durationMs: null,
      usage: null,
      costUsd: null,
      numTurns: null,
      tools: Object.fromEntries(this.#turnTools),
      resultKind: null,
      cancelled: CANCEL_PATTERN.test(note ?? ""),
      noteShownAbove: this.#turnErrors.has((note ?? "").trim()),
    });
  }

  #applyStatsRow(seq: number, value: unknown): void {
    if (!isRecord(value)) return;
    const row = this.#at(this.#turnEndPosition);
    const fields = (base: TurnEndFields): TurnEndFields => ({
      ok: value.result_kind === "ok",
      resultKind: stringOr(value.result_kind, null),
      note: stringOr(value.note, base.note),
      durationMs: numberOrNull(value.duration_ms) ?? base.durationMs,
      usage: readTokenUsage(value),
      costUsd: numberOrNull(value.cost_usd) ?? base.costUsd,
      numTurns: numberOrNull(value.num_turns) ?? base.numTurns,
      tools: parseBreakdown(value.tool_call_breakdown_json) ?? base.tools,
      // The stored kind stays `failed` for a cancel (SPEC §7); the page says what happened.
      cancelled: base.cancelled ||
        CANCEL_PATTERN.test(stringOr(value.note, "")),
      noteShownAbove: base.noteShownAbove,
    });
    // A turn cut off by a crash is recorded at the next start, long after its own events.
    if (
      value.note !== RESTART_NOTE && row?.type === "turn_end" &&
      row.resultKind === null
    ) {
      this.#replace(this.#turnEndPosition, { ...row, ...fields(row) });
      return;
    }
    const empty: TurnEndFields = {
      ok: null,
      note: null,
      durationMs: null,
      usage: null,
      costUsd: null,
      numTurns: null,
      tools: {},
      resultKind: null,
      cancelled: false,
      noteShownAbove: false,
    };
    this.#push({ type: "turn_end", key: String(seq), seq, ...fields(empty) });
  }

  #push(row: Row): number {
    this.#rows.push(row);
    this.version++;
    if (this.#rows.length > this.#cap) {
      // Drop a slice at once so trimming stays cheap at the cap.
      const drop = this.#rows.length - this.#cap + Math.ceil(this.#cap / 10);
      this.#rows.splice(0, drop);
      this.#base += drop;
      for (const [id, position] of this.#toolPositions) {
        if (position < this.#base) this.#toolPositions.delete(id);
      }
    }
    return this.#base + this.#rows.length - 1;
  }

  #at(position: number | null): Row | undefined {
    return position === null ? undefined : this.#rows[position - this.#base];
  }

  #replace(position: number | null, row: Row): void {
    if (position === null || position < this.#base) return;
    this.#rows[position - this.#base] = row;
    this.version++;
  }
}

/** The text of a `tool_result` block's content (a string, or text and image blocks). */
export function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) {
    return content === undefined || content === null
      ? ""
      : compactJson(content);
  }
  return content.map((block) => {
    if (!isRecord(block)) return String(block);
    if (block.type === "text") return stringOr(block.text, "");
    if (block.type === "image") return "[image]";
    return compactJson(block);
  }).join("\n");
}

function parseBreakdown(value: unknown): Record<string, number> | null {
  if (typeof value !== "string") {
    return isRecord(value) ? numbersOf(value) : null;
  }
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? numbersOf(parsed) : null;
  } catch {
    return null;
  }
}

function numbersOf(record: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, count] of Object.entries(record)) {
    if (typeof count === "number") out[name] = count;
  }
  return out;
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === "string" ? value : fallback;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
