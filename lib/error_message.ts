/**
 * @module The one way an unknown thrown value becomes text for a log field, a note or a JSON
 * error: its message when it is an `Error`, else the value as a string.
 */

/** The message of `error`, or `String(error)` for a thrown non-Error. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
