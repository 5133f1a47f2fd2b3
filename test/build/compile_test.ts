/**
 * The single binary: what `deno task compile` embeds, read offline from compile's own
 * "Embedded Files" tree (the pinned deno standing in for its runtime), holds the harness's
 * packages and none of the test, bench or page-build ones, and the README states its size.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  devPackages,
  embeddedDevPackages,
  graphPackages,
  listEmbeddedFiles,
  parseEmbeddedFiles,
  unreachedPackages,
} from "../../build/embedded_files.ts";
import { DENO, ROOT } from "../fixtures/harness_process.ts";

Deno.test("deno task compile embeds main.ts, lib, ui and the harness's packages, and no test, bench or page-build package", async () => {
  const files = await listEmbeddedFiles({
    deno: DENO,
    denort: DENO,
    root: ROOT,
  });
  assert.deepEqual(files.topLevel.sort(), [
    ".deno_compile_node_modules",
    "deno.json",
    "lib",
    "main.ts",
    "ui",
  ]);
  const dev = devPackages(ROOT);
  for (
    const name of ["playwright-core", "parse-prometheus-text-format", "preact"]
  ) {
    assert.ok(dev.includes(name), `${name} is pinned in test/deps or ui/deps`);
  }
  assert.deepEqual(embeddedDevPackages(files, dev), []);
  // Nothing main.ts does not import: a test package added to deno.json's imports shows here.
  const reached = await graphPackages({ deno: DENO, root: ROOT });
  assert.deepEqual(unreachedPackages(files, reached), []);
  assert.deepEqual(files.packages, reached);
  // Hono alone: the harness speaks MCP itself, the SDK is the tests' client only.
  assert.deepEqual(files.packages, ["hono"]);
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const stated = /embeds about ([\d.]+) MB/.exec(readme);
  assert.ok(stated, 'README.md says "embeds about N MB"');
  assert.ok(
    Math.abs(Number(stated[1]) - files.totalMegabytes) <= 1,
    `README says ${stated[1]} MB, compile embeds ${files.total}`,
  );
});

Deno.test("deno task compile without its runtime says what it needs and leaves no empty dist/", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "hive-compile-" });
  try {
    const output = join(scratch, "dist", "hive-harness");
    const result = await new Deno.Command(DENO, {
      args: [
        "run",
        "--allow-all",
        "--frozen",
        "build/compile.ts",
        "--output",
        output,
      ],
      cwd: ROOT,
      env: { DENORT_BIN: join(scratch, "no-denort"), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.notEqual(result.code, 0);
    assert.match(
      stderr,
      /Cannot build .*dist\/hive-harness: deno compile needs Deno's runtime/,
    );
    assert.match(stderr, /set DENORT_BIN=/);
    await assert.rejects(
      Deno.stat(join(scratch, "dist")),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("deno task compile refuses deno itself as DENORT_BIN: that binary would not run the harness", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "hive-compile-" });
  try {
    const output = join(scratch, "dist", "hive-harness");
    const result = await new Deno.Command(DENO, {
      args: [
        "run",
        "--allow-all",
        "--frozen",
        "build/compile.ts",
        "--output",
        output,
      ],
      cwd: ROOT,
      env: { DENORT_BIN: DENO, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(result.code, 2);
    assert.match(
      new TextDecoder().decode(result.stderr),
      /DENORT_BIN=.*deno is deno itself, not its runtime denort/,
    );
    await assert.rejects(Deno.stat(output), Deno.errors.NotFound);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("parseEmbeddedFiles() reads packages, scoped and multi-version ones too, and the total", () => {
  const output = [
    "Check main.ts",
    "Compile main.ts to file:///tmp/hh",
    "",
    "\x1b[1mEmbedded Files\x1b[0m",
    "",
    "hh",
    "├─┬ .deno_compile_node_modules (30.34MB - 29.18MB unique)",
    "│ └─┬ localhost (30.34MB - 29.18MB unique)",
    "│   ├── @hono/node-server/* (138.92KB - 136.93KB unique)",
    "│   ├─┬ content-type (33.26KB - 32.15KB unique)",
    "│   │ ├── 1.0.5/* (10.43KB - 10.39KB unique)",
    "│   │ └── 2.1.0/* (22.83KB - 21.75KB unique)",
    "│   └── hono/4.13.19/* (1.27MB - 1.27MB unique)",
    "├── deno.json (1.81KB)",
    "├─┬ lib (850.65KB)",
    "│ ├── claude/* (95.41KB)",
    "│ └── log.ts (7.34KB)",
    "├── main.ts (17.01KB)",
    "└─┬ ui (195.99KB)",
    "  └── app.js (145.34KB)",
    "",
    "Files: 14.58MB",
    "Metadata: 7.9KB",
  ].join("\n");
  const files = parseEmbeddedFiles(output);
  assert.deepEqual(files.topLevel, [
    ".deno_compile_node_modules",
    "deno.json",
    "lib",
    "main.ts",
    "ui",
  ]);
  assert.deepEqual(files.packages, [
    "@hono/node-server",
    "content-type",
    "hono",
  ]);
  assert.equal(files.total, "14.58MB");
  assert.equal(files.totalMegabytes, 14.58);
  assert.throws(() => parseEmbeddedFiles("error: no runtime"), SyntaxError);
});
