/**
 * @module How the page writes numbers for a person: durations, token counts, dollars, times.
 * Pure functions, so the header, the transcript and the stats panel say things the same way.
 */

/** `850 ms`, `12 s`, `4 m 05 s`, `2 h 07 m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} m ${String(seconds % 60).padStart(2, "0")} s`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return `${hours} h ${String(minutes % 60).padStart(2, "0")} m`;
  }
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** `950`, `12.3k`, `1.25M`. */
export function formatTokens(count: number): string {
  if (!Number.isFinite(count)) return "–";
  const abs = Math.abs(count);
  if (abs < 1000) return String(Math.round(count));
  if (abs < 100_000) return `${(count / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  if (abs < 1_000_000) return `${Math.round(count / 1000)}k`;
  return `${(count / 1_000_000).toFixed(2).replace(/\.?0+$/, "")}M`;
}

/** `$0.000018`, `$0.0012`, `$1.24`, `$120`: two significant digits for cheap turns. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return "–";
  if (usd === 0) return "$0";
  if (usd < 0.000001) return "<$0.000001";
  // Below a cent: two significant digits, without trailing zeros.
  if (usd < 0.01) return `$${Number(usd.toPrecision(2))}`;
  if (usd < 100) return `$${usd.toFixed(2)}`;
  return `$${Math.round(usd)}`;
}

/** A percentage of a whole, `0` to `100`, rounded. */
export function percent(part: number, whole: number): number {
  if (!(whole > 0) || !Number.isFinite(part)) return 0;
  return Math.max(0, Math.min(100, Math.round((part / whole) * 100)));
}

/** Local wall-clock time of a unix-seconds instant: `14:03` (with the date when not today). */
export function formatClock(
  unixSeconds: number,
  nowMs: number = Date.now(),
): string {
  const date = new Date(unixSeconds * 1000);
  const time = date.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
  });
  const today = new Date(nowMs).toDateString() === date.toDateString();
  return today
    ? time
    : `${
      date.toLocaleDateString([], { month: "short", day: "numeric" })
    } ${time}`;
}

/** `in 5 m`, `3 h ago`, `now`: a unix-seconds instant relative to now. */
export function formatRelative(
  unixSeconds: number,
  nowMs: number = Date.now(),
): string {
  const deltaMs = unixSeconds * 1000 - nowMs;
  if (Math.abs(deltaMs) < 5000) return "now";
  const text = formatDuration(Math.abs(deltaMs)).replace(/ \d+ (s|m|h)$/, "");
  return deltaMs > 0 ? `in ${text}` : `${text} ago`;
}

/** `1 tool`, `3 tools`, `1 reply`/`2 replies` (pass the plural when it is not `word + "s"`). */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** One line of compact JSON, cut to `limit` characters. */
export function compactJson(value: unknown, limit = 2000): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > limit
    ? `${text.slice(0, limit)}… (${text.length} chars)`
    : text;
}
