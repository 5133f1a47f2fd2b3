/**
 * @module What the CLI's bookkeeping lines say, in words: `system` lines (tasks, compaction,
 * status, refusal fallbacks, session state), `rate_limit_event`, status changes, the command
 * echoes a `/compact` turn prints as user text, and any kind nobody taught the page. Each line
 * becomes a sentence, or nothing with the reason written here, so the transcript never shows a
 * raw JSON row. Pure, so every rule is tested in Deno.
 */
import { isRecord } from "../../lib/wire/events.ts";
import { formatClock, formatTokens } from "./format.ts";

/** A line as a person reads it: a sentence, or hidden (with why, for the reader of the code). */
export type Words =
  | { show: "info"; text: string; tone?: "warn" | "error" }
  | { show: "unknown"; label: string; detail: Record<string, unknown> }
  | { show: "hidden"; reason: string };

/** Status names as the page says them (SPEC §5 plus the fleet's `paused`, `over_budget`). */
export const STATUS_WORDS: Readonly<Record<string, string>> = {
  online: "online",
  "needs_login_idle": "needs login",
  "needs_login_in_progress": "logging in…",
  "rate_limited": "rate limited",
  "claude_missing": "claude missing",
  paused: "paused",
  "over_budget": "over budget",
  running: "running",
  down: "down",
};

/** A status name for a person: known ones in words, others with their underscores spaced. */
export function statusWords(status: string): string {
  return STATUS_WORDS[status] ?? status.replaceAll("_", " ");
}

/** A `status_changed` event as a transcript line. */
export function statusChangeWords(status: string): Words {
  const sentences: Record<string, string> = {
    online: "claude is online",
    "needs_login_idle": "claude is not logged in",
    "needs_login_in_progress": "logging in…",
    "rate_limited": "rate limited",
    "claude_missing": "the claude CLI is missing",
    paused: "the agent is paused: wake-ups wait in the inbox",
    "over_budget": "the agent is over its daily budget: wake-ups wait",
  };
  const text = sentences[status] ?? `status: ${statusWords(status)}`;
  const tone = status === "online" ? undefined : "warn";
  return tone ? { show: "info", text, tone } : { show: "info", text };
}

/** A `system` line other than `init` and `api_retry`, which have rows of their own. */
export function systemWords(event: Record<string, unknown>): Words {
  const subtype = typeof event.subtype === "string" ? event.subtype : "";
  const text = (value: unknown) => typeof value === "string" ? value : "";
  switch (subtype) {
    case "thinking_tokens":
    case "hook_started":
    case "hook_response":
    case "hook_progress":
      return { show: "hidden", reason: "hook and token bookkeeping" };
    case "session_state_changed":
      return {
        show: "hidden",
        reason: "the running row and the header show the turn's state",
      };
    case "task_progress":
    case "task_updated":
      return {
        show: "hidden",
        reason: "task_started and task_notification bracket the task",
      };
    case "task_started": {
      const kind = text(event.subagent_type) || text(event.task_type);
      return {
        show: "info",
        text: `task started: ${text(event.description) || "(no description)"}${
          kind ? ` (${kind})` : ""
        }`,
      };
    }
    case "task_notification": {
      const status = text(event.status) || "ended";
      const summary = text(event.summary);
      return {
        show: "info",
        text: `task ${status}${summary ? `: ${summary}` : ""}`,
        ...(status === "failed" ? { tone: "error" as const } : {}),
      };
    }
    case "compact_boundary": {
      const meta = isRecord(event.compact_metadata)
        ? event.compact_metadata
        : {};
      const before = typeof meta.pre_tokens === "number"
        ? meta.pre_tokens
        : null;
      const after = typeof meta.post_tokens === "number"
        ? meta.post_tokens
        : null;
      return {
        show: "info",
        text: before === null
          ? "context compacted"
          : `context compacted: ${formatTokens(before)}${
            after === null ? "" : ` → ${formatTokens(after)}`
          } tokens`,
      };
    }
    case "status":
      if (event.compact_result === "failed") {
        return {
          show: "info",
          text: `compaction failed${
            text(event.compact_error) ? `: ${text(event.compact_error)}` : ""
          }`,
          tone: "error",
        };
      }
      return {
        show: "hidden",
        reason:
          "`compacting`/`requesting` are what the running row already shows",
      };
    case "model_refusal_fallback": {
      const from = text(event.original_model) || "the model";
      const to = text(event.fallback_model) || "another model";
      return {
        show: "info",
        text:
          `${from} declined to answer; the reply came from ${to} instead (the refused part was withdrawn)`,
        tone: "warn",
      };
    }
    case "session_title_changed":
      return { show: "hidden", reason: "the page has no session title" };
    default:
      return unknownWords(`system ${subtype || "line"}`, event);
  }
}

