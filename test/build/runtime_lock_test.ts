/**
 * The runtime lockfile that `deno task start`, `deno task compile` and the MCP server use: the
 * harness's packages only, pinned exactly as deno.lock pins them, and never stale.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { devPackages } from "../../build/embedded_files.ts";
import {
  type Lockfile,
  RUNTIME_LOCK_NAME,
  runtimeLock,
  runtimeLockText,
} from "../../build/runtime_lock.ts";
import { DENO, ROOT } from "../fixtures/harness_process.ts";

Deno.test("deno.runtime.lock is deno.lock cut to the harness's packages (else: deno task lock:runtime)", async () => {
  const committed = await Deno.readTextFile(join(ROOT, RUNTIME_LOCK_NAME));
  assert.equal(
    committed,
    runtimeLockText(ROOT),
    "run `deno task lock:runtime`",
  );
  const runtime = JSON.parse(committed) as Lockfile;
  const full = JSON.parse(
    await Deno.readTextFile(join(ROOT, "deno.lock")),
  ) as Lockfile;
  for (const [key, entry] of Object.entries(runtime.npm ?? {})) {
    assert.deepEqual(entry, full.npm?.[key], `${key} as deno.lock pins it`);
  }
  const names = Object.keys(runtime.npm ?? {}).map((key) =>
    key.slice(0, key.indexOf("@", 1))
  );
  for (const dev of devPackages(ROOT)) {
    assert.ok(!names.includes(dev), `${dev} is not in ${RUNTIME_LOCK_NAME}`);
  }
  assert.deepEqual(names, ["hono"]);
});

Deno.test("the start task runs main.ts on the runtime lockfile, and it is complete for main.ts", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  assert.match(
    String(config.tasks.start),
    /--lock=deno\.runtime\.lock --frozen/,
  );
  // --frozen fails when main.ts needs a package the lockfile lacks.
  const result = await new Deno.Command(DENO, {
    args: [
      "run",
      "--allow-all",
      `--lock=${RUNTIME_LOCK_NAME}`,
      "--frozen",
      "main.ts",
      "--help",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  assert.match(new TextDecoder().decode(result.stdout), /hive-harness/);
});

Deno.test("runtimeLock() keeps the workspace's npm roots and what they depend on, by name or name@version", () => {
  const full: Lockfile = {
    version: "5",
    specifiers: {
      "npm:app@1.0.0": "1.0.0_peer@2.0.0",
      "npm:devtool@9.0.0": "9.0.0",
    },
    npm: {
      "app@1.0.0_peer@2.0.0": {
        integrity: "sha512-app",
        dependencies: ["peer", "shared@1.0.0"],
      },
      "peer@2.0.0": { integrity: "sha512-peer" },
      "shared@1.0.0": { integrity: "sha512-shared1" },
      "shared@2.0.0": { integrity: "sha512-shared2" },
      "devtool@9.0.0": {
        integrity: "sha512-dev",
        dependencies: ["shared@2.0.0"],
      },
    },
    workspace: { dependencies: ["npm:app@1.0.0"] },
  };
  const cut = runtimeLock(full);
  assert.deepEqual(cut.specifiers, { "npm:app@1.0.0": "1.0.0_peer@2.0.0" });
  assert.deepEqual(Object.keys(cut.npm ?? {}), [
    "app@1.0.0_peer@2.0.0",
    "peer@2.0.0",
    "shared@1.0.0",
  ]);
  assert.deepEqual(cut.workspace, full.workspace);
});

/** The deno cache the tests run on. */
function denoDir(): string {
  return Deno.env.get("DENO_DIR") ??
    join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");
}

/** A deno cache holding only the runtime lockfile's npm packages (hard links, else copies). */
async function runtimeOnlyCache(target: string): Promise<void> {
  const lock = JSON.parse(
    await Deno.readTextFile(join(ROOT, RUNTIME_LOCK_NAME)),
  ) as Lockfile;
  const from = join(denoDir(), "npm", "registry.npmjs.org");
  const to = join(target, "npm", "registry.npmjs.org");
  for (const key of Object.keys(lock.npm ?? {})) {
    const at = key.indexOf("@", 1);
    const name = key.slice(0, at);
    const version = key.slice(at + 1).split("_")[0]!;
    await Deno.mkdir(join(to, name), { recursive: true });
    for (const entry of ["registry.json", version]) {
      const exists = await Deno.stat(join(to, name, entry)).then(
        () => true,
        () => false,
      );
      if (exists) continue;
      const linked = await new Deno.Command("cp", {
        args: ["-al", join(from, name, entry), join(to, name, entry)],
        stderr: "null",
      }).output();
      if (!linked.success) {
        const copied = await new Deno.Command("cp", {
          args: ["-a", join(from, name, entry), join(to, name, entry)],
        }).output();
        assert.ok(copied.success, `copy ${name}/${entry}`);
      }
    }
  }
}

Deno.test("the README's start and the compile listing need no package beyond the runtime lockfile's (offline)", async () => {
  const cache = await Deno.makeTempDir({ prefix: "hive-runtime-cache-" });
  try {
    await runtimeOnlyCache(cache);
    // An unreachable proxy: any package missing from the cache fails the command.
    const env = {
      DENO_DIR: cache,
      HTTPS_PROXY: "http://127.0.0.1:9",
      NO_COLOR: "1",
      DENORT_BIN: DENO,
    };
    const run = (args: string[]) =>
      new Deno.Command(DENO, {
        args,
        cwd: ROOT,
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const start = await run([
      "task",
      `--lock=${RUNTIME_LOCK_NAME}`,
      "start",
      "--help",
    ]);
    assert.equal(start.code, 0, new TextDecoder().decode(start.stderr));
    assert.match(new TextDecoder().decode(start.stdout), /hive-harness/);
    const listing = await run([
      "task",
      `--lock=${RUNTIME_LOCK_NAME}`,
      "compile:files",
    ]);
    assert.equal(listing.code, 0, new TextDecoder().decode(listing.stderr));
    // Why the README names the lockfile: deno task first installs its lockfile's every package.
    const plain = await run(["task", "start", "--help"]);
    assert.notEqual(plain.code, 0);
    assert.match(
      new TextDecoder().decode(plain.stderr),
      /Download https:\/\/registry\.npmjs\.org\/(playwright-core|marked|preact|dompurify|parse-prometheus)/,
    );
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
