/**
 * @module Whether claude already has a session in the turn's cwd, so the first turn in a fresh
 * cwd runs without `--continue` (SPEC §4.3). A small file in the runtime dir names the cwd in
 * which a turn last started a session.
 */
import { dirname } from "node:path";

/** The remembered session cwd. */
export class ContinueMarker {
  #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  /** Whether a session was started in `cwd`. */
  matches(cwd: string): boolean {
    try {
      return Deno.readTextFileSync(this.#path).trim() === cwd;
    } catch {
      return false;
    }
  }

  /** Remember that a session exists in `cwd`. */
  remember(cwd: string): void {
    if (this.matches(cwd)) return;
    try {
      Deno.mkdirSync(dirname(this.#path), { recursive: true });
      Deno.writeTextFileSync(this.#path, `${cwd}\n`);
    } catch {
      // Without the marker the next turn starts a fresh session: worse, not broken.
    }
  }
}
