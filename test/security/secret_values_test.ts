import assert from "node:assert/strict";
import { REDACTED, SecretValues } from "../../lib/security/secret_values.ts";
import { createLogger } from "../../lib/log.ts";

Deno.test("SecretValues.fromEnvironment() takes the keys, tokens and HYPERHIVE_* secrets, nothing else", () => {
  const secrets = SecretValues.fromEnvironment({
    ANTHROPIC_API_KEY: "key-value-0001",
    CLAUDE_CODE_OAUTH_TOKEN: "oauth-value-0002",
    HYPERHIVE_UI_TOKEN: "ui-token-value-0003",
    HYPERHIVE_BROKER_SECRET: "broker-secret-0004",
    HYPERHIVE_STATE_DIR: "/state/of/the/agent",
    PATH: "/usr/local/bin:/usr/bin",
    HOME: "/home/agent-user",
  });
  assert.equal(secrets.size, 4);
  const text =
    "key-value-0001 oauth-value-0002 ui-token-value-0003 broker-secret-0004 /state/of/the/agent /usr/local/bin:/usr/bin";
  assert.equal(
    secrets.redact(text),
    `${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} /state/of/the/agent /usr/local/bin:/usr/bin`,
  );
});

Deno.test("SecretValues.redact() finds a secret as JSON spells it, and the longer of two first", () => {
  const secrets = new SecretValues();
  secrets.add('tok"en\\12345');
  secrets.add("abcdefgh");
  secrets.add("abcdefgh-longer");
  const json = JSON.stringify({ a: 'x tok"en\\12345 y', b: "abcdefgh-longer" });
  assert.equal(
    secrets.redact(json),
    JSON.stringify({ a: `x ${REDACTED} y`, b: REDACTED }),
  );
});

Deno.test("SecretValues.add() ignores values too short to be a secret", () => {
  const secrets = new SecretValues();
  secrets.add("abc");
  secrets.add("   ");
  secrets.add(undefined);
  assert.equal(secrets.size, 0);
  assert.equal(secrets.redact("abc"), "abc");
});

Deno.test("createLogger() redacts known secrets that no pattern would catch", () => {
  const secrets = new SecretValues();
  secrets.add("plain-looking-token-42");
  const lines: string[] = [];
  const log = createLogger({ write: (line) => lines.push(line), secrets });
  log.info("saved plain-looking-token-42", { token: "plain-looking-token-42" });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.includes("plain-looking-token-42"), false);
  assert.equal(JSON.parse(lines[0]!).token, REDACTED);
});
