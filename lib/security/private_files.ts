/**
 * @module Keeping the state dir to its owner: the dir is 0700 and the stores in it 0600, since
 * they hold the transcript (whatever claude read or printed), the operator's credential and the
 * broker's messages. Modes are set when a file is made and tightened when an older run left it
 * wider; a file this user does not own is left as it is (its owner chose).
 */

/** Make `path` (and its parents) if missing; drop group and other access to it. */
export function ensurePrivateDir(path: string): void {
  Deno.mkdirSync(path, { recursive: true, mode: 0o700 });
  tighten(path);
}

/** Create `path` empty with mode 0600 if missing, else drop group and other access to it. */
export function ensurePrivateFile(path: string): void {
  try {
    Deno.openSync(path, { create: true, write: true, mode: 0o600 }).close();
  } catch (error) {
    // A read-only or foreign file: opening it for real says what is wrong.
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
  }
  tighten(path);
}

/** Drop group and other access to `path` when it exists and has any; the owner's bits stay. */
export function tighten(path: string): void {
  try {
    const mode = (Deno.statSync(path).mode ?? 0) & 0o7777;
    if ((mode & 0o077) !== 0) Deno.chmodSync(path, mode & ~0o077);
  } catch {
    // Missing, or not ours to change.
  }
}
