/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module How each transcript row looks. Text that came from claude or a tool is only ever put in
 * the page as text, except assistant Markdown, which goes through the sanitising renderer. Long
 * tool output and inputs fold behind "show all"; thinking folds shut.
 */
import { Component, type JSX } from "preact";
import { useState } from "preact/hooks";
import {
  compactJson,
  formatClock,
  formatCost,
  formatDuration,
  formatTokens,
} from "./format.ts";
import type { MarkdownRenderer } from "./markdown.ts";
import { toolLabel, toolSummary } from "./tool_summary.ts";
import type { Row, TurnEndFields } from "./transcript.ts";

/** Lines of tool output shown before "show all". */
const FOLD_LINES = 12;
const FOLD_CHARS = 1500;

/** Props of {@linkcode RowView}. */
export interface RowViewProps {
  row: Row;
  markdown: MarkdownRenderer;
}

/** One row; drawn again only when its row object changes. */
export class RowView
  extends Component<RowViewProps, { failed: string | null }> {
  override state = { failed: null as string | null };

  override shouldComponentUpdate(
    next: RowViewProps,
    state: { failed: string | null },
  ): boolean {
    return next.row !== this.props.row || state.failed !== this.state.failed;
  }

  // A row that cannot be drawn (an event of a shape nobody expected) shows as JSON, alone.
  override componentDidCatch(error: unknown): void {
    this.setState({
      failed: error instanceof Error ? error.message : String(error),
    });
  }

  override render(): JSX.Element {
    if (this.state.failed !== null) {
      return (
        <div class="row raw mono dim" data-row="raw" title={this.state.failed}>
          {compactJson(this.props.row)}
        </div>
      );
    }
    return <RowBody row={this.props.row} markdown={this.props.markdown} />;
  }
}

function RowBody({ row, markdown }: RowViewProps): JSX.Element {
  switch (row.type) {
    case "wake":
      return (
        <article
          class="row wake"
          data-row="wake"
          aria-label={`wake-up from ${row.from}`}
        >
          <header>
            <span class="icon" aria-hidden="true">✉</span> wake-up from{" "}
            <strong>{row.from}</strong>
            {row.unread > 0 && (
              <span class="pill">{row.unread} more waiting</span>
            )}
            {row.atUnix !== null && (
              <time class="dim">{formatClock(row.atUnix)}</time>
            )}
          </header>
          <Folded text={row.body} class="wake-body" />
        </article>
      );
    case "text":
      return (
        <div
          class="row text markdown"
          data-row="text"
          dangerouslySetInnerHTML={{ __html: markdown(row.text) }}
        />
      );
    case "user":
      return (
        <div class="row user" data-row="user">
          <span class="dim">user</span> <Folded text={row.text} />
        </div>
      );
    case "thinking":
      return (
        <details class="row thinking" data-row="thinking">
          <summary>thinking</summary>
          <div class="prose-text">{row.text}</div>
        </details>
      );
    case "tool":
      return <ToolRow row={row} />;
    case "retry":
      return (
        <div class="row retry" data-row="retry" role="status">
          <span class="icon" aria-hidden="true">↻</span> API retry
          {row.attempt !== null &&
            ` ${row.attempt}${
              row.maxRetries !== null ? `/${row.maxRetries}` : ""
            }`}
          {row.delayMs !== null && ` in ${formatDuration(row.delayMs)}`}
          {" — "}
          {row.status !== null && `${row.status} `}
          {row.error}
        </div>
      );
    case "api_error":
      return (
        <div class="row api-error" data-row="api_error" role="alert">
          <span class="icon" aria-hidden="true">⚠</span>{" "}
          <Folded text={row.text} />
        </div>
      );
    case "note":
      return (
        <div class="row note" data-row="note">
          <span class="label">harness</span>{" "}
          <Folded text={row.text} class="mono" />
        </div>
      );
    case "info":
      return <div class="row info dim" data-row="info">{row.text}</div>;
    case "session":
      return (
        <div class="row info dim" data-row="session">
          session · {row.model}
          {row.version && ` · claude ${row.version}`} · {row.tools} tools
          {row.mcp.length > 0 && ` · MCP ${row.mcp.join(", ")}`}
        </div>
      );
    case "turn_end":
      return <TurnEndRow row={row} />;
    case "raw":
      return <div class="row raw mono dim" data-row="raw">{row.json}</div>;
    default: {
      const never: never = row;
      return <div class="row raw mono">{compactJson(never)}</div>;
    }
  }
}

