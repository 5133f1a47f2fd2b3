/** @module marked (Markdown) for the pages, pinned here so that the harness never embeds it. */
export * from "npm:marked@18.2.1";
