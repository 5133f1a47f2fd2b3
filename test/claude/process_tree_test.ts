import assert from "node:assert/strict";
import {
  collectDescendants,
  freezeAndKill,
  isSameProcess,
  killTree,
  type ProcessInfo,
  type ProcessMarker,
  ProcessTreeWatch,
  readProcess,
} from "../../lib/claude/process_tree.ts";

interface Script {
  child: Deno.ChildProcess;
  /** Lines the script printed before "ready". */
  lines: string[];
  /** In the environment of every process the script starts. */
  marker: ProcessMarker;
}

/**
 * Run a bash script until it prints "ready", then `test`; whatever the outcome, every process
 * the script started is killed after (a failed assertion must not leave sleeps behind).
 */
async function withScript(
  script: string,
  options: { detached?: boolean; stdin?: boolean },
  test: (started: Script) => Promise<void>,
): Promise<void> {
  const marker = { name: "HIVE_TEST_MARK", value: crypto.randomUUID() };
  const child = new Deno.Command("bash", {
    args: ["-c", script],
    stdout: "piped",
    stdin: options.stdin ? "piped" : "null",
    detached: options.detached ?? false,
    env: { [marker.name]: marker.value },
  }).spawn();
  try {
    const lines: string[] = [];
    let buffered = "";
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    while (!lines.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      lines.push(...parts);
    }
    await reader.cancel();
    await test({ child, marker, lines: lines.filter((l) => l !== "ready") });
  } finally {
    await freezeAndKill(child.pid, { marker });
    if (options.stdin) await child.stdin.close().catch(() => {});
    await child.status;
  }
}

async function waitGone(processes: ProcessInfo[], timeoutMs = 3000) {
  const deadline = performance.now() + timeoutMs;
  while (processes.some(isSameProcess) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(processes.filter(isSameProcess).map((p) => p.pid), []);
}

Deno.test("collectDescendants finds children, setsid grandchildren and their sessions, never us", () =>
  // The setsid bash says "ready" once its own sleeps run, so they are all there to be found.
  withScript(
    `sleep 1000 & echo $!
     setsid bash -c 'sleep 1000 & sleep 1000 & echo $$; echo ready; wait' &
     wait`,
    {},
    async ({ child, lines }) => {
      const found = collectDescendants(child.pid);
      const pids = found.map((info) => info.pid);
      for (const line of lines) {
        assert.ok(pids.includes(Number(line)), `${line} in ${pids}`);
      }
      // The setsid bash, its two sleeps, the plain sleep: the child shares our group and
      // session, and neither may pull us, our parents or their other children in.
      assert.equal(found.length, 4);
      assert.ok(!pids.includes(Deno.pid));
      assert.equal(killTree([child.pid, ...found], "SIGKILL"), 5);
      await child.status;
      await waitGone(found);
    },
  ));

Deno.test("collectDescendants finds orphans by their environment marker", () =>
  withScript(
    `(setsid sleep 1000 & echo $!) ; echo ready; sleep 1000`,
    {},
    ({ child, lines, marker }) => {
      const orphan = readProcess(Number(lines[0]));
      assert.ok(orphan && orphan.ppid !== child.pid, "reparented away");
      const pids = (options = {}) =>
        collectDescendants(child.pid, options).map((p) => p.pid);
      assert.ok(!pids().includes(orphan.pid));
      assert.ok(pids({ marker }).includes(orphan.pid));
      return Promise.resolve();
    },
  ));

Deno.test("killTree skips a pid that now names another process, and never signals us", () => {
  const me = readProcess(Deno.pid);
  assert.ok(me);
  assert.equal(killTree([Deno.pid, 1, me], "SIGCONT"), 0);
  assert.equal(killTree([{ ...me, pid: Deno.pid + 1e6 }], "SIGCONT"), 0);
  assert.equal(isSameProcess({ ...me, startTime: me.startTime + 1 }), false);
});

Deno.test("freezeAndKill stops a tree that keeps spawning, with none left", () =>
  withScript(
    `echo ready; while :; do setsid sleep 1000 & sleep 0.01; done`,
    { detached: true },
    async ({ child, marker }) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const options = { marker, groups: [child.pid] };
      const killed = await freezeAndKill(child.pid, options);
      assert.ok(killed.length > 3, `killed ${killed.length}`);
      assert.equal((await child.status).signal, "SIGKILL");
      await waitGone(killed);
      assert.deepEqual(collectDescendants(child.pid, options), []);
    },
  ));

Deno.test("ProcessTreeWatch kills what the root left in its session after it exited", () =>
  // It exits when its stdin closes, so the test looks at it while it surely lives.
  withScript(
    `sleep 1000 & echo $!; setsid sleep 1000 & echo $!; echo ready
     read -r _ || true`,
    { detached: true, stdin: true },
    async ({ child, lines }) => {
      const watch = new ProcessTreeWatch(child.pid);
      // Seen while the root lives: the setsid one is only found again through this memory.
      watch.look();
      await child.stdin.close();
      const left = lines.map((line) => readProcess(Number(line)))
        .filter((p) => p !== null);
      assert.equal(left.length, 2);
      assert.equal((await child.status).code, 0);
      const killed = await watch.killAll();
      const pids = (list: ProcessInfo[]) => list.map((p) => p.pid).sort();
      assert.deepEqual(pids(killed), pids(left));
      await waitGone(left);
    },
  ));
