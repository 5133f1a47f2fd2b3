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

/** How long a tree's RSS is reused: reading it walks all of `/proc`, and pages poll the state. */
const RSS_TTL_MS = 2000;

/**
 * {@linkcode treeRssBytes} read at most once per {@linkcode RSS_TTL_MS} for the same pid, so a
 * page polling `/api/state` or a scrape of `/metrics` does not walk `/proc` each time.
 */
export class TreeRssReader {
  #last: { pid: number; at: number; bytes: number | null } | null = null;
  #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** The tree's resident bytes, as of at most a couple of seconds ago. */
  read(pid: number): number | null {
    const now = this.#now();
    const last = this.#last;
    if (last !== null && last.pid === pid && now - last.at < RSS_TTL_MS) {
      return last.bytes;
    }
    const bytes = treeRssBytes(pid);
    this.#last = { pid, at: now, bytes };
    return bytes;
  }
}
