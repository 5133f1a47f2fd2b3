/**
 * @module playwright-core for the browser tests, pinned here rather than in deno.json so that
 * the harness binary (`deno task compile`) and `deno task start` never embed or fetch its 13 MB.
 * Keep the version equal to `.tools/package.json`'s.
 */
export * from "npm:playwright-core@1.65.1";
