/**
 * @module The operator-supplied credential (SPEC §9): a long-lived OAuth token from
 * `claude setup-token` or an API key, kept in `hyperhive-credentials` with mode 0600 and handed
 * to claude as `CLAUDE_CODE_OAUTH_TOKEN` or `ANTHROPIC_API_KEY`. The value never leaves this
 * module except as that environment variable.
 */
import { dirname } from "node:path";

/** Which kind of secret the operator pasted. */
export type CredentialKind = "oauth_token" | "api_key";

interface StoredCredential {
  kind: CredentialKind;
  value: string;
  "saved_at": number;
}

/** Longest credential accepted, to refuse pasted junk early. */
const MAX_CREDENTIAL_LENGTH = 4096;

/** Which kind a pasted secret is: API keys start `sk-ant-api`, everything else is an OAuth token. */
export function credentialKind(secret: string): CredentialKind {
  return secret.startsWith("sk-ant-api") ? "api_key" : "oauth_token";
}

/** Options for {@linkcode CredentialStore}. */
export interface CredentialStoreOptions {
  now?: () => number;
  /** Told each value as it is saved (and the saved one at start), so it can be redacted. */
  onSaved?: (value: string) => void;
}

/** Reads and writes the credentials file. */
export class CredentialStore {
  #path: string;
  #now: () => number;
  #onSaved: (value: string) => void;

  constructor(path: string, options: CredentialStoreOptions = {}) {
    const { now = Date.now, onSaved = () => {} } = options;
    this.#path = path;
    this.#now = now;
    this.#onSaved = onSaved;
  }

  /** Save a pasted secret (0600). Throws RangeError/TypeError on an unusable value. */
  async save(secret: string): Promise<CredentialKind> {
    const value = secret.trim();
    if (value === "") throw new TypeError("token must not be empty");
    if (value.length > MAX_CREDENTIAL_LENGTH) {
      throw new RangeError(
        `token is longer than ${MAX_CREDENTIAL_LENGTH} characters`,
      );
    }
    if (/\s/.test(value)) {
      throw new TypeError("token must not contain spaces or line breaks");
    }
    // A NUL makes the environment unusable (claude could not be started at all), and control
    // or non-ASCII characters are paste debris: no token or key contains them.
    if (/[^\x21-\x7e]/.test(value)) {
      throw new TypeError("token must be printable ASCII");
    }
    const kind = credentialKind(value);
    const record: StoredCredential = {
      kind,
      value,
      "saved_at": Math.floor(this.#now() / 1000),
    };
    await Deno.mkdir(dirname(this.#path), { recursive: true });
    const temp = `${this.#path}.tmp-${crypto.randomUUID()}`;
    await Deno.writeTextFile(temp, JSON.stringify(record), { mode: 0o600 });
    await Deno.chmod(temp, 0o600);
    await Deno.rename(temp, this.#path);
    this.#onSaved(value);
    return kind;
  }

  /** The saved credential's kind, or null (for `/api/state`, never the value). */
  kind(): CredentialKind | null {
    return this.#read()?.kind ?? null;
  }

  /** Environment variables for claude, empty when nothing is saved. */
  env(): Record<string, string> {
    const stored = this.#read();
    if (!stored) return {};
    return stored.kind === "api_key"
      ? { ANTHROPIC_API_KEY: stored.value }
      : { CLAUDE_CODE_OAUTH_TOKEN: stored.value };
  }

  #read(): StoredCredential | null {
    try {
      const parsed = JSON.parse(Deno.readTextFileSync(this.#path));
      if (
        typeof parsed?.value === "string" &&
        (parsed.kind === "api_key" || parsed.kind === "oauth_token")
      ) return parsed;
      return null;
    } catch {
      return null;
    }
  }
}
