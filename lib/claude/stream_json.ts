/**
 * @module Reading one line of claude's stdout as stream-json (SPEC §4.4): an object, or anything
 * else kept as text, so a bad line becomes a note and never an exception.
 */

const OPEN_BRACE = 123;

/** A stdout line read as stream-json: an object, or anything else kept as text. */
export type ParsedLine =
  | { kind: "object"; value: Record<string, unknown> }
  | { kind: "not_json"; text: string };

/** Read a stdout line as stream-json; never throws. Arrays and scalars are `not_json`. */
export function parseStreamLine(text: string): ParsedLine {
  // Only text opening with "{" can be an object: skip JSON.parse (and its exception) otherwise.
  let first = 0;
  while (first < text.length && isJsonSpace(text.charCodeAt(first))) first++;
  if (text.charCodeAt(first) === OPEN_BRACE) {
    try {
      const value: unknown = JSON.parse(text);
      if (
        typeof value === "object" && value !== null && !Array.isArray(value)
      ) {
        return { kind: "object", value: value as Record<string, unknown> };
      }
    } catch {
      // Not JSON: reported as text below, which is what the caller wants to see.
    }
  }
  return { kind: "not_json", text };
}

function isJsonSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}