function ToolRow(
  { row }: { row: Extract<Row, { type: "tool" }> },
): JSX.Element {
  const state = row.result === null
    ? "running"
    : row.result.isError
    ? "error"
    : "ok";
  const summary = toolSummary(row.name, row.input);
  const [showInput, setShowInput] = useState(false);
  const hasInput = row.input !== null && row.input !== undefined;
  return (
    <article
      class={`row tool ${state}`}
      data-row="tool"
      data-tool={row.name}
      aria-label={`tool ${row.name}`}
    >
      <header>
        <span class={`tool-state ${state}`} aria-label={state}>
          {state === "running" ? "" : state === "ok" ? "✓" : "✗"}
        </span>
        <strong class="tool-name">{toolLabel(row.name)}</strong>{" "}
        <span class="mono tool-summary">{summary}</span>
        {hasInput && (
          <button
            type="button"
            class="link input-toggle"
            aria-expanded={showInput}
            aria-label={`input of ${row.name}`}
            onClick={() => setShowInput(!showInput)}
          >
            input
          </button>
        )}
      </header>
      {hasInput && showInput && (
        <pre class="mono tool-input">{prettyInput(row.input)}</pre>
      )}
      {row.result !== null && (
        <Folded
          text={row.result.text || "(no output)"}
          class={`tool-result mono${row.result.isError ? " error" : ""}`}
          label="result"
        />
      )}
    </article>
  );
}

function TurnEndRow(
  { row }: { row: TurnEndFields & { key: string } },
): JSX.Element {
  const ok = row.ok !== false;
  const tools = Object.entries(row.tools).sort((a, b) => b[1] - a[1]);
  const toolCount = tools.reduce((sum, [, count]) => sum + count, 0);
  const parts: string[] = [];
  if (row.durationMs !== null) parts.push(formatDuration(row.durationMs));
  if (row.usage) {
    parts.push(
      `${formatTokens(row.usage.input_tokens)} in · ${
        formatTokens(row.usage.output_tokens)
      } out`,
    );
    const cache = row.usage.cache_read_input_tokens +
      row.usage.cache_creation_input_tokens;
    if (cache > 0) {
      parts.push(
        `cache ${formatTokens(row.usage.cache_read_input_tokens)} read · ${
          formatTokens(row.usage.cache_creation_input_tokens)
        } written`,
      );
    }
  }
  if (row.costUsd !== null) parts.push(`${formatCost(row.costUsd)} (est.)`);
  if (row.numTurns !== null) parts.push(`${row.numTurns} steps`);
  return (
    <div
      class={`row turn-end ${ok ? "ok" : "failed"}`}
      data-row="turn_end"
      role="status"
    >
      <div>
        <span class="icon" aria-hidden="true">{ok ? "■" : "✗"}</span>{" "}
        <strong>
          {ok
            ? "turn done"
            : row.resultKind === "prompt_too_long"
            ? "prompt too long"
            : "turn failed"}
        </strong>
        {parts.length > 0 && (
          <span class="turn-stats">{` · ${parts.join(" · ")}`}</span>
        )}
        <span class="turn-tools">
          {" · "}
          {toolCount === 0
            ? "no tools"
            : `${toolCount} tool${toolCount === 1 ? "" : "s"}: ${
              tools.map(([name, count]) => `${toolLabel(name)}×${count}`).join(
                ", ",
              )
            }`}
        </span>
      </div>
      {row.note && !ok && <Folded text={row.note} class="turn-note" />}
    </div>
  );
}

interface FoldedProps {
  text: string;
  class?: string;
  label?: string;
}

/** Text shown in full when short, else its head and a "show all" toggle. */
function Folded(
  { text, class: className = "", label }: FoldedProps,
): JSX.Element {
  const [open, setOpen] = useState(false);
  const lines = text.split("\n");
  const long = lines.length > FOLD_LINES || text.length > FOLD_CHARS;
  const shown = !long || open
    ? text
    : lines.slice(0, FOLD_LINES).join("\n").slice(0, FOLD_CHARS);
  return (
    <div class={`folded ${className}`} aria-label={label}>
      <div class="prose-text">{shown}{long && !open ? "…" : ""}</div>
      {long && (
        <button
          type="button"
          class="link"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          {open
            ? "show less"
            : `show all (${lines.length} lines, ${
              formatTokens(text.length)
            } chars)`}
        </button>
      )}
    </div>
  );
}

function prettyInput(input: unknown): string {
  try {
    return JSON.stringify(input, null, 2) ?? String(input);
  } catch {
    return String(input);
  }
}
