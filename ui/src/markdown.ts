/// <reference lib="dom" />
/**
 * @module Markdown from claude, made safe to show. claude's output is untrusted: raw HTML in it is
 * shown as text (never parsed), images become links (nothing is fetched), and rendered HTML with a
 * link then goes through DOMPurify, which strips `javascript:` links. Links open in a new tab.
 */
import DOMPurify from "dompurify";
import { Marked } from "marked";

/** Turns Markdown into HTML that is safe to put in the page. */
export type MarkdownRenderer = (markdown: string) => string;

const FORBID_TAGS = [
  "style",
  "form",
  "input",
  "button",
  "textarea",
  "select",
  "iframe",
  "img",
  "svg",
  "math",
];

/** Build the renderer (installs the sanitiser's link hook once). */
export function createMarkdownRenderer(): MarkdownRenderer {
  const marked = new Marked({
    gfm: true,
    renderer: {
      html: ({ text }) => escapeHtml(text),
      image: ({ href, text }) =>
        `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
    },
  });
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    }
  });
  return function renderMarkdown(markdown: string): string {
    const html = marked.parse(markdown, { async: false });
    // Raw HTML was escaped above and images made links, so HTML without a link carries no URL and
    // no markup of claude's: it needs no sanitiser (which costs a parsed document per call).
    if (!/<a\s/i.test(html)) return html;
    return DOMPurify.sanitize(html, {
      FORBID_TAGS,
      FORBID_ATTR: ["style", "class", "id"],
    });
  };
}

/** Escape text for HTML. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  ).replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
