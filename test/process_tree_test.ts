import assert from "node:assert/strict";
import {
  collectDescendants,
  freezeAndKill,
  isSameProcess,
  killTree,
  type ProcessInfo,
  ProcessTreeWatch,
  readProcess,
} from "../lib/process_tree.ts";

interface Started {
  child: Deno.ChildProcess;
  /** Lines the script printed before "ready". */
  lines: string[];
}

/** Run a bash script and wait until it prints "ready". */
async function start(
  script: string,
  options: {
    detached?: boolean;
    env?: Record<string, string>;
    stdin?: boolean;
  } = {},
): Promise<Started> {
  const child = new Deno.Command("bash", {
    args: ["-c", script],
    stdout: "piped",
    stdin: options.stdin ? "piped" : "null",
    detached: options.detached ?? false,
    ...(options.env ? { env: options.env } : {}),
  }).spawn();
  const lines: string[] = [];
  let buffered = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (!lines.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
  }
  await reader.cancel();
  return { child, lines: lines.filter((line) => line !== "ready") };
}

async function waitGone(processes: ProcessInfo[], timeoutMs = 3000) {
  const deadline = performance.now() + timeoutMs;
  while (processes.some(isSameProcess) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(processes.filter(isSameProcess).map((p) => p.pid), []);
}

Deno.test("collectDescendants finds children, setsid grandchildren and their sessions, never us", async () => {
  // The setsid bash says "ready" once its own sleeps run, so they are all there to be found.
  const { child, lines } = await start(`
    sleep 1000 & echo $!
    setsid bash -c 'sleep 1000 & sleep 1000 & echo $$; echo ready; wait' &
    wait`);
  const found = collectDescendants(child.pid);
  const pids = found.map((info) => info.pid);
  for (const line of lines) {
    assert.ok(pids.includes(Number(line)), `${line} in ${pids}`);
  }
  // The setsid bash, its two sleeps, the plain sleep: the child shares our group and session,
  // and neither may pull us, our parents or their other children in.
  assert.equal(found.length, 4);
  assert.ok(!pids.includes(Deno.pid));
  assert.equal(killTree([child.pid, ...found], "SIGKILL"), 5);
  await child.status;
  await waitGone(found);
});

Deno.test("collectDescendants finds orphans by their environment marker", async () => {
  const marker = { name: "HIVE_TEST_MARK", value: crypto.randomUUID() };
  const { child, lines } = await start(
    `(setsid sleep 1000 & echo $!) ; echo ready; sleep 1000`,
    { env: { [marker.name]: marker.value } },
  );
  const orphan = readProcess(Number(lines[0]));
  assert.equal(
    orphan?.ppid === child.pid,
    false,
    "reparented away from the root",
  );
  assert.ok(!collectDescendants(child.pid).some((p) => p.pid === orphan?.pid));
  const found = collectDescendants(child.pid, { marker });
  assert.ok(found.some((p) => p.pid === orphan?.pid));
  killTree([child.pid, ...found], "SIGKILL");
  await child.status;
  await waitGone(found);
});

Deno.test("killTree skips a pid that now names another process, and never signals us", () => {
  const me = readProcess(Deno.pid);
  assert.ok(me);
  assert.equal(killTree([Deno.pid, 1, me], "SIGCONT"), 0);
  assert.equal(killTree([{ ...me, pid: Deno.pid + 1e6 }], "SIGCONT"), 0);
  assert.equal(isSameProcess({ ...me, startTime: me.startTime + 1 }), false);
});

Deno.test("freezeAndKill stops a tree that keeps spawning, with none left", async () => {
  const marker = { name: "HIVE_TEST_MARK", value: crypto.randomUUID() };
  const { child } = await start(
    `echo ready; while :; do setsid sleep 1000 & sleep 0.01; done`,
    { detached: true, env: { [marker.name]: marker.value } },
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  const killed = await freezeAndKill(child.pid, {
    marker,
    groups: [child.pid],
  });
  assert.ok(killed.length > 3, `killed ${killed.length}`);
  assert.equal((await child.status).signal, "SIGKILL");
  await waitGone(killed);
  assert.deepEqual(
    collectDescendants(child.pid, { marker, groups: [child.pid] }),
    [],
  );
});

Deno.test("ProcessTreeWatch kills what the root left in its session after it exited", async () => {
  // It exits when its stdin closes, so the test looks at it while it surely lives.
  const { child, lines } = await start(
    `sleep 1000 & echo $!; setsid sleep 1000 & echo $!; echo ready; read -r _ || true`,
    { detached: true, stdin: true },
  );
  const watch = new ProcessTreeWatch(child.pid);
  // Seen while the root lives: the setsid one is only found again through this memory.
  watch.look();
  await child.stdin.close();
  const left = lines.map((line) => readProcess(Number(line))).filter((p) =>
    p !== null
  );
  assert.equal(left.length, 2);
  assert.equal((await child.status).code, 0);
  const killed = await watch.killAll();
  assert.deepEqual(
    killed.map((p) => p.pid).sort(),
    left.map((p) => p.pid).sort(),
  );
  await waitGone(left);
});
