/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module Finding things in the transcript: a search box with next/previous (Enter, Shift+Enter)
 * and a count, and jumps to the next error or the next turn below what is in view. It works on
 * the drawn rows, so it finds exactly what a person can read; matches are highlighted with the
 * CSS Custom Highlight API where the browser has it.
 */
import type { JSX, RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

/** Rows that are failures of some kind. */
const ERROR_ROWS =
  '[data-row="api_error"], .row.tool.error, .row.turn-end.failed, .row.info.error, [data-row="note"].error';
const TURN_ROWS = '[data-row="wake"]';
const HIGHLIGHT = "transcript-find";

/** Props of {@linkcode FindBar}. */
export interface FindBarProps {
  /** The scrolling transcript. */
  scroller: RefObject<HTMLDivElement | null>;
  /**
   * Changes whenever the drawn rows do (new rows, and older ones filled in above over the next
   * frames), so the count stays right.
   */
  drawn: string;
}

/** The find bar above the transcript. */
export function FindBar({ scroller, drawn }: FindBarProps): JSX.Element {
  const [query, setQuery] = useState("");
  const [current, setCurrent] = useState(0);
  const [count, setCount] = useState(0);
  const [note, setNote] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const matches = (): HTMLElement[] => {
    const root = scroller.current;
    const needle = query.trim().toLowerCase();
    if (!root || needle === "") return [];
    return [...root.querySelectorAll<HTMLElement>(".rows .row")].filter((
      row,
    ) => (row.textContent ?? "").toLowerCase().includes(needle));
  };

  useEffect(() => {
    const found = matches();
    setCount(found.length);
    highlight(scroller.current, query.trim());
  }, [query, drawn]);

  useEffect(() => () => highlight(null, ""), []);

  // Ctrl/Cmd+F on the page focuses this box (a second press gives the browser's own).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (
        (event.ctrlKey || event.metaKey) && event.key === "f" &&
        document.activeElement !== input.current
      ) {
        event.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const go = (step: 1 | -1) => {
    const found = matches();
    setCount(found.length);
    if (found.length === 0) return setCurrent(0);
    const next = ((current - 1 + step) % found.length + found.length) %
      found.length;
    setCurrent(next + 1);
    show(found[next]);
  };

  const jump = (selector: string, what: string) => {
    const root = scroller.current;
    if (!root) return;
    // Below the row found last while it is in view, else below the top of the view.
    const view = root.getBoundingClientRect();
    const marked = root.querySelector<HTMLElement>(".row.found")
      ?.getBoundingClientRect();
    const top = marked && marked.bottom > view.top && marked.top < view.bottom
      ? marked.top
      : view.top + 8;
    const target = [...root.querySelectorAll<HTMLElement>(selector)].find((
      row,
    ) => row.getBoundingClientRect().top > top + 1);
    setNote(target ? null : `no ${what} below`);
    if (target) show(target);
  };

  return (
    <div class="find-bar" role="search" aria-label="find in the transcript">
      <input
        ref={input}
        type="search"
        placeholder="Find in transcript"
        aria-label="find in the transcript"
        value={query}
        onInput={(event) => {
          setQuery(event.currentTarget.value);
          setCurrent(0);
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            go(event.shiftKey ? -1 : 1);
          }
        }}
      />
      <button
        type="button"
        aria-label="previous match"
        title="previous match (Shift+Enter)"
        onClick={() =>
          go(-1)}
        disabled={count === 0}
      >
        ↑
      </button>
      <button
        type="button"
        aria-label="next match"
        title="next match (Enter)"
        onClick={() =>
          go(1)}
        disabled={count === 0}
      >
        ↓
      </button>
      {query.trim() !== "" && (
        <span class="find-count" role="status">
          {count === 0
            ? "no match"
            : current === 0
            ? `${count} ${count === 1 ? "match" : "matches"}`
            : `${current} of ${count}`}
        </span>
      )}
      <span class="find-jumps">
        <button
          type="button"
          onClick={() =>
            jump(ERROR_ROWS, "error")}
        >
          next error
        </button>
        <button type="button" onClick={() => jump(TURN_ROWS, "turn")}>
          next turn
        </button>
        {note && <span class="find-count" role="status">{note}</span>}
      </span>
    </div>
  );
}

/** Bring a row into view and mark it for a moment. */
function show(row: HTMLElement | undefined): void {
  if (!row) return;
  row.scrollIntoView({ block: "center" });
  for (const old of document.querySelectorAll(".row.found")) {
    old.classList.remove("found");
  }
  row.classList.add("found");
}

interface HighlightRegistry {
  set(name: string, highlight: unknown): void;
  delete(name: string): void;
}

/** Highlight every occurrence of `needle` under `root` (Chromium's Custom Highlight API). */
function highlight(root: HTMLElement | null, needle: string): void {
  const registry = (globalThis as unknown as {
    CSS?: { highlights?: HighlightRegistry };
  }).CSS?.highlights;
  const Highlight = (globalThis as unknown as {
    Highlight?: new (...ranges: Range[]) => unknown;
  }).Highlight;
  if (!registry || !Highlight) return;
  if (!root || needle === "") return registry.delete(HIGHLIGHT);
  const lower = needle.toLowerCase();
  const ranges: Range[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = (node.nodeValue ?? "").toLowerCase();
    for (
      let at = text.indexOf(lower);
      at !== -1 && ranges.length < 2000;
      at = text.indexOf(lower, at + lower.length)
    ) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + lower.length);
      ranges.push(range);
    }
  }
  registry.set(HIGHLIGHT, new Highlight(...ranges));
}
