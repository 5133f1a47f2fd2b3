/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module A "copy" button: puts a text on the clipboard and says "copied" for a moment (or why it
 * could not). Code blocks in answers get one too, added after the Markdown is drawn.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";

/** Props of {@linkcode CopyButton}. */
export interface CopyButtonProps {
  text: string | (() => string);
  /** What is copied, for screen readers: "copy answer". */
  what: string;
}

/** Put `text` on the clipboard; resolves to whether it worked. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (an insecure origin): the old way, through a selection.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done;
  }
}

/** The button. */
export function CopyButton({ text, what }: CopyButtonProps): JSX.Element {
  const [said, setSaid] = useState<string | null>(null);
  return (
    <button
      type="button"
      class="copy"
      aria-label={said ?? what}
      title={what}
      onClick={async () => {
        const done = await copyText(typeof text === "string" ? text : text());
        setSaid(done ? "copied" : "copy failed");
        setTimeout(() => setSaid(null), 1500);
      }}
    >
      {said ?? "copy"}
    </button>
  );
}

/** Give every `<pre>` under `root` a copy button (for Markdown drawn as HTML). */
export function addCodeCopyButtons(root: HTMLElement): void {
  for (const pre of root.querySelectorAll("pre")) {
    if (pre.parentElement?.classList.contains("code-block")) continue;
    const wrap = document.createElement("div");
    wrap.className = "code-block";
    pre.replaceWith(wrap);
    wrap.append(pre);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "copy";
    button.setAttribute("aria-label", "copy code");
    button.addEventListener("click", async () => {
      const done = await copyText(pre.textContent ?? "");
      button.textContent = done ? "copied" : "copy failed";
      setTimeout(() => button.textContent = "copy", 1500);
    });
    wrap.append(button);
  }
}
