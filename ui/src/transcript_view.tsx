/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The scrolling transcript. It follows the bottom while the operator is there; once they
 * scroll up it stays put and offers a "new activity" button instead of yanking them down.
 */
import type { JSX } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { MarkdownRenderer } from "./markdown.ts";
import { RowView } from "./rows_view.tsx";
import type { Row } from "./transcript.ts";

/** How close to the bottom still counts as "at the bottom", in pixels. */
const BOTTOM_SLACK_PX = 48;

/** Props of {@linkcode TranscriptView}. */
export interface TranscriptViewProps {
  rows: readonly Row[];
  /** Changes whenever the rows do (they are one array, changed in place). */
  version: number;
  markdown: MarkdownRenderer;
  status: string;
  empty: boolean;
}

/** The transcript column. */
export function TranscriptView(
  { rows, version, markdown, status, empty }: TranscriptViewProps,
): JSX.Element {
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const [behind, setBehind] = useState(false);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    if (following.current) element.scrollTop = element.scrollHeight;
    else setBehind(true);
  }, [version]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    following.current =
      element.scrollHeight - element.scrollTop - element.clientHeight <
        BOTTOM_SLACK_PX;
    if (following.current) setBehind(false);
  };

  const jump = () => {
    const element = scroller.current;
    if (!element) return;
    following.current = true;
    element.scrollTop = element.scrollHeight;
    setBehind(false);
  };

  return (
    <div class="transcript-wrap">
      <div
        class="transcript"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        tabIndex={0}
        aria-label="transcript"
        aria-live="polite"
        aria-relevant="additions"
      >
        {empty && (
          <p class="dim empty">
            {status === "live"
              ? "Nothing yet. Send the agent a message below."
              : "Loading…"}
          </p>
        )}
        {rows.map((row) => (
          <RowView key={row.key} row={row} markdown={markdown} />
        ))}
      </div>
      {behind && (
        <button type="button" class="jump" onClick={jump}>
          ↓ new activity
        </button>
      )}
    </div>
  );
}
