import assert from "node:assert/strict";
import { join } from "node:path";
import {
  credentialKind,
  CredentialStore,
} from "../../lib/claude/credentials.ts";

const API_KEY = "sk-ant-api03-" + "A1b2C3d4".repeat(10) + "-xyzAA";
const OAUTH_TOKEN = "sk-ant-oat01-" + "Z9y8X7w6".repeat(10) + "-abcAA";

async function withDir(
  fn: (dir: string) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("credentialKind() tells API keys from OAuth tokens", async (t) => {
  const cases: [string, string][] = [
    [API_KEY, "api_key"],
    ["sk-ant-api01-short", "api_key"],
    [OAUTH_TOKEN, "oauth_token"],
    ["some-other-long-lived-token", "oauth_token"],
  ];
  for (const [secret, kind] of cases) {
    await t.step(
      secret.slice(0, 14),
      () => assert.equal(credentialKind(secret), kind),
    );
  }
});

Deno.test("CredentialStore with nothing saved has no kind and puts nothing in claude's env", async () => {
  await withDir((dir) => {
    const store = new CredentialStore(join(dir, "hyperhive-credentials"));
    assert.equal(store.kind(), null);
    assert.deepEqual(store.env(), {});
  });
});

Deno.test("CredentialStore.save() writes the file with mode 0600, creating its directory", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "state", "hyperhive-credentials");
    const store = new CredentialStore(path, { now: () => 1_700_000_000_500 });
    assert.equal(await store.save(API_KEY), "api_key");
    const info = await Deno.stat(path);
    assert.equal((info.mode ?? 0) & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
      kind: "api_key",
      value: API_KEY,
      saved_at: 1_700_000_000,
    });
    assert.deepEqual(
      [...Deno.readDirSync(join(dir, "state"))].map((entry) => entry.name),
      ["hyperhive-credentials"],
    );
  });
});

Deno.test("CredentialStore.save() tightens an existing world-readable file to 0600", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "hyperhive-credentials");
    await Deno.writeTextFile(path, "{}", { mode: 0o644 });
    await Deno.chmod(path, 0o644);
    await new CredentialStore(path).save(OAUTH_TOKEN);
    assert.equal(((await Deno.stat(path)).mode ?? 0) & 0o777, 0o600);
  });
});

Deno.test("CredentialStore.env() hands an API key as ANTHROPIC_API_KEY and a token as CLAUDE_CODE_OAUTH_TOKEN", async (t) => {
  await withDir(async (dir) => {
    const store = new CredentialStore(join(dir, "hyperhive-credentials"));
    await t.step("API key", async () => {
      await store.save(`  ${API_KEY}\n`);
      assert.equal(store.kind(), "api_key");
      assert.deepEqual(store.env(), { ANTHROPIC_API_KEY: API_KEY });
    });
    await t.step("a token replaces the key", async () => {
      await store.save(OAUTH_TOKEN);
      assert.equal(store.kind(), "oauth_token");
      assert.deepEqual(store.env(), { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN });
    });
    await t.step("a second store on the same file sees it", () => {
      assert.deepEqual(
        new CredentialStore(join(dir, "hyperhive-credentials")).env(),
        { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN },
      );
    });
  });
});

Deno.test("CredentialStore.save() rejects unusable values and keeps what was saved", async (t) => {
  await withDir(async (dir) => {
    const path = join(dir, "hyperhive-credentials");
    const store = new CredentialStore(path);
    await store.save(API_KEY);
    const cases: [
      string,
      string,
      ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor,
    ][] = [
      ["empty", "", TypeError],
      ["blank", " \n\t ", TypeError],
      ["inner space", "sk-ant-oat01-abc def", TypeError],
      ["two lines", "sk-ant-oat01-abc\nsk-ant-oat01-def", TypeError],
      ["NUL", "sk-ant-oat01-abc\u0000def", TypeError],
      ["non-ASCII quotes", "\u201csk-ant-oat01-abc\u201d", TypeError],
      ["escape sequence", "\u001b[200~sk-ant-oat01-abc\u001b[201~", TypeError],
      ["over 4096 characters", "x".repeat(4097), RangeError],
    ];
    for (const [name, value, type] of cases) {
      await t.step(name, async () => {
        await assert.rejects(() => store.save(value), (error: unknown) => {
          assert.ok(
            error instanceof type,
            `expected ${type.name}, got ${error}`,
          );
          if (value.trim().length > 3) {
            assert.ok(
              !error.message.includes(value.trim()),
              "the error echoes the secret",
            );
          }
          return true;
        });
        assert.deepEqual(store.env(), { ANTHROPIC_API_KEY: API_KEY });
      });
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), [
      "hyperhive-credentials",
    ]);
  });
});

Deno.test("CredentialStore accepts a 4096-character token", async () => {
  await withDir(async (dir) => {
    const store = new CredentialStore(join(dir, "c"));
    assert.equal(await store.save("t".repeat(4096)), "oauth_token");
    assert.equal(store.env().CLAUDE_CODE_OAUTH_TOKEN?.length, 4096);
  });
});

Deno.test("CredentialStore reads a damaged file as nothing saved", async (t) => {
  const cases: [string, string][] = [
    ["not JSON", "sk-ant-api03-raw"],
    ["empty", ""],
    ["null", "null"],
    ["no value", '{"kind":"api_key"}'],
    ["unknown kind", '{"kind":"password","value":"x"}'],
    ["value not a string", '{"kind":"api_key","value":42}'],
  ];
  for (const [name, text] of cases) {
    await t.step(name, async () => {
      await withDir(async (dir) => {
        const path = join(dir, "c");
        await Deno.writeTextFile(path, text);
        const store = new CredentialStore(path);
        assert.equal(store.kind(), null);
        assert.deepEqual(store.env(), {});
      });
    });
  }
});
