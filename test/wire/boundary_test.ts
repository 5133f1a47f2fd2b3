/**
 * The module boundary of `wire/`: the page (ui/src) takes nothing from the server but `lib/wire/`,
 * and `lib/wire/` imports nothing outside itself, so the page never bundles server internals.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/g;

/** Every relative import of every .ts/.tsx file under `dir`, resolved against the repository. */
function relativeImports(dir: string): { file: string; target: string }[] {
  const found: { file: string; target: string }[] = [];
  for (const entry of Deno.readDirSync(join(ROOT, dir))) {
    const path = join(ROOT, dir, entry.name);
    if (entry.isDirectory) {
      found.push(...relativeImports(relative(ROOT, path)));
      continue;
    }
    if (!/\.tsx?$/.test(entry.name)) continue;
    const text = Deno.readTextFileSync(path);
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1]!;
      if (!specifier.startsWith(".")) continue;
      found.push({
        file: relative(ROOT, path),
        target: relative(ROOT, resolve(dirname(path), specifier)),
      });
    }
  }
  return found;
}

Deno.test("the page imports nothing of the server's but lib/wire/", () => {
  const imports = relativeImports("ui/src");
  assert.ok(
    imports.some(({ target }) => target.startsWith("lib/wire/")),
    "expected the page to use lib/wire/",
  );
  const outside = imports.filter(({ target }) =>
    !target.startsWith("ui/") && !target.startsWith("lib/wire/")
  );
  assert.deepEqual(outside, []);
});

Deno.test("lib/wire/ imports nothing outside lib/wire/", () => {
  const outside = relativeImports("lib/wire").filter(({ target }) =>
    !target.startsWith("lib/wire/")
  );
  assert.deepEqual(outside, []);
});
