/**
 * Compile-safety: `deno bundle` of main.ts, run from another directory with no config, serves the
 * page and the API. Proves the module graph reads nothing from the source tree at run time (the
 * assets are imported as text), so `deno compile` embeds everything.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DENO, ROOT } from "../fixtures/harness_process.ts";

Deno.test("the bundled harness runs from another directory and serves the page and the API", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "hive-bundle-" });
  const bundle = join(outDir, "hive-harness.js");
  const built = await new Deno.Command(DENO, {
    args: [
      "bundle",
      "--frozen",
      "--config",
      join(ROOT, "deno.json"),
      "--platform",
      "deno",
      "-o",
      bundle,
      join(ROOT, "main.ts"),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
  const elsewhere = await Deno.makeTempDir({ prefix: "hive-elsewhere-" });
  const child = new Deno.Command(DENO, {
    args: [
      "run",
      "--allow-all",
      "--no-config",
      bundle,
      "--port",
      "0",
      "--state-dir",
      join(elsewhere, "state"),
      "--name",
      "bundled",
      "--claude",
      "/bin/false",
    ],
    cwd: elsewhere,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let seen = "";
    let url: string | undefined;
    while (url === undefined) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`bundle exited before listening: ${seen}`);
      seen += value;
      url = /listening on (http:\/\/\S+?)\/?\s/.exec(seen)?.[1];
    }
    reader.releaseLock();
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await page.text(), /<html/i);
    const state = await (await fetch(`${url}/api/state`)).json();
    assert.equal(state.agent, "bundled");
    const mcpConfig = JSON.parse(
      await Deno.readTextFile(
        join(elsewhere, "state", "runtime", "mcp-config.json"),
      ),
    );
    assert.ok(
      mcpConfig.mcpServers.hyperhive.args.includes(bundle),
      "claude starts the same bundle for MCP",
    );
    assert.equal(mcpConfig.mcpServers.hyperhive.alwaysLoad, true);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel();
  }
});
