/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The scrolling transcript. It follows the newest row while the operator is at the
 * bottom: a ResizeObserver on the rows keeps it there through bursts, late layout (Markdown,
 * fonts, rows whose layout `content-visibility` defers) and narrow screens. Once the operator
 * scrolls up it stays put and offers a "new activity" button instead of yanking them down. While
 * a turn runs, the log is `aria-busy` and ends with a running row that counts the time.
 */
import type { JSX } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { FindBar } from "./find_bar.tsx";
import { formatDuration } from "./format.ts";
import type { MarkdownRenderer } from "./markdown.ts";
import { RowView } from "./rows_view.tsx";
import type { Row } from "./transcript.ts";

/** How close to the bottom still counts as "at the bottom", in pixels. */
const BOTTOM_SLACK_PX = 48;
/** A scroll this soon after a wheel, touch or key is the operator's. */
const INTENT_MS = 800;

/** A running turn, as the running row shows it. */
export interface RunningTurn {
  state: string;
  sinceUnix: number;
}

/** Props of {@linkcode TranscriptView}. */
export interface TranscriptViewProps {
  rows: readonly Row[];
  /** Changes whenever the rows do (they are one array, changed in place). */
  version: number;
  markdown: MarkdownRenderer;
  status: string;
  empty: boolean;
  /** The running turn, or null when idle. */
  running: RunningTurn | null;
  /** Offer the find bar (not in a feed-only embed). */
  findBar: boolean;
}

/** The transcript column. */
export function TranscriptView(
  { rows, version, markdown, status, empty, running, findBar }:
    TranscriptViewProps,
): JSX.Element {
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const [behind, setBehind] = useState(false);
  const followingState = useRef({ lastTop: 0, lastHeight: 0, intentAt: 0 });

  const stick = () => {
    const element = scroller.current;
    if (!element || !following.current) return;
    const bottom = element.scrollHeight - element.clientHeight;
    if (Math.abs(element.scrollTop - bottom) > 1) element.scrollTop = bottom;
    followingState.current.lastTop = element.scrollTop;
    followingState.current.lastHeight = element.scrollHeight;
  };

  useLayoutEffect(() => {
    if (following.current) stick();
    else setBehind(true);
  }, [version, running === null]);

  // Whatever changes the rows' size (a burst, late layout, a narrower window) keeps the bottom.
  useEffect(() => {
    const element = scroller.current;
    const inner = content.current;
    if (!element || !inner || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => stick());
    observer.observe(inner);
    observer.observe(element);
    const intent = () => followingState.current.intentAt = Date.now();
    const keys = (event: KeyboardEvent) => {
      if (/^(ArrowUp|ArrowDown|PageUp|PageDown|Home|End| )$/.test(event.key)) {
        intent();
      }
    };
    element.addEventListener("wheel", intent, { passive: true });
    element.addEventListener("touchmove", intent, { passive: true });
    element.addEventListener("pointerdown", intent, { passive: true });
    element.addEventListener("keydown", keys);
    return () => {
      observer.disconnect();
      element.removeEventListener("wheel", intent);
      element.removeEventListener("touchmove", intent);
      element.removeEventListener("pointerdown", intent);
      element.removeEventListener("keydown", keys);
    };
  }, []);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    const memory = followingState.current;
    const fromBottom = element.scrollHeight - element.scrollTop -
      element.clientHeight;
    if (fromBottom < BOTTOM_SLACK_PX) {
      following.current = true;
      setBehind(false);
    } else {
      // Only the operator leaves the bottom: a wheel, touch or key just now, or the view moved up
      // while the rows kept their height (a scrollbar drag, a script). Growth alone never does.
      const byOperator = Date.now() - memory.intentAt < INTENT_MS ||
        (element.scrollTop < memory.lastTop - 1 &&
          element.scrollHeight === memory.lastHeight);
      if (byOperator) following.current = false;
      else if (following.current) stick();
    }
    memory.lastTop = element.scrollTop;
    memory.lastHeight = element.scrollHeight;
  };

  const jump = () => {
    following.current = true;
    setBehind(false);
    stick();
  };

  return (
    <>
      {findBar && <FindBar scroller={scroller} version={version} />}
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
          aria-busy={running !== null ? "true" : "false"}
        >
          <div class="rows" ref={content}>
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
            {running && <RunningRow running={running} />}
          </div>
        </div>
        {behind && (
          <button type="button" class="jump" onClick={jump}>
            ↓ new activity
          </button>
        )}
      </div>
    </>
  );
}

/** The last row while a turn runs: what it is doing and for how long, ticking each second. */
function RunningRow({ running }: { running: RunningTurn }): JSX.Element {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(
    0,
    Math.floor((now - running.sinceUnix * 1000) / 1000),
  );
  return (
    <div class="row running" data-row="running" aria-live="off">
      <span class="spinner" aria-hidden="true" />{" "}
      <strong>
        {running.state === "compacting" ? "compacting" : "working"}
      </strong>
      {" · "}
      <span class="elapsed" data-elapsed={seconds}>
        {formatDuration(seconds * 1000)}
      </span>
    </div>
  );
}
