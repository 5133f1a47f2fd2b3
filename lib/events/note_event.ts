/**
 * @module How the server makes a `note` event from text it does not control (claude's stderr,
 * stray stdout, error messages): secrets redacted first, then cut at
 * {@linkcode NOTE_LIMIT_BYTES}, so neither a key nor one runaway line reaches the page.
 */
import { redactSecrets } from "../log.ts";
import { cutText, type LiveEvent, NOTE_LIMIT_BYTES } from "../wire/events.ts";

/** A `note` event: `text` with secrets redacted, cut at {@linkcode NOTE_LIMIT_BYTES}. */
export function noteEvent(text: string): LiveEvent {
  return { kind: "note", text: cutText(redactSecrets(text), NOTE_LIMIT_BYTES) };
}
