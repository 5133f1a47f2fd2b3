/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The page header: who the agent is, whether it can work (status, rate limit, login),
 * what it is doing and for how long, its model (with a switcher), how full its context is, what
 * the last turn cost, and how many messages wait.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { MODEL_SUGGESTIONS } from "./commands.ts";
import type { FeedStatus } from "./feed.ts";
import {
  formatClock,
  formatCost,
  formatDuration,
  formatTokens,
  percent,
} from "./format.ts";
import { type HeaderState, shownStatus } from "./header_state.ts";

/** Props of {@linkcode HeaderView}. */
export interface HeaderViewProps {
  header: HeaderState;
  nowMs: number;
  connection: FeedStatus;
  connectionDetail: string | null;
  /** Set the model; resolves to an error text or null. */
  setModel: (model: string) => Promise<string | null>;
  notify: boolean;
  toggleNotify: () => void;
  panelsOpen: boolean;
  togglePanels: () => void;
  /** Questions waiting for the operator: shown on the panels button, which narrow screens need. */
  questions: number;
  /** What the current claude session has cost so far (turn-stats rows), if known. */
  sessionCostUsd: number | null;
}

/** From this share of the context window on, the header warns. */
export const CONTEXT_WARN_PERCENT = 80;

// What lifts a hold, when the server's detail has not arrived yet.
const HOLD_HINT: Record<string, string> = {
  paused: "paused: resume to go on",
  "over_budget": "over today's budget: raise it, or wait for the next UTC day",
};

/** The header bar. */
export function HeaderView(props: HeaderViewProps): JSX.Element {
  const { header, nowMs } = props;
  const busy = header.turnState !== "idle";
  const elapsed = Math.max(0, nowMs - header.sinceUnix * 1000);
  const shown = shownStatus(header, props.connection);
  let status = shown.text;
  if (shown.key === "rate_limited" && header.rateLimitedUntil !== null) {
    status = `rate limited until ${
      formatClock(header.rateLimitedUntil, nowMs)
    }`;
  }
  const context = header.contextTokens;
  const used = context === null ? 0 : percent(context, header.contextWindow);
  const storeNames = Object.keys(header.storeErrors);
  return (
    <header class="top" role="banner">
      <div class="identity">
        <h1>{header.agent || "agent"}</h1>
        {header.role && <span class="pill role">{header.role}</span>}
        <span
          class={`pill status status-${shown.key}`}
          title={shown.title || undefined}
          data-status={shown.key}
        >
          {status}
        </span>
        {HOLD_HINT[header.status] !== undefined && (
          <span class="pill warn hold" role="status" data-testid="hold">
            {header.statusDetail ?? HOLD_HINT[header.status]}
          </span>
        )}
        {props.connection !== "live" && (
          <span
            class="pill connection"
            role="status"
            title={props.connectionDetail ?? undefined}
          >
            {props.connection === "connecting"
              ? "connecting…"
              : props.connection === "unauthorized"
              ? "unauthorized"
              : "reconnecting…"}
          </span>
        )}
        {storeNames.length > 0 && (
          <span
            class="pill warn"
            title={storeNames.map((name) =>
              `${name}: ${header.storeErrors[name]}`
            ).join("\n")}
          >
            store failing: {storeNames.join(", ")}
          </span>
        )}
      </div>
      <div class="facts">
        <span
          class={`turn-state ${busy ? "busy" : ""}`}
          data-turn-state={header.turnState}
          role="status"
        >
          {busy
            ? `${header.turnState} for ${
              formatDuration(Math.floor(elapsed / 1000) * 1000)
            }`
            : "idle"}
        </span>
        <ModelChip model={header.model} setModel={props.setModel} />
        <span
          class="gauge"
          role="meter"
          aria-label="context used"
          aria-valuemin={0}
          aria-valuemax={header.contextWindow}
          aria-valuenow={context ?? 0}
          aria-valuetext={context === null
            ? "unknown"
            : `${formatTokens(context)} of ${
              formatTokens(header.contextWindow)
            } tokens`}
          title="context: input + cache tokens of the last inference, against the model's window"
        >
          <span class="gauge-bar">
            <span
              class={`gauge-fill ${used >= CONTEXT_WARN_PERCENT ? "high" : ""}`}
              style={{ width: `${used}%` }}
            />
          </span>
          <span class="gauge-text">
            {context === null ? "–" : formatTokens(context)} /{" "}
            {formatTokens(header.contextWindow)}
          </span>
        </span>
        {context !== null && used >= CONTEXT_WARN_PERCENT && (
          <span class="pill warn" role="status" data-fact="context-warning">
            context {used}% full: /compact soon
          </span>
        )}
        <span
          class="fact"
          title="cost of the last turn (the CLI's list-price estimate)"
        >
          last turn{" "}
          <strong data-fact="cost">{formatCost(header.lastCostUsd)}</strong>
        </span>
        <span
          class="fact"
          title="cost of the current claude session so far, summed over its turns (list-price estimate)"
        >
          session{" "}
          <strong data-fact="session-cost">
            {formatCost(props.sessionCostUsd)}
          </strong>
        </span>
        <span class="fact" title="messages waiting for the agent">
          unread <strong data-fact="unread">{header.unread}</strong>
        </span>
        <button
          type="button"
          class="icon-button"
          aria-pressed={props.notify}
          onClick={props.toggleNotify}
          title="browser notification when a turn ends or the agent asks you"
        >
          {props.notify ? "notify: on" : "notify: off"}
        </button>
        <button
          type="button"
          class="icon-button panels-toggle"
          aria-expanded={props.panelsOpen}
          onClick={props.togglePanels}
        >
          {props.panelsOpen
            ? "transcript"
            : props.questions > 0
            ? `panels · ${props.questions} asked`
            : "panels"}
        </button>
      </div>
      {header.statusText && (
        <p class="status-text" data-fact="status-text">{header.statusText}</p>
      )}
    </header>
  );
}

function ModelChip(
  { model, setModel }: { model: string; setModel: HeaderViewProps["setModel"] },
): JSX.Element {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);
  if (!editing) {
    return (
      <button
        type="button"
        class="pill model"
        onClick={() => {
          setDraft(model);
          setError(null);
          setEditing(true);
        }}
        title="model for the next turn: click to change"
        data-fact="model"
      >
        {model || "model?"} ▾
      </button>
    );
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    const next = draft.trim();
    if (next === "" || next === model) return setEditing(false);
    const failure = await setModel(next);
    if (failure === null) setEditing(false);
    else setError(failure);
  };
  return (
    <form class="model-form" onSubmit={submit}>
      <label for="model-input" class="visually-hidden">
        model for the next turn
      </label>
      <input
        id="model-input"
        list="model-names"
        value={draft}
        onInput={(event) => setDraft(event.currentTarget.value)}
        onKeyDown={(event) => event.key === "Escape" && setEditing(false)}
        autoFocus
        size={12}
      />
      <datalist id="model-names">
        {MODEL_SUGGESTIONS.map((name) => <option key={name} value={name} />)}
      </datalist>
      <button type="submit">set</button>
      <button type="button" onClick={() => setEditing(false)}>cancel</button>
      {error && <span class="error" role="alert">{error}</span>}
    </form>
  );
}
