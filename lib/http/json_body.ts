/**
 * @module Reading a JSON request body and its fields, rejecting with 400 naming the field. Kept
 * in one place so every route answers bad input the same way.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { errorMessage } from "../error_message.ts";

/** The body as a JSON object, or 400. An empty body is `{}`. */
export async function readJsonObject(
  c: Context,
): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HTTPException(400, {
      message: `body is not valid JSON: ${errorMessage(error)}`,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HTTPException(400, { message: "body must be a JSON object" });
  }
  return value as Record<string, unknown>;
}

/** A required non-empty string field, or 400 naming it. */
export function requireString(
  body: Record<string, unknown>,
  field: string,
  maxLength = 65_536,
): string {
  const value = body[field];
  if (typeof value !== "string") {
    throw new HTTPException(400, { message: `${field}: required string` });
  }
  if (value.trim() === "") {
    throw new HTTPException(400, { message: `${field}: must not be empty` });
  }
  if (value.length > maxLength) {
    throw new HTTPException(400, {
      message: `${field}: longer than ${maxLength} characters`,
    });
  }
  return value;
}

/** A required positive integer field, or 400 naming it. */
export function requireId(value: unknown, field: string): number {
  const id = typeof value === "string" && /^\d+$/.test(value)
    ? Number(value)
    : value;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
    throw new HTTPException(400, {
      message: `${field}: must be a positive integer`,
    });
  }
  return id;
}
