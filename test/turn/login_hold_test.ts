import assert from "node:assert/strict";
import { join } from "node:path";
import {
  claudeLoginFile,
  credentialFingerprint,
  LoginHold,
} from "../../lib/turn/login_hold.ts";
import type { Logger } from "../../lib/log.ts";

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug() {},
    info() {},
    warn(message) {
      warnings.push(message);
    },
    error() {},
  };
}

Deno.test("LoginHold: a hold survives a restart with the same credential sources, and a release ends it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "runtime", "login-hold");
    let sources = "none";
    const log = recordingLog();
    const first = new LoginHold(path, () => sources, log);
    assert.equal(first.heldAtStart(), null);
    first.hold("Not logged in · Please run /login");
    const restarted = new LoginHold(path, () => sources, log);
    assert.equal(
      restarted.heldAtStart(),
      "Not logged in · Please run /login",
    );
    restarted.release();
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    assert.equal(new LoginHold(path, () => sources, log).heldAtStart(), null);
    // A changed source (a key exported before the restart) drops the hold and its record.
    first.hold("Not logged in");
    sources = "key exported";
    assert.equal(new LoginHold(path, () => sources, log).heldAtStart(), null);
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    assert.deepEqual(log.warnings, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LoginHold: a record that cannot be written is logged, not thrown", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "file"), "");
    const log = recordingLog();
    const hold = new LoginHold(join(dir, "file", "login-hold"), () => "x", log);
    hold.hold("Not logged in");
    assert.deepEqual(log.warnings, [
      "Cannot record the login hold; a restart will try again",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("credentialFingerprint() changes with a key, the endpoint or a login file, and holds no secret", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = { HOME: dir, PATH: "/bin" };
    const file = claudeLoginFile(env);
    assert.equal(file, join(dir, ".claude", ".credentials.json"));
    const base = credentialFingerprint({ env, files: [file] });
    assert.equal(credentialFingerprint({ env, files: [file] }), base);
    assert.equal(
      credentialFingerprint({
        env: { ...env, PATH: "/usr/bin" },
        files: [file],
      }),
      base,
      "unrelated variables do not count",
    );
    const withKey = credentialFingerprint({
      env: { ...env, ANTHROPIC_API_KEY: "sk-ant-api03-secret" },
      files: [file],
    });
    assert.notEqual(withKey, base);
    assert.ok(!withKey.includes("secret"));
    assert.notEqual(
      credentialFingerprint({
        env: { ...env, ANTHROPIC_BASE_URL: "http://127.0.0.1:1" },
        files: [file],
      }),
      base,
    );
    await Deno.mkdir(join(dir, ".claude"));
    await Deno.writeTextFile(file, "{}");
    assert.notEqual(credentialFingerprint({ env, files: [file] }), base);
    assert.equal(
      claudeLoginFile({ ...env, CLAUDE_CONFIG_DIR: "/cfg" }),
      "/cfg/.credentials.json",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
