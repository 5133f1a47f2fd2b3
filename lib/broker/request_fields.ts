/**
 * @module Reading the fields of one broker request (a parsed JSON object from a socket line or
 * an MCP tool call). Each reader throws an `invalid` {@linkcode BrokerError} that names the field
 * and what it wanted, so a client sees exactly what to fix; unknown fields are left alone.
 */
import { BrokerError } from "./broker_api.ts";

/** A request: a JSON object with a `cmd`. */
export type BrokerRequest = Record<string, unknown>;

/** Whether a parsed value is a JSON object (not an array or null). */
export function isRequestObject(value: unknown): value is BrokerRequest {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(key: string, wanted: string, got: unknown): BrokerError {
  const shown = got === undefined
    ? "nothing"
    : JSON.stringify(got).slice(0, 60);
  return new BrokerError(
    `Invalid "${key}": expected ${wanted}, got ${shown}`,
    "invalid",
  );
}

/** A non-empty string, at most `maxLength` characters. */
export function requireString(
  request: BrokerRequest,
  key: string,
  maxLength = 256 * 1024,
): string {
  const value = request[key];
  if (
    typeof value !== "string" || value.trim() === "" || value.length > maxLength
  ) {
    throw invalid(
      key,
      `a non-empty string of at most ${maxLength} characters`,
      value,
    );
  }
  return value;
}

/** Like {@linkcode requireString}, or undefined when absent or null. */
export function optionalString(
  request: BrokerRequest,
  key: string,
  maxLength?: number,
): string | undefined {
  return request[key] === undefined || request[key] === null
    ? undefined
    : requireString(request, key, maxLength);
}

/** A positive integer id. */
export function requireId(request: BrokerRequest, key = "id"): number {
  const value = request[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(key, "a positive integer", value);
  }
  return value;
}

/** A finite number in `[min, max]`, or `fallback` when absent or null. */
export function optionalNumber<T extends number | null | undefined>(
  request: BrokerRequest,
  key: string,
  range: { min: number; max: number; fallback: T },
): number | T {
  const value = request[key];
  if (value === undefined || value === null) return range.fallback;
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < range.min ||
    value > range.max
  ) {
    throw invalid(key, `a number from ${range.min} to ${range.max}`, value);
  }
  return value;
}

/** A boolean, or false when absent or null. */
export function optionalBoolean(request: BrokerRequest, key: string): boolean {
  const value = request[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw invalid(key, "true or false", value);
  return value;
}

/** An array of non-empty strings (at most `maxItems`), or empty when absent or null. */
export function optionalStringList(
  request: BrokerRequest,
  key: string,
  maxItems = 50,
): string[] {
  const value = request[key];
  if (value === undefined || value === null) return [];
  if (
    !Array.isArray(value) || value.length > maxItems ||
    !value.every((item) =>
      typeof item === "string" && item.trim() !== "" && item.length <= 1000
    )
  ) {
    throw invalid(
      key,
      `a list of at most ${maxItems} non-empty strings`,
      value,
    );
  }
  return value as string[];
}

/** One of `choices`. */
export function requireChoice<T extends string>(
  request: BrokerRequest,
  key: string,
  choices: readonly T[],
): T {
  const value = request[key];
  if (
    typeof value !== "string" || !(choices as readonly string[]).includes(value)
  ) {
    throw invalid(
      key,
      choices.map((choice) => `"${choice}"`).join(" or "),
      value,
    );
  }
  return value as T;
}
