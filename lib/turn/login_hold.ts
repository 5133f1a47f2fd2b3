/**
 * @module The login hold across restarts. A wake-up refused for "not logged in" waits in the inbox
 * for a login (SPEC §9); without a record of that wait, every restart would run it again only to
 * be refused again, one more failed turn each time. So the hold is written down (a small file in
 * the runtime dir) with a fingerprint of where claude finds credentials: the key and token
 * variables of its environment, the pasted credential, claude's own login file. A restart with
 * the same fingerprint starts out waiting for the login; a changed one (a key exported before the
 * restart, a `claude /login` in a shell) runs the wake-up at once. The fingerprint is a hash: no
 * secret is written.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import type { Logger } from "../log.ts";

/** Variables through which claude takes credentials or the endpoint that judges them. */
export const CREDENTIAL_VARIABLES: readonly string[] = [
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "CLAUDE_CODE_OAUTH_TOKEN",
  "ANTHROPIC_BASE_URL",
];

/** Where claude finds credentials, for {@linkcode credentialFingerprint}. */
export interface CredentialSources {
  /** The environment claude starts from. */
  env: Record<string, string>;
  /** Files whose change can log claude in (the pasted credential, claude's own). */
  files: readonly string[];
}

/** claude's own login file: `$CLAUDE_CONFIG_DIR/.credentials.json`, else under `$HOME/.claude`. */
export function claudeLoginFile(env: Record<string, string>): string {
  const config = env.CLAUDE_CONFIG_DIR ??
    join(env.HOME ?? "/root", ".claude");
  return join(config, ".credentials.json");
}

/** A hash of the credential sources: changes when a key, token or login file does. */
export function credentialFingerprint(sources: CredentialSources): string {
  const hash = createHash("sha256");
  for (const name of CREDENTIAL_VARIABLES) {
    hash.update(`${name}=${sources.env[name] ?? "\u0000unset"}\n`);
  }
  for (const file of sources.files) {
    let stamp = "absent";
    try {
      const info = Deno.statSync(file);
      stamp = `${info.size}:${info.mtime?.getTime() ?? 0}`;
    } catch {
      // absent or unreadable: counts as absent
    }
    hash.update(`${file}=${stamp}\n`);
  }
  return hash.digest("hex");
}

interface HoldRecord {
  fingerprint: string;
  text: string;
}

/** The persisted "waiting for a login" of one agent's state dir. */
export class LoginHold {
  #path: string;
  #fingerprint: () => string;
  #log: Logger;
  #held = false;

  constructor(path: string, fingerprint: () => string, log: Logger) {
    this.#path = path;
    this.#fingerprint = fingerprint;
    this.#log = log;
  }

  /**
   * At start: the refusal's text when the last run ended waiting for a login and no credential
   * source changed since, else null (and a stale record is dropped).
   */
  heldAtStart(): string | null {
    let record: HoldRecord;
    try {
      record = JSON.parse(Deno.readTextFileSync(this.#path)) as HoldRecord;
    } catch {
      return null;
    }
    if (record.fingerprint === this.#fingerprint()) {
      this.#held = true;
      return typeof record.text === "string" ? record.text : "";
    }
    this.#held = true;
    this.release();
    return null;
  }

  /**
   * claude said it is not logged in: remember it, with today's credential sources. A record that
   * cannot be written is logged; the hold then lasts only as long as this process.
   */
  hold(text: string): void {
    this.#held = true;
    try {
      const record: HoldRecord = { fingerprint: this.#fingerprint(), text };
      Deno.mkdirSync(dirname(this.#path), { recursive: true });
      Deno.writeTextFileSync(this.#path, JSON.stringify(record));
    } catch (error) {
      this.#log.warn("Cannot record the login hold; a restart will try again", {
        path: this.#path,
        error,
      });
    }
  }

  /** A credential arrived or a turn succeeded: no more waiting (cheap when none was recorded). */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    try {
      Deno.removeSync(this.#path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      this.#log.warn("Cannot remove the login hold record", {
        path: this.#path,
        error,
      });
    }
  }
}
