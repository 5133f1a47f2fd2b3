/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module How each transcript row looks. Text that came from claude or a tool is only ever put in
 * the page as text, except assistant Markdown, which goes through the sanitising renderer. Long
 * tool output and inputs fold behind "show all"; thinking and compaction summaries fold shut;
 * answers, code blocks and tool output have copy buttons; a line of a kind nobody taught the page
 * is one short row whose fields open on demand.
 */
import { Component, type JSX } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import { addCodeCopyButtons, CopyButton } from "./copy_button.tsx";
import { Folded } from "./folded_view.tsx";
import {
  compactJson,
  formatClock,
  formatCost,
  formatDuration,
  formatTokens,
  plural,
} from "./format.ts";
import type { MarkdownRenderer } from "./markdown.ts";
import { ToolRow } from "./tool_row_view.tsx";
import { toolLabel } from "./tool_summary.ts";
import type { Row, TurnEndFields } from "./transcript.ts";

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

  override render(): JSX.Element | null {
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

function RowBody({ row, markdown }: RowViewProps): JSX.Element | null {
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
      return <AnswerRow text={row.text} markdown={markdown} />;
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
      return (
        <div
          class={`row info ${row.tone ?? "dim"}`}
          data-row="info"
          data-tone={row.tone ?? undefined}
        >
          {row.text}
        </div>
      );
    case "session":
      return (
        <div class="row info dim" data-row="session">
          session · {row.model}
          {row.version && ` · claude ${row.version}`} ·{" "}
          {plural(row.tools, "tool")}
          {row.mcp.length > 0 && ` · MCP ${row.mcp.join(", ")}`}
        </div>
      );
    case "turn_end":
      return <TurnEndRow row={row} />;
    case "raw":
      return (
        <details class="row raw dim" data-row="raw">
          <summary>{row.label}</summary>
          <pre class="mono">{row.json}</pre>
        </details>
      );
    case "hidden":
      // Withdrawn by the CLI (a refusal fallback): kept as a slot, drawn as nothing.
      return null;
    case "context_summary":
      return (
        <details class="row thinking" data-row="context_summary">
          <summary>summary of the earlier conversation (compaction)</summary>
          <div class="prose-text">{row.text}</div>
        </details>
      );
    default: {
      const never: never = row;
      return <div class="row raw mono">{compactJson(never)}</div>;
    }
  }
}

/** An answer: Markdown, with a copy button for it and for each code block. */
function AnswerRow(
  { text, markdown }: { text: string; markdown: MarkdownRenderer },
): JSX.Element {
  const body = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (body.current) addCodeCopyButtons(body.current);
  }, [text]);
  return (
    <div class="row text" data-row="text">
      <div
        class="markdown"
        ref={body}
        dangerouslySetInnerHTML={{ __html: markdown(text) }}
      />
      <CopyButton text={text} what="copy answer" />
    </div>
  );
}

function TurnEndRow(
  { row }: { row: TurnEndFields & { key: string } },
): JSX.Element {
  const ok = row.ok !== false;
  const cancelled = !ok && row.cancelled;
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
  if (row.numTurns !== null) parts.push(plural(row.numTurns, "step"));
  return (
    <div
      class={`row turn-end ${ok ? "ok" : cancelled ? "cancelled" : "failed"}`}
      data-row="turn_end"
      data-result-kind={row.resultKind ?? undefined}
      role="status"
    >
      <div>
        <span class="icon" aria-hidden="true">
          {ok ? "■" : cancelled ? "◼" : "✗"}
        </span>{" "}
        <strong>
          {ok
            ? "turn done"
            : cancelled
            ? "turn cancelled"
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
            : `${plural(toolCount, "tool")}: ${
              tools.map(([name, count]) => `${toolLabel(name)}×${count}`).join(
                ", ",
              )
            }`}
        </span>
      </div>
      {row.note && !ok && !cancelled && !row.noteShownAbove && (
        <Folded text={row.note} class="turn-note" />
      )}
    </div>
  );
}
