import assert from "node:assert/strict";
import { join } from "node:path";
import { createMemoryLogger } from "../../lib/log.ts";
import {
  isValidModelName,
  ModelSetting,
} from "../../lib/turn/model_setting.ts";

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

Deno.test("ModelSetting defaults to haiku when nothing is persisted", async () => {
  await withDir((dir) => {
    assert.equal(
      new ModelSetting(join(dir, "hyperhive-model"), createMemoryLogger())
        .current,
      "haiku",
    );
  });
});

Deno.test("ModelSetting reads the persisted model, trimmed", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "hyperhive-model");
    await Deno.writeTextFile(path, "  sonnet \n");
    assert.equal(
      new ModelSetting(path, createMemoryLogger()).current,
      "sonnet",
    );
  });
});

Deno.test("ModelSetting treats an empty model file as nothing persisted", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "hyperhive-model");
    await Deno.writeTextFile(path, "\n \n");
    assert.equal(new ModelSetting(path, createMemoryLogger()).current, "haiku");
  });
});

Deno.test("ModelSetting: the --model flag wins over the persisted model and does not overwrite it", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "hyperhive-model");
    await Deno.writeTextFile(path, "sonnet\n");
    assert.equal(
      new ModelSetting(path, createMemoryLogger(), "opus").current,
      "opus",
    );
    assert.equal(await Deno.readTextFile(path), "sonnet\n");
  });
});

Deno.test("ModelSetting.set() persists one line that a restarted harness reads back", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "nested", "hyperhive-model");
    const setting = new ModelSetting(path, createMemoryLogger());
    assert.equal(setting.set("claude-sonnet-4-5[1m]"), true);
    assert.equal(setting.current, "claude-sonnet-4-5[1m]");
    assert.equal(await Deno.readTextFile(path), "claude-sonnet-4-5[1m]\n");
    assert.equal(
      new ModelSetting(path, createMemoryLogger()).current,
      "claude-sonnet-4-5[1m]",
    );
  });
});

Deno.test("ModelSetting.set() to the current model reports no change and writes nothing", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "hyperhive-model");
    const setting = new ModelSetting(path, createMemoryLogger());
    assert.equal(setting.set("haiku"), false);
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
    assert.equal(setting.set("opus"), true);
    assert.equal(setting.set("opus"), false);
  });
});

Deno.test("ModelSetting.set() that cannot persist logs a warning and still switches", async () => {
  await withDir(async (dir) => {
    const blocker = join(dir, "not-a-dir");
    await Deno.writeTextFile(blocker, "");
    const log = createMemoryLogger();
    const setting = new ModelSetting(join(blocker, "hyperhive-model"), log);
    assert.equal(setting.set("opus"), true);
    assert.equal(setting.current, "opus");
    assert.equal(log.records.length, 1);
    assert.equal(log.records[0]!.level, "warn");
    assert.match(log.records[0]!.msg, /Cannot persist model choice/);
    assert.equal(log.records[0]!.path, join(blocker, "hyperhive-model"));
  });
});

Deno.test("isValidModelName() accepts aliases, full ids and bracketed variants", async (t) => {
  const cases: [string, boolean][] = [
    ["haiku", true],
    ["opus", true],
    ["claude-sonnet-4-5-20250929", true],
    ["claude-sonnet-4-5[1m]", true],
    ["us.anthropic.claude-3-5:0", true],
    ["a".repeat(100), true],
    ["a".repeat(101), false],
    ["", false],
    [" haiku", false],
    ["--print", false],
    ["haiku\n", false],
    ["../etc", false],
  ];
  for (const [name, valid] of cases) {
    await t.step(
      JSON.stringify(name),
      () => assert.equal(isValidModelName(name), valid),
    );
  }
});
