/**
 * @module What the page header shows, kept from `/api/state` and the events after it: status,
 * turn state and since-when, model, context gauge, unread count, last turn's cost. Events with
 * `seq <= state.seq` are already in the snapshot, so the caller applies only newer ones.
 */
import { isRecord, readTokenUsage } from "../../lib/wire/events.ts";
import { statusWords } from "./stream_words.ts";

/** The header's view of the agent. */
export interface HeaderState {
  agent: string;
  role: string;
  status: string;
  /** Why the status is what it is (a rate-limit text, a missing path), when the server says. */
  statusDetail: string | null;
  rateLimitedUntil: number | null;
  /** The agent's own free-text status (`set_status`). */
  statusText: string;
  turnState: string;
  sinceUnix: number;
  model: string;
  contextTokens: number | null;
  contextWindow: number;
  unread: number;
  lastCostUsd: number | null;
  version: string;
  /** Stores that report a failure: name → error. */
  storeErrors: Record<string, string>;
  /** Whether `/api/state` has answered yet. */
  loaded: boolean;
  /** The credential saved with the harness (`token`, `api_key`), null for none, or unknown. */
  credential: string | null | "unknown";
  /** A turn was seen to end well: claude is logged in, whatever is saved here. */
  okTurnSeen: boolean;
}

/** The status pill: what it says, its style key, and why. */
export interface ShownStatus {
  key: string;
  text: string;
  title: string;
}

/**
 * What the status pill may claim. "online" only while the page is connected, and once a
 * credential is saved or a turn went well: before that nobody knows that claude can log in.
 */
export function shownStatus(
  header: HeaderState,
  connection: string,
): ShownStatus {
  if (!header.loaded || connection === "connecting") {
    return {
      key: "unknown",
      text: "connecting…",
      title: "the page has not heard from the harness yet",
    };
  }
  if (connection !== "live") {
    return {
      key: "unknown",
      text: "disconnected",
      title: "the page lost the harness: what the agent does now is unknown",
    };
  }
  if (
    header.status === "online" && header.credential === null &&
    !header.okTurnSeen
  ) {
    return {
      key: "unproven",
      text: "login unchecked",
      title:
        "no token or API key is saved here and no turn has run yet: the first turn shows whether claude is logged in",
    };
  }
  return {
    key: header.status,
    text: statusWords(header.status),
    title: header.statusDetail ?? "",
  };
}

/** The header before anything loaded. */
export function emptyHeaderState(): HeaderState {
  return {
    agent: "",
    role: "",
    status: "online",
    statusDetail: null,
    rateLimitedUntil: null,
    statusText: "",
    turnState: "idle",
    sinceUnix: 0,
    model: "",
    contextTokens: null,
    contextWindow: 200_000,
    unread: 0,
    lastCostUsd: null,
    version: "",
    storeErrors: {},
    loaded: false,
    credential: "unknown",
    okTurnSeen: false,
  };
}

/** Read `/api/state` into a header state; fields it lacks keep `base`'s values. */
export function headerFromState(
  state: unknown,
  base: HeaderState = emptyHeaderState(),
): HeaderState {
  if (!isRecord(state)) return base;
  const storeErrors: Record<string, string> = {};
  if (isRecord(state.stores)) {
    for (const [name, report] of Object.entries(state.stores)) {
      if (isRecord(report) && report.ok === false) {
        storeErrors[name] = String(report.error ?? "failing");
      }
    }
  }
  return {
    ...base,
    agent: str(state.agent) ?? base.agent,
    role: str(state.role) ?? base.role,
    status: str(state.status) ?? base.status,
    statusDetail: str(state.status_detail) ?? null,
    rateLimitedUntil: num(state.rate_limited_until),
    statusText: str(state.status_text) ?? "",
    turnState: str(state.turn_state) ?? base.turnState,
    sinceUnix: num(state.since_unix) ?? base.sinceUnix,
    model: str(state.model) ?? base.model,
    contextTokens: isRecord(state.last_usage)
      ? contextTokens(state.last_usage)
      : base.contextTokens,
    contextWindow: num(state.context_window_tokens) ?? base.contextWindow,
    unread: num(state.unread) ?? base.unread,
    version: str(state.version) ?? base.version,
    storeErrors,
    loaded: true,
    // An older harness does not say: then nothing is claimed either way.
    credential: isRecord(state.login)
      ? str(state.login.credential) ?? null
      : base.credential,
  };
}

/** The header after one event. */
export function applyHeaderEvent(
  header: HeaderState,
  event: Record<string, unknown>,
): HeaderState {
  switch (event.kind) {
    case "status_changed":
      return {
        ...header,
        status: str(event.status) ?? header.status,
        rateLimitedUntil: num(event.rate_limited_until) ??
          (event.status === "rate_limited" ? header.rateLimitedUntil : null),
      };
    case "model_changed":
      return { ...header, model: str(event.model) ?? header.model };
    case "turn_state_changed":
      return {
        ...header,
        turnState: str(event.state) ?? header.turnState,
        sinceUnix: num(event.since_unix) ?? header.sinceUnix,
      };
    case "token_usage_changed": {
      // The context gauge: the server's `context_usage` when it sends one, else `usage` (SPEC §5).
      const usage = isRecord(event.context_usage)
        ? event.context_usage
        : event.usage;
      return {
        ...header,
        contextTokens: isRecord(usage)
          ? contextTokens(usage)
          : header.contextTokens,
        contextWindow: num(event.context_window_tokens) ?? header.contextWindow,
      };
    }
    case "turn_start":
      return { ...header, unread: num(event.unread) ?? header.unread };
    case "turn_end":
      return event.ok === true ? { ...header, okTurnSeen: true } : header;
    case "turn_stats_recorded":
      return isRecord(event.row)
        ? {
          ...header,
          lastCostUsd: num(event.row.cost_usd) ?? header.lastCostUsd,
          okTurnSeen: header.okTurnSeen || event.row.result_kind === "ok",
        }
        : header;
    case "stream":
      if (event.type === "result") {
        return {
          ...header,
          lastCostUsd: num(event.total_cost_usd) ?? header.lastCostUsd,
        };
      }
      if (event.type === "assistant" && isRecord(event.message)) {
        // The gauge moves during the turn: each real inference's usage is the context (SPEC §5);
        // the CLI's own error lines (`<synthetic>`) carry zeros.
        const { model, usage } = event.message;
        // A sub-agent's inference (`parent_tool_use_id` set) has a context of its own.
        const subAgent = typeof event.parent_tool_use_id === "string";
        if (model !== "<synthetic>" && !subAgent && isRecord(usage)) {
          return { ...header, contextTokens: contextTokens(usage) };
        }
      }
      return header;
    default:
      return header;
  }
}

/** Tokens in the context: input plus cache reads and writes. */
export function contextTokens(usage: Record<string, unknown>): number {
  const counts = readTokenUsage(usage);
  return counts.input_tokens + counts.cache_read_input_tokens +
    counts.cache_creation_input_tokens;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
