/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module Long text folded: its head and a "show all" toggle. Opened, it grows the row itself,
 * never a nested scroller, so nothing of it is clipped.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { CopyButton } from "./copy_button.tsx";
import { formatTokens, plural } from "./format.ts";

/** Lines shown before "show all". */
const FOLD_LINES = 12;
const FOLD_CHARS = 1500;

/** Props of {@linkcode Folded}. */
export interface FoldedProps {
  text: string;
  class?: string;
  label?: string;
  /** Offer a copy button for the whole text. */
  copy?: boolean;
}

/** Text shown in full when short, else its head and a "show all" toggle. */
export function Folded(
  { text, class: className = "", label, copy = false }: FoldedProps,
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
            : `show all (${plural(lines.length, "line")}, ${
              formatTokens(text.length)
            } chars)`}
        </button>
      )}
      {copy && <CopyButton text={text} what={`copy ${label ?? "text"}`} />}
    </div>
  );
}
