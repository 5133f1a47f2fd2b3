/** @module DOMPurify for the pages, pinned here so that the harness never embeds it. */
export { default } from "npm:dompurify@3.5.0";
