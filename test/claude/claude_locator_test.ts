import assert from "node:assert/strict";
import { join } from "node:path";
import { locateClaude } from "../../lib/claude/claude_locator.ts";

interface Layout {
  dir: string;
  /** An executable `claude` in `bin1`. */
  bin1: string;
  /** A `claude` without the execute bit in `noexec`. */
  noexec: string;
  /** A directory named `claude` in `dirbin`. */
  dirbin: string;
  empty: string;
}

async function withLayout(
  fn: (layout: Layout) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const layout: Layout = {
      dir,
      bin1: join(dir, "bin1"),
      noexec: join(dir, "noexec"),
      dirbin: join(dir, "dirbin"),
      empty: join(dir, "empty"),
    };
    for (
      const sub of [layout.bin1, layout.noexec, layout.dirbin, layout.empty]
    ) await Deno.mkdir(sub);
    await Deno.writeTextFile(join(layout.bin1, "claude"), "#!/bin/sh\n", {
      mode: 0o755,
    });
    await Deno.chmod(join(layout.bin1, "claude"), 0o755);
    await Deno.writeTextFile(join(layout.noexec, "claude"), "#!/bin/sh\n");
    await Deno.chmod(join(layout.noexec, "claude"), 0o644);
    await Deno.mkdir(join(layout.dirbin, "claude"));
    await fn(layout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("locateClaude() finds claude on PATH, skipping non-executables, directories and empty entries", async () => {
  await withLayout(({ bin1, noexec, dirbin, empty }) => {
    const path = ["", empty, noexec, dirbin, bin1].join(":");
    assert.deepEqual(locateClaude({ path }), { path: join(bin1, "claude") });
  });
});

Deno.test("locateClaude() reports what it searched when claude is nowhere", async () => {
  await withLayout(({ noexec, empty }) => {
    assert.deepEqual(locateClaude({ path: `${noexec}:${empty}` }), {
      path: null,
      searched: "claude on PATH",
    });
    assert.deepEqual(locateClaude({}), {
      path: null,
      searched: "claude on PATH",
    });
  });
});

Deno.test("locateClaude() uses the fallback only when PATH has no claude, resolving it against the cwd", async () => {
  await withLayout(({ dir, bin1, empty }) => {
    assert.deepEqual(
      locateClaude({ path: empty, fallback: "bin1/claude", cwd: dir }),
      { path: join(bin1, "claude") },
    );
    assert.deepEqual(
      locateClaude({ path: bin1, fallback: "/nowhere/claude", cwd: dir }),
      { path: join(bin1, "claude") },
    );
    assert.deepEqual(
      locateClaude({ path: empty, fallback: "noexec/claude", cwd: dir }),
      { path: null, searched: "claude on PATH and noexec/claude" },
    );
  });
});

Deno.test("locateClaude() takes an explicit --claude path, absolute or relative to the cwd, when executable", async () => {
  await withLayout(({ dir, bin1, noexec }) => {
    const absolute = join(bin1, "claude");
    assert.deepEqual(locateClaude({ explicit: absolute, path: "" }), {
      path: absolute,
    });
    assert.deepEqual(locateClaude({ explicit: "bin1/claude", cwd: dir }), {
      path: absolute,
    });
    assert.deepEqual(locateClaude({ explicit: "./bin1/claude", cwd: dir }), {
      path: absolute,
    });
    assert.deepEqual(
      locateClaude({ explicit: join(noexec, "claude"), path: bin1 }),
      {
        path: null,
        searched: join(noexec, "claude"),
      },
    );
  });
});

Deno.test("locateClaude() does not fall back to PATH when an explicit --claude path is missing", async () => {
  await withLayout(({ dir, bin1 }) => {
    const missing = join(dir, "missing", "claude");
    assert.deepEqual(
      locateClaude({
        explicit: missing,
        path: bin1,
        fallback: join(bin1, "claude"),
      }),
      {
        path: null,
        searched: missing,
      },
    );
  });
});

Deno.test("locateClaude() looks a bare --claude name up on PATH", async () => {
  await withLayout(async ({ bin1, empty }) => {
    await Deno.writeTextFile(join(bin1, "claude-beta"), "#!/bin/sh\n");
    await Deno.chmod(join(bin1, "claude-beta"), 0o700);
    assert.deepEqual(
      locateClaude({ explicit: "claude-beta", path: `${empty}:${bin1}` }),
      {
        path: join(bin1, "claude-beta"),
      },
    );
    assert.deepEqual(locateClaude({ explicit: "claude-gamma", path: bin1 }), {
      path: null,
      searched: "claude-gamma on PATH",
    });
  });
});

Deno.test("locateClaude() sees claude installed after a first miss (it is looked up each turn)", async () => {
  await withLayout(async ({ empty }) => {
    assert.equal(locateClaude({ path: empty }).path, null);
    await Deno.writeTextFile(join(empty, "claude"), "#!/bin/sh\n");
    await Deno.chmod(join(empty, "claude"), 0o755);
    assert.deepEqual(locateClaude({ path: empty }), {
      path: join(empty, "claude"),
    });
  });
});
