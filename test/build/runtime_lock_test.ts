/**
 * The runtime lockfile that `deno task start`, `deno task compile` and the MCP server use: the
 * harness's packages only, pinned exactly as deno.lock pins them, and never stale.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { devPackages } from "../../build/compile.ts";
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
  assert.ok(names.includes("hono") && names.includes("zod"));
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
