import assert from "node:assert/strict";
import { claudeBaseEnv, selfCommand } from "../../lib/claude/self_command.ts";

Deno.test("selfCommand() runs a compiled binary as it is", () => {
  const command = selfCommand({
    execPath: "/usr/local/bin/hive-harness",
    mainModule: "file:///x/main.ts",
    env: () => undefined,
    isFile: () => false,
  });
  assert.deepEqual(command, {
    command: "/usr/local/bin/hive-harness",
    args: [],
  });
});

Deno.test("selfCommand() runs deno on the entry with the project's config and cache", () => {
  const command = selfCommand({
    execPath: "/opt/deno",
    mainModule: "file:///repo/main.ts",
    env: (name) => ({ HOME: "/home/op" } as Record<string, string>)[name],
    isFile: (path) => path === "/repo/deno.json",
  });
  assert.deepEqual(command, {
    command: "/opt/deno",
    env: { DENO_DIR: "/home/op/.cache/deno" },
    args: [
      "run",
      "--allow-all",
      "--config",
      "/repo/deno.json",
      "--frozen",
      "/repo/main.ts",
    ],
  });
});

Deno.test("selfCommand() uses the runtime lockfile when the checkout has one, so no dev package is installed", () => {
  const command = selfCommand({
    execPath: "/opt/deno",
    mainModule: "file:///repo/main.ts",
    env: () => undefined,
    isFile: (path) =>
      path === "/repo/deno.json" || path === "/repo/deno.runtime.lock",
  });
  assert.deepEqual(command.args, [
    "run",
    "--allow-all",
    "--config",
    "/repo/deno.json",
    "--lock=/repo/deno.runtime.lock",
    "--frozen",
    "/repo/main.ts",
  ]);
});

Deno.test("selfCommand() runs a bundle with no config beside it plainly", () => {
  const command = selfCommand({
    execPath: "/opt/deno",
    mainModule: "file:///tmp/hive-harness.js",
    env: (name) => ({ DENO_DIR: "/cache" } as Record<string, string>)[name],
    isFile: () => false,
  });
  assert.deepEqual(command.args, [
    "run",
    "--allow-all",
    "/tmp/hive-harness.js",
  ]);
  assert.deepEqual(command.env, { DENO_DIR: "/cache" });
});

Deno.test("claudeBaseEnv() withholds the UI token and a parent claude's markers", () => {
  const env = claudeBaseEnv({
    PATH: "/bin",
    HYPERHIVE_UI_TOKEN: "secret",
    CLAUDECODE: "1",
    HOME: "/h",
  });
  assert.deepEqual(env, { PATH: "/bin", HOME: "/h" });
});
