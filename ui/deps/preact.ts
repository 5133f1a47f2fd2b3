/**
 * @module preact for the pages, pinned here rather than in deno.json so that the harness binary
 * (`deno task compile`) and `deno task start` never embed or fetch it: the pages ship prebuilt.
 */
export * from "npm:preact@11.2.0";
