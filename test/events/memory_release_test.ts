import assert from "node:assert/strict";
import {
  MemoryRelease,
  openMallocTrim,
} from "../../lib/events/memory_release.ts";
import { createMemoryLogger } from "../../lib/log.ts";

Deno.test("MemoryRelease.request() folds requests into one release after the delay", async () => {
  let trims = 0;
  const release = new MemoryRelease({
    log: createMemoryLogger(),
    trim: () => trims++,
    delayMs: 20,
    intervalMs: 0,
  });
  try {
    release.request();
    release.request();
    release.request();
    assert.equal(trims, 0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(trims, 1);
    assert.equal(release.releases, 1);
  } finally {
    release.close();
  }
});

Deno.test("MemoryRelease collects garbage before it trims, so what was just freed goes back too", () => {
  const calls: string[] = [];
  const release = new MemoryRelease({
    log: createMemoryLogger(),
    trim: () => calls.push("trim"),
    collect: () => calls.push("collect"),
    intervalMs: 0,
  });
  release.release();
  release.close();
  assert.deepEqual(calls, ["collect", "trim"]);
});

Deno.test("MemoryRelease stops trying, once warned, when the trim throws", () => {
  const log = createMemoryLogger();
  let calls = 0;
  const release = new MemoryRelease({
    log,
    trim: () => {
      calls++;
      throw new Error("no such symbol");
    },
    intervalMs: 0,
  });
  release.release();
  release.release();
  release.close();
  assert.equal(calls, 1);
  assert.equal(
    log.records.filter((r) =>
      r.msg === "Cannot release memory; not trying again"
    )
      .length,
    1,
  );
});

Deno.test("openMallocTrim() finds glibc's malloc_trim on Linux and calls it", () => {
  const trim = openMallocTrim(createMemoryLogger());
  if (Deno.build.os !== "linux") return assert.equal(trim, null);
  assert.ok(trim, "glibc's malloc_trim is there");
  trim();
});
