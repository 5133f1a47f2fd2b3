/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module A tool call as a row: its state (running with the time it has taken so far, done, or
 * failed; a finished call shows no time, as a reload could not show it again), its one-line summary, the change an Edit or MultiEdit makes as a diff (`<del>` /
 * `<ins>`), a Write as its file and line count with the content folded, and the result. The input
 * is one click away. Text from claude is only ever put in the page as text.
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type DiffLine, type FileChange, fileChange } from "./edit_diff.ts";
import { formatDuration, plural } from "./format.ts";
import { Folded } from "./folded_view.tsx";
import { toolLabel, toolSummary } from "./tool_summary.ts";
import type { Row } from "./transcript.ts";

/** Diff lines shown before "show all". */
const DIFF_FOLD_LINES = 40;
/** Between two MultiEdit hunks. */
const GAP = "⋯\n";

/** One tool call. */
export function ToolRow(
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
  const change = fileChange(row.name, row.input);
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
        <strong class="tool-name">{toolLabel(row.name)}</strong>
        <span class="mono tool-summary" title={summary}>{summary}</span>
        {change?.kind === "write" && (
          <span class="pill write-lines">
            {plural(change.lines, "line")}
          </span>
        )}
        {row.result === null && row.startedMs !== null && (
          <Elapsed sinceMs={row.startedMs} />
        )}
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
      {change && <ChangeView change={change} />}
      {hasInput && showInput && (
        <pre class="mono tool-input">{prettyInput(row.input)}</pre>
      )}
      {row.result !== null && (
        <Folded
          text={row.result.text || "(no output)"}
          class={`tool-result mono${row.result.isError ? " error" : ""}`}
          label="result"
          copy
        />
      )}
    </article>
  );
}

/** The seconds a running call has taken, ticking. */
function Elapsed({ sinceMs }: { sinceMs: number }): JSX.Element {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.floor((now - sinceMs) / 1000));
  return (
    <span class="tool-time elapsed" data-elapsed={seconds}>
      {formatDuration(seconds * 1000)}
    </span>
  );
}

function ChangeView({ change }: { change: FileChange }): JSX.Element {
  const [open, setOpen] = useState(false);
  if (change.kind === "write") {
    return (
      <details class="write-content">
        <summary>
          content ({plural(change.lines, "line")})
        </summary>
        <pre class="mono">{change.content}</pre>
      </details>
    );
  }
  const lines: (DiffLine | null)[] = change.hunks.flatMap((hunk, i) =>
    i === 0 ? hunk : [null, ...hunk]
  );
  const long = lines.length > DIFF_FOLD_LINES;
  const shown = long && !open ? lines.slice(0, DIFF_FOLD_LINES) : lines;
  const removed = lines.filter((line) => line?.op === "del").length;
  const added = lines.filter((line) => line?.op === "ins").length;
  return (
    <div class="diff" role="group" aria-label={`changes to ${change.path}`}>
      <div class="diff-stat dim">
        <span class="diff-added">+{added}</span>{" "}
        <span class="diff-removed">−{removed}</span>
        {change.replaceAll && " · every occurrence"}
      </div>
      <pre class="mono diff-lines">{shown.map((line, i) =>
        line === null
          ? <span key={i} class="diff-gap">{GAP}</span>
          : line.op === "del"
          ? <del key={i}>{`${line.text}\n`}</del>
          : line.op === "ins"
          ? <ins key={i}>{`${line.text}\n`}</ins>
          : <span key={i} class="diff-same">{`${line.text}\n`}</span>
      )}</pre>
      {long && (
        <button
          type="button"
          class="link"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          {open ? "show less" : `show all (${plural(lines.length, "line")})`}
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
