/** @module `preact/hooks` for the pages, pinned beside {@link ./preact.ts} (same version). */
export * from "npm:preact@11.2.0/hooks";
