/**
 * @module The agent's `hyperhive-status` file (SPEC §3): its free-text status, written by
 * `set_status` beside the broker row so the harness's page and host tools can read it without
 * asking the broker. Written aside then renamed, so a reader never sees half a status; a failure
 * is logged and does not undo the status the broker already holds.
 */
import type { Logger } from "../log.ts";

/** Write `text` (one line added when missing) to `path`; logs instead of throwing. */
export async function writeStatusFile(
  path: string,
  text: string,
  log: Logger,
): Promise<void> {
  const temporary = `${path}.tmp-${crypto.randomUUID()}`;
  try {
    await Deno.writeTextFile(
      temporary,
      text.endsWith("\n") ? text : `${text}\n`,
      { mode: 0o600 },
    );
    await Deno.rename(temporary, path);
  } catch (error) {
    log.warn("Cannot write the status file", { path, error });
    await Deno.remove(temporary).catch(() => {});
  }
}
