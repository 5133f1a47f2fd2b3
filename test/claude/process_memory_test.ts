/**
 * Resident memory of a process tree from /proc: this process has some, a child adds its own, a
 * gone pid has none, and the cached reader walks /proc again only after its time to live.
 */
import assert from "node:assert/strict";
import {
  rssBytes,
  treeRssBytes,
  TreeRssReader,
} from "../../lib/claude/process_memory.ts";

Deno.test("treeRssBytes() counts a process and its children; a gone pid is null", async () => {
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    const own = rssBytes(Deno.pid)!;
    assert.ok(own > 1_000_000);
    const tree = treeRssBytes(Deno.pid)!;
    assert.ok(tree >= own + rssBytes(child.pid)!, "the child's memory counts");
  } finally {
    child.kill();
    await child.status;
  }
  assert.equal(treeRssBytes(2 ** 31 - 1), null);
});

Deno.test("TreeRssReader reuses a reading for its time to live, per pid", () => {
  let now = 0;
  const reader = new TreeRssReader(() => now);
  const first = reader.read(Deno.pid);
  assert.ok(first !== null);
  // Grow the heap: a fresh reading would differ, the cached one does not.
  const ballast = new Uint8Array(64 * 1024 * 1024).fill(1);
  now = 1000;
  assert.equal(reader.read(Deno.pid), first);
  now = 5000;
  assert.notEqual(reader.read(Deno.pid), first);
  assert.equal(ballast[0], 1);
});
