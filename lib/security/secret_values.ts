/**
 * @module The secret values this process knows (SPEC §9: no secret appears in events, logs or
 * responses). Patterns in the logger catch what looks like a key; this catches what *is* one,
 * whatever it looks like: the credential the operator saved (it reaches claude's environment, so
 * a Bash `env` prints it into a tool result), the UI token, and secrets of the environment. The
 * bus and the logger replace every known value with `[redacted]` before anything leaves.
 */

/** What a known secret is replaced with. */
export const REDACTED = "[redacted]";

/**
 * Values shorter than this are not treated as secrets: replacing a 3-letter token everywhere
 * would mangle ordinary text, and no real key or token is that short.
 */
export const MIN_SECRET_LENGTH = 8;

/** Environment variables whose values are secrets, besides `HYPERHIVE_*` ones named like one. */
const SECRET_ENV_NAMES = [
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "CLAUDE_CODE_OAUTH_TOKEN",
];

const HYPERHIVE_SECRET_NAME = /^HYPERHIVE_\w*(TOKEN|KEY|SECRET|PASSWORD)\w*$/;

/** The secret values known so far; more are added as the operator saves them. */
export class SecretValues {
  /** Each value and the spelling it has inside a JSON string, longest first. */
  #entries: { raw: string; json: string }[] = [];

  /** Secrets of an environment: the named ones and `HYPERHIVE_*` ones named like a secret. */
  static fromEnvironment(env: Record<string, string>): SecretValues {
    const secrets = new SecretValues();
    for (const [name, value] of Object.entries(env)) {
      if (SECRET_ENV_NAMES.includes(name) || HYPERHIVE_SECRET_NAME.test(name)) {
        secrets.add(value);
      }
    }
    return secrets;
  }

  /** Remember a secret (trimmed); too short or already known: ignored. */
  add(value: string | undefined): void {
    const raw = value?.trim() ?? "";
    if (raw.length < MIN_SECRET_LENGTH) return;
    if (this.#entries.some((entry) => entry.raw === raw)) return;
    this.#entries.push({ raw, json: JSON.stringify(raw).slice(1, -1) });
    // Longest first, so a secret that contains another is replaced whole.
    this.#entries.sort((a, b) => b.raw.length - a.raw.length);
  }

  /** How many secrets are known. */
  get size(): number {
    return this.#entries.length;
  }

  /** `text` with every known secret replaced, as raw text or as spelled inside JSON strings. */
  redact(text: string): string {
    let out = text;
    for (const { raw, json } of this.#entries) {
      if (out.includes(raw)) out = out.replaceAll(raw, REDACTED);
      if (json !== raw && out.includes(json)) {
        out = out.replaceAll(json, REDACTED);
      }
    }
    return out;
  }
}
