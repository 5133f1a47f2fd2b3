/**
 * @module What a claude costs in memory: the resident set of claude and every process it started
 * (its MCP server, running tools), read from Linux `/proc`. Shown in `/api/state.claude` and
 * `/metrics`, so an operator can weigh a warm agent against `--keep-warm`.
 */
import { collectDescendants } from "./process_tree.ts";

/** Resident bytes of `pid` alone; null when it is gone or `/proc` is unreadable. */
export function rssBytes(pid: number): number | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return null;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) * 1024 : null;
}

/** Resident bytes of `pid` and all its descendants; null when `pid` itself is gone. */
export function treeRssBytes(pid: number): number | null {
  const own = rssBytes(pid);
  if (own === null) return null;
  let total = own;
  try {
    for (const info of collectDescendants(pid)) {
      total += rssBytes(info.pid) ?? 0;
    }
  } catch {
    // No /proc listing: claude's own figure is still worth showing.
  }
  return total;
}
