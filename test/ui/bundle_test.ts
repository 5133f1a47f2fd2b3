import assert from "node:assert/strict";
import { buildUi, BUNDLE_PATH } from "../../ui/build.ts";

Deno.test({
  name:
    "ui/app.js is what `deno task build:ui` builds from ui/src (type-checked)",
  // deno bundle type-checks and runs esbuild: slow, but it keeps the embedded page honest.
  sanitizeResources: false,
  fn: async () => {
    const output = await Deno.makeTempFile({ suffix: ".js" });
    try {
      const fresh = await buildUi({ output });
      const committed = await Deno.readTextFile(BUNDLE_PATH);
      assert.ok(
        fresh === committed,
        "ui/app.js is stale: run `deno task build:ui` and commit it",
      );
    } finally {
      await Deno.remove(output);
    }
  },
});
