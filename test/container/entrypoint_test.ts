/**
 * The container recipe: its entrypoint run for real (a wrapper stands in for the compiled binary,
 * running main.ts), and the Containerfile read for what the README promises of it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DENO, ROOT } from "../fixtures/harness_process.ts";

const ENTRYPOINT = join(ROOT, "container", "entrypoint.sh");

/** A stand-in for /usr/local/bin/hive-harness: this checkout's main.ts, or a recorder of argv. */
async function fakeBinary(dir: string, body: string): Promise<string> {
  const path = join(dir, "hive-harness");
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

/** The status of GET /api/state sent with this Host header (fetch would set its own). */
async function statusFor(
  port: number,
  host: string,
  token: string,
): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET /api/state HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      ),
    );
    const buffer = new Uint8Array(64);
    const read = await conn.read(buffer);
    const head = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  } finally {
    conn.close();
  }
}

function entrypoint(args: string[], env: Record<string, string>): Deno.Command {
  return new Deno.Command("/bin/sh", {
    args: [ENTRYPOINT, ...args],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  });
}

Deno.test("the container refuses to serve its published page without HYPERHIVE_UI_TOKEN (exit 2) and never starts the harness", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hive-entry-" });
  try {
    const marker = join(dir, "started");
    const bin = await fakeBinary(dir, `touch ${marker}`);
    for (const args of [[], ["run"], ["--model", "sonnet"]]) {
      const result = await entrypoint(args, { HIVE_HARNESS_BIN: bin }).output();
      assert.equal(result.code, 2);
      const stderr = new TextDecoder().decode(result.stderr);
      assert.match(
        stderr,
        /HYPERHIVE_UI_TOKEN is required: the page listens on 0\.0\.0\.0:8080/,
      );
    }
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the container serves the page on every interface behind the token, to the host names it is given, and passes other subcommands through", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hive-entry-" });
  const bin = await fakeBinary(
    dir,
    `exec "${DENO}" run --allow-all --config "${ROOT}/deno.json" --lock="${ROOT}/deno.runtime.lock" --frozen "${ROOT}/main.ts" "$@"`,
  );
  const child = entrypoint(
    ["--state-dir", join(dir, "state"), "--claude", "/bin/false"],
    {
      HIVE_HARNESS_BIN: bin,
      HYPERHIVE_UI_TOKEN: "container-token",
      HYPERHIVE_PORT: "0",
      HOME: join(dir, "home"),
      HYPERHIVE_AGENT: "agent",
      HYPERHIVE_ALLOWED_HOSTS: "agent.example,agent.internal",
      // the container's HOME moves; deno keeps using the cache the packages are in
      DENO_DIR: Deno.env.get("DENO_DIR") ??
        join(Deno.env.get("HOME") ?? "/root", ".cache", "deno"),
    },
  ).spawn();
  try {
    const text = child.stdout.pipeThrough(new TextDecoderStream());
    const reader = text.getReader();
    let seen = "";
    let url: string | undefined;
    while (url === undefined) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the harness exited before listening: ${seen}`);
      seen += value;
      url = /listening on (http:\/\/\S+?)\/?\s/.exec(seen)?.[1];
    }
    reader.releaseLock();
    await text.cancel();
    assert.match(url, /^http:\/\/0\.0\.0\.0:\d+$/);
    const local = url.replace("0.0.0.0", "127.0.0.1");
    const refused = await fetch(`${local}/api/state`);
    await refused.body?.cancel();
    assert.equal(refused.status, 401);
    const allowed = await fetch(`${local}/api/state`, {
      headers: { Authorization: "Bearer container-token" },
    });
    assert.equal(allowed.status, 200);
    assert.equal((await allowed.json()).agent, "agent");
    const port = new URL(local).port;
    for (
      const [host, status] of [
        ["agent.example", 200],
        ["agent.internal", 200],
        ["elsewhere.example", 403],
      ] as const
    ) {
      assert.equal(
        await statusFor(Number(port), `${host}:${port}`, "container-token"),
        status,
        host,
      );
    }
    assert.ok(
      (await Deno.stat(join(dir, "home"))).isDirectory,
      "$HOME is made",
    );
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited: the assertion above says why
    }
    await child.status;
    await child.stderr.cancel();
  }
  try {
    const argv = join(dir, "argv");
    const recorder = await fakeBinary(dir, `printf '%s\\n' "$@" > ${argv}`);
    const result = await entrypoint(
      ["wake", "--from", "operator", "--body", "hello there"],
      { HIVE_HARNESS_BIN: recorder },
    ).output();
    assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
    assert.equal(
      await Deno.readTextFile(argv),
      "wake\n--from\noperator\n--body\nhello there\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the Containerfile builds the binary, runs it under tini with /state as a volume, claude installed, the page port exposed", async () => {
  const recipe = await Deno.readTextFile(join(ROOT, "Containerfile"));
  assert.match(recipe, /deno task --lock=deno\.runtime\.lock compile/);
  assert.match(
    recipe,
    /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "\/usr\/local\/bin\/hive-entrypoint"\]$/m,
  );
  assert.match(recipe, /^VOLUME \/state$/m);
  assert.match(recipe, /^EXPOSE 8080$/m);
  assert.match(recipe, /HYPERHIVE_PORT=8080/);
  assert.match(recipe, /\/usr\/local\/bin\/claude$/m);
  assert.match(recipe, /apt-get install [^\n]*\\\n\s+tini /);
  // Every file the recipe copies from the checkout exists (a rename would break the build).
  for (const match of recipe.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const source of match[1]!.split(" ")) {
      if (source === ".") continue;
      await Deno.stat(join(ROOT, source));
    }
  }
  // The build stage's Node satisfies the pinned CLI's engines field.
  const cli = JSON.parse(
    await Deno.readTextFile(
      join(ROOT, ".tools/node_modules/@anthropic-ai/claude-code/package.json"),
    ),
  );
  const wanted = Number(/>=\s*(\d+)/.exec(cli.engines.node)![1]);
  const node = Number(/^FROM node:(\d+)/m.exec(recipe)![1]);
  assert.ok(
    node >= wanted,
    `node:${node} in the Containerfile, the CLI wants ${cli.engines.node}`,
  );
});
