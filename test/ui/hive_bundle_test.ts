import assert from "node:assert/strict";
import { buildUi, HIVE_BUNDLE_PATH, HIVE_ENTRY_PATH } from "../../ui/build.ts";

Deno.test({
  name:
    "ui/hive.js is what `deno task build:ui` builds from ui/src/hive_main.tsx (type-checked)",
  // deno bundle type-checks and runs esbuild: slow, but it keeps the embedded page honest.
  sanitizeResources: false,
  fn: async () => {
    const output = await Deno.makeTempFile({ suffix: ".js" });
    try {
      const fresh = await buildUi({ entry: HIVE_ENTRY_PATH, output });
      const committed = await Deno.readTextFile(HIVE_BUNDLE_PATH);
      assert.ok(
        fresh === committed,
        "ui/hive.js is stale: run `deno task build:ui` and commit it",
      );
    } finally {
      await Deno.remove(output);
    }
  },
});