/** A `rate_limit_event` line (the CLI object's fields flattened into the event). */
export function rateLimitWords(event: Record<string, unknown>): Words {
  const info = isRecord(event.rate_limit_info) ? event.rate_limit_info : event;
  const status = typeof info.status === "string" ? info.status : "";
  if (status === "allowed" || status === "") {
    return { show: "hidden", reason: "under the limit: nothing to say" };
  }
  const kind = typeof info.rateLimitType === "string"
    ? ` (${info.rateLimitType.replaceAll("_", " ")})`
    : "";
  const resets = typeof info.resetsAt === "number"
    ? `, resets at ${formatClock(info.resetsAt)}`
    : "";
  const used = typeof info.utilization === "number"
    ? `, ${Math.round(info.utilization * 100)}% used`
    : "";
  return status === "allowed_warning"
    ? {
      show: "info",
      text: `nearing the rate limit${kind}${used}${resets}`,
      tone: "warn",
    }
    : {
      show: "info",
      text: `rate limited${kind}${resets}`,
      tone: "error",
    };
}

/**
 * User text the CLI wrote itself: slash-command echoes, `<local-command-stdout>`, interrupt
 * markers. Null for a real user message.
 */
export function commandEchoWords(text: string): Words | null {
  const trimmed = text.trim();
  if (/^\[Request interrupted by user[^\]]*\]$/.test(trimmed)) {
    return { show: "info", text: "interrupted", tone: "warn" };
  }
  const tag = (name: string) => {
    const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(trimmed);
    return match ? (match[1] ?? "").trim() : null;
  };
  const stdout = tag("local-command-stdout");
  const stderr = tag("local-command-stderr");
  if (stdout !== null || stderr !== null) {
    const output = stripAnsi([stdout, stderr].filter(Boolean).join("\n"));
    return output === ""
      ? { show: "hidden", reason: "a command printed nothing" }
      : {
        show: "info",
        text: `command output: ${output}`,
        ...(stderr ? { tone: "warn" as const } : {}),
      };
  }
  const command = tag("command-name");
  if (command !== null) {
    const args = tag("command-args");
    return { show: "info", text: `ran ${command}${args ? ` ${args}` : ""}` };
  }
  if (trimmed.startsWith("<local-command-caveat>")) {
    return { show: "hidden", reason: "the CLI's note to the model" };
  }
  return null;
}

/** Whether a user line is the summary a compaction left for the model. */
export function isCompactSummary(
  event: Record<string, unknown>,
  text: string,
): boolean {
  return event.isCompactSummary === true ||
    text.startsWith(
      "This session is being continued from a previous conversation",
    );
}

/** A line or event of a kind the page does not know: a short label, the fields behind it. */
export function unknownWords(
  label: string,
  event: Record<string, unknown>,
): Words {
  const detail: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key !== "seq" && key !== "session_id" && key !== "uuid") {
      detail[key] = value;
    }
  }
  return { show: "unknown", label, detail };
}

function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}
