/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The scrolling transcript. It follows the newest row while the operator is at the
 * bottom: a ResizeObserver on the rows keeps it there through bursts, late layout (Markdown,
 * fonts, rows whose layout `content-visibility` defers) and narrow screens. Once the operator
 * scrolls up it stays put and offers a "new activity" button instead of yanking them down. While
 * a turn runs, the log is `aria-busy` and ends with a running row that counts the time.
 *
 * New rows are mounted as many a frame as fit a time budget, newest first: a loaded history or a
 * flood of thousands of lines becomes many short frames, never one long task.
 */
import { Component, type JSX } from "preact";
import {
  useEffect,
  useLayoutEffect,
  useReducer,
  useRef,
  useState,
} from "preact/hooks";
import { FindBar } from "./find_bar.tsx";
import { formatDuration } from "./format.ts";
import type { MarkdownRenderer } from "./markdown.ts";
import { RowView } from "./rows_view.tsx";
import type { Row } from "./transcript.ts";

/** How close to the bottom still counts as "at the bottom", in pixels. */
const BOTTOM_SLACK_PX = 48;
/** A scroll this soon after a wheel, touch or key is the operator's. */
const INTENT_MS = 800;
/** At most this many new rows go in the page per frame. */
const MOUNT_PER_FRAME = 200;
/** Rows in the first draw, before the page has measured what a row costs. */
const MOUNT_FIRST = 20;
/** Script time a frame may spend on new rows, in ms. */
const FRAME_BUDGET_MS = 16;

/** A running turn, as the running row shows it. */
export interface RunningTurn {
  state: string;
  sinceUnix: number;
}

/** Props of {@linkcode TranscriptView}. */
export interface TranscriptViewProps {
  rows: readonly Row[];
  /** The absolute position of `rows[0]` (rows the cap dropped before it). */
  base: number;
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
  { rows, base, version, markdown, status, empty, running, findBar }:
    TranscriptViewProps,
): JSX.Element {
  const shown = useMountedRange(base, base + rows.length);
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
      {findBar && (
        <FindBar
          scroller={scroller}
          drawn={`${version}:${shown.from}-${shown.until}`}
        />
      )}
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
            {blocksOf(shown.from, shown.until).map(([start, stop]) => (
              <RowBlock
                key={Math.floor(start / BLOCK_ROWS)}
                rows={rows.slice(start - base, stop - base)}
                markdown={markdown}
              />
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

/** Rows per block: the list the page diffs each frame is blocks, not thousands of rows. */
const BLOCK_ROWS = 100;

/** `[start, stop)` of each block of absolute positions between `from` and `until`. */
function blocksOf(from: number, until: number): [number, number][] {
  const blocks: [number, number][] = [];
  for (
    let start = from;
    start < until;
    start = (Math.floor(start / BLOCK_ROWS) + 1) * BLOCK_ROWS
  ) {
    blocks.push([
      start,
      Math.min(until, (Math.floor(start / BLOCK_ROWS) + 1) * BLOCK_ROWS),
    ]);
  }
  return blocks;
}

interface RowBlockProps {
  rows: readonly Row[];
  markdown: MarkdownRenderer;
}

/**
 * A block of rows, drawn again only when one of its rows changed: a new row at the end touches
 * one block, and dropping the oldest rows removes whole blocks. A block is keyed by its place in
 * the transcript, not its first shown row, so filling in above the newest rows grows the top
 * block rather than drawing it anew.
 */
class RowBlock extends Component<RowBlockProps> {
  override shouldComponentUpdate(next: RowBlockProps): boolean {
    const now = this.props.rows;
    return next.rows.length !== now.length ||
      next.rows.some((row, i) => row !== now[i]);
  }

  override render(): JSX.Element {
    // The block, not each row, defers its layout: the browser tracks tens of boxes, not thousands.
    return (
      <div class="row-block">
        {this.props.rows.map((row) => (
          <RowView key={row.key} row={row} markdown={this.props.markdown} />
        ))}
      </div>
    );
  }
}

/**
 * Which rows (absolute positions, `from` inclusive, `until` exclusive) are in the page. New rows
 * go in as many a frame as fit a frame's budget, measured on the rows mounted last (Markdown costs
 * more than a note); the newest go first, the rest follow a frame at a time, newer before older.
 * Far behind (a flood), the page jumps to the newest rows and fills in above them afterwards.
 */
function useMountedRange(
  base: number,
  end: number,
): { from: number; until: number } {
  const range = useRef<{ from: number; until: number } | null>(null);
  const perFrame = useRef(MOUNT_FIRST);
  const rowCostMs = useRef(0);
  const [, tick] = useReducer((count: number) => count + 1, 0);
  const startedMs = performance.now();
  const before = range.current ? { ...range.current } : null;
  let shown = range.current;
  if (shown === null || shown.until > end) {
    // First draw, or the rows were cleared (a reset): start from the newest.
    shown = { from: Math.max(base, end - perFrame.current), until: end };
  }
  shown.from = Math.max(shown.from, base);
  if (end - shown.until <= perFrame.current) shown.until = end;
  else if (end - shown.until > perFrame.current * 3) {
    // A flood: show its newest rows now and fill in above them later, rather than trail behind.
    shown = { from: end - perFrame.current, until: end };
  }
  shown.from = Math.min(shown.from, shown.until);
  range.current = shown;
  // Rows new to the page: those shown now that were not before. After a flood's jump that is
  // the rows shown, not the rows jumped over (counting those priced a row at a fraction of its
  // cost, so the next frames mounted hundreds of Markdown rows at once: tasks of 200 ms).
  const kept = before === null || before.until > end ? 0 : Math.max(
    0,
    Math.min(shown.until, before.until) - Math.max(shown.from, before.from),
  );
  const mounted = shown.until - shown.from - kept;
  const pending = shown.until < end || shown.from > base;
  // How long this draw took per new row sets how many the next frame takes. The cost kept falls
  // slowly and rises at once: rows are not alike (Markdown costs ten notes), and a frame of cheap
  // rows must not let the next one mount hundreds of dear ones.
  useLayoutEffect(() => {
    if (mounted < 10) return;
    const measuredMs = (performance.now() - startedMs) / mounted;
    rowCostMs.current = Math.max(0.01, measuredMs, rowCostMs.current * 0.75);
    perFrame.current = Math.max(
      10,
      Math.min(
        MOUNT_PER_FRAME,
        Math.floor(FRAME_BUDGET_MS / rowCostMs.current),
      ),
    );
  });
  useEffect(() => {
    if (!pending) return;
    const frame = requestAnimationFrame(() => {
      const current = range.current;
      if (!current) return;
      if (current.until < end) {
        current.until = Math.min(end, current.until + perFrame.current);
      } else {
        current.from = Math.max(base, current.from - perFrame.current);
      }
      tick(0);
    });
    return () => cancelAnimationFrame(frame);
  });
  return shown;
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
