/**
 * `.tools/ensure.mjs`, run by the README's commands: installs the pinned toolchain when it is
 * missing or its lockfile changed, and leaves a matching one alone (npm ci reinstalls everything).
 * A stand-in `npm` records its calls and installs what the lockfile says, as npm does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../fixtures/harness_process.ts";

const TOOLS = join(ROOT, ".tools");

/** An `npm ci` that writes npm's record of the install (no optional package) and the bins. */
const FAKE_NPM = `#!/bin/sh
echo "$*" >> "$NPM_CALLS"
prefix=$3
node -e '
const fs = require("fs");
const lock = JSON.parse(fs.readFileSync(process.argv[1] + "/package-lock.json", "utf8"));
const packages = {};
for (const [path, entry] of Object.entries(lock.packages)) {
  if (path !== "" && entry.optional !== true) packages[path] = entry;
}
fs.mkdirSync(process.argv[1] + "/node_modules/.bin", { recursive: true });
fs.writeFileSync(process.argv[1] + "/node_modules/.package-lock.json",
  JSON.stringify({ name: lock.name, lockfileVersion: 3, requires: true, packages }));
for (const bin of ["deno", "claude"]) {
  fs.writeFileSync(process.argv[1] + "/node_modules/.bin/" + bin, "#!/bin/sh\\n", { mode: 0o755 });
}
' "$prefix"
`;

interface Run {
  code: number;
  stderr: string;
  npmCalls: string[];
}

async function withToolsCopy(
  fn: (tools: string, ensure: () => Promise<Run>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hive-tools-" });
  try {
    const tools = join(dir, ".tools");
    await Deno.mkdir(tools);
    for (const file of ["package.json", "package-lock.json", "ensure.mjs"]) {
      await Deno.copyFile(join(TOOLS, file), join(tools, file));
    }
    const bin = join(dir, "bin");
    await Deno.mkdir(bin);
    await Deno.writeTextFile(join(bin, "npm"), FAKE_NPM, { mode: 0o755 });
    const calls = join(dir, "npm-calls");
    const ensure = async (): Promise<Run> => {
      const result = await new Deno.Command("node", {
        args: [join(tools, "ensure.mjs")],
        env: { PATH: `${bin}:${Deno.env.get("PATH")}`, NPM_CALLS: calls },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const logged = await Deno.readTextFile(calls).catch(() => "");
      await Deno.remove(calls).catch(() => {});
      return {
        code: result.code,
        stderr: new TextDecoder().decode(result.stderr),
        npmCalls: logged.split("\n").filter((line) => line !== ""),
      };
    };
    await fn(tools, ensure);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(".tools/ensure.mjs installs a missing toolchain once, then leaves it alone", async () => {
  await withToolsCopy(async (tools, ensure) => {
    const first = await ensure();
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.npmCalls, [
      `ci --prefix ${tools} --no-audit --no-fund`,
    ]);
    assert.match(
      first.stderr,
      /installing the pinned toolchain \(node_modules is not installed\)/,
    );
    const again = await ensure();
    assert.equal(again.code, 0);
    assert.deepEqual(again.npmCalls, []);
    assert.equal(again.stderr, "");
  });
});

Deno.test(".tools/ensure.mjs reinstalls when package-lock.json changed or a command is gone", async () => {
  await withToolsCopy(async (tools, ensure) => {
    await ensure();
    const lockPath = join(tools, "package-lock.json");
    const lock = JSON.parse(await Deno.readTextFile(lockPath));
    lock.packages["node_modules/playwright-core"].version = "9.9.9";
    await Deno.writeTextFile(lockPath, JSON.stringify(lock));
    const bumped = await ensure();
    assert.equal(bumped.npmCalls.length, 1);
    assert.match(
      bumped.stderr,
      /playwright-core is 1\.65\.1, package-lock\.json says 9\.9\.9/,
    );
    assert.deepEqual((await ensure()).npmCalls, []);
    await Deno.remove(join(tools, "node_modules", ".bin", "deno"));
    const gone = await ensure();
    assert.equal(gone.npmCalls.length, 1);
    assert.match(gone.stderr, /node_modules\/\.bin\/deno is missing/);
  });
});

Deno.test(".tools/ensure.mjs finds this checkout's installed toolchain up to date (no npm run)", async () => {
  const result = await new Deno.Command("node", {
    args: [
      "--input-type=module",
      "-e",
      `import { staleReason } from ${JSON.stringify(join(TOOLS, "ensure.mjs"))};
       process.stdout.write(String(staleReason()));`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  assert.equal(new TextDecoder().decode(result.stdout), "undefined");
});
