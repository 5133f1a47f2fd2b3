import assert from "node:assert/strict";
import { join } from "node:path";
import { ContinueMarker } from "../../lib/turn/continue_marker.ts";

async function withDir(
  fn: (dir: string) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ContinueMarker matches no cwd before any session was remembered", async () => {
  await withDir((dir) => {
    assert.equal(
      new ContinueMarker(join(dir, "runtime", "session-cwd")).matches("/work"),
      false,
    );
  });
});

Deno.test("ContinueMarker.remember() makes the cwd match, also for a new instance (a restart)", async () => {
  await withDir((dir) => {
    const path = join(dir, "runtime", "session-cwd");
    new ContinueMarker(path).remember("/work/a");
    const marker = new ContinueMarker(path);
    assert.equal(marker.matches("/work/a"), true);
    assert.equal(marker.matches("/work/b"), false);
    assert.equal(marker.matches("/work"), false);
  });
});

Deno.test("ContinueMarker remembers only the latest cwd: after a cwd change the old one starts fresh", async () => {
  await withDir((dir) => {
    const marker = new ContinueMarker(join(dir, "session-cwd"));
    marker.remember("/work/a");
    marker.remember("/work/b");
    assert.equal(marker.matches("/work/b"), true);
    assert.equal(marker.matches("/work/a"), false);
  });
});

Deno.test("ContinueMarker keeps a cwd with spaces exactly", async () => {
  await withDir((dir) => {
    const marker = new ContinueMarker(join(dir, "session-cwd"));
    marker.remember("/work/my project");
    assert.equal(marker.matches("/work/my project"), true);
    assert.equal(marker.matches("/work/my"), false);
  });
});

Deno.test("ContinueMarker.remember() that cannot write does not throw and matches nothing", async () => {
  await withDir(async (dir) => {
    const blocker = join(dir, "file");
    await Deno.writeTextFile(blocker, "");
    const marker = new ContinueMarker(join(blocker, "session-cwd"));
    marker.remember("/work");
    assert.equal(marker.matches("/work"), false);
  });
});
