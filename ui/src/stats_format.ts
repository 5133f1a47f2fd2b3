/**
 * @module How the `/stats` page writes figures beyond what `format.ts` gives every page: the
 * exact values of a tooltip (`21,934` tokens, `$0.0183`) and the cost card, which keeps the
 * detail of small sums (`$0.0071`, `$0.0183`) and writes larger ones to the cent (`$1.24`).
 */
import { formatCost } from "./format.ts";

/** A count in full: `21,934`. */
export function exactCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** Dollars to three significant digits below $1 (`$0.0183`), else to the cent. */
export function exactCost(usd: number): string {
  if (!Number.isFinite(usd) || usd <= 0) return "$0";
  if (usd < 0.000001) return "<$0.000001";
  return usd < 1 ? `$${Number(usd.toPrecision(3))}` : `$${usd.toFixed(2)}`;
}

/** The cost card: under a dime to three significant digits, else as the agent page writes it. */
export function cardCost(usd: number): string {
  return usd > 0 && usd < 0.1 ? exactCost(usd) : formatCost(usd);
}
