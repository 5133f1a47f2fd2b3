import assert from "node:assert/strict";
import {
  buildUi,
  STATS_BUNDLE_PATH,
  STATS_ENTRY_PATH,
} from "../../ui/build.ts";

Deno.test({
  name:
    "ui/stats.js is what `deno task build:ui` builds from ui/src/stats_main.tsx (type-checked)",
  // deno bundle type-checks and runs esbuild: slow, but it keeps the embedded page honest.
  sanitizeResources: false,
  fn: async () => {
    const output = await Deno.makeTempFile({ suffix: ".js" });
    try {
      const fresh = await buildUi({ entry: STATS_ENTRY_PATH, output });
      const committed = await Deno.readTextFile(STATS_BUNDLE_PATH);
      assert.ok(
        fresh === committed,
        "ui/stats.js is stale: run `deno task build:ui` and commit it",
      );
    } finally {
      await Deno.remove(output);
    }
  },
});
