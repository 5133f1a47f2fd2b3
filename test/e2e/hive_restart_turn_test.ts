/**
 * A harness on a `hive` socket whose hive is SIGKILLed during a turn and stays down past the
 * client's connect timeout: the turn ends, the mark of its wake-up fails, and when the hive is
 * back and offers the same wake-up again, the harness records it instead of running it twice.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startHarness } from "../../lib/harness.ts";
import { SocketBroker } from "../../lib/broker/socket_client.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import type { ConfigEnvironment } from "../../lib/config.ts";
import { historyOf, waitForHistory } from "../fixtures/in_process_harness.ts";
import { ROOT } from "../fixtures/harness_process.ts";

const ENTRY = join(ROOT, "test", "fixtures", "hive_entry.ts");
const SLOW_TURN = join(
  ROOT,
  "test",
  "fixtures",
  "fake_claude",
  "slow_ok_turn.sh",
);

function spawnHive(dir: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", ENTRY, "hive", "--socket-dir", dir],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      await Deno.lstat(path);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`${path} never appeared`);
}

Deno.test("the hive killed mid-turn and down for a while: the wake-up still runs once", async () => {
  const socketDir = await Deno.makeTempDir({ prefix: "hive-restart-turn-" });
  const stateDir = await Deno.makeTempDir({ prefix: "hive-restart-state-" });
  const socket = join(socketDir, "alice", "mcp.sock");
  let hive = spawnHive(socketDir);
  await waitFor(join(socketDir, "manager", "mcp.sock"));
  const manager = new SocketBroker(join(socketDir, "manager", "mcp.sock"), {
    role: "manager",
    connectTimeoutMs: 10_000,
  });
  await manager.addAgent("alice");
  await waitFor(socket);
  const environment: ConfigEnvironment = {
    env: () => undefined,
    hostname: () => "test-host",
    isWritableDir: () => false,
    cwd: () => stateDir,
  };
  const harness = await startHarness({
    agent: "alice",
    role: "agent",
    stateDir,
    hiveSocket: socket,
    claude: SLOW_TURN,
    cwd: undefined,
    model: undefined,
    allowedTools: undefined,
    keepWarmSeconds: 0,
    version: "test",
    self: { command: "true", args: [] },
    uiToken: undefined,
  }, {
    log: createMemoryLogger(),
    environment,
    baseEnv: { PATH: "/usr/bin:/bin", FAKE_TURN_SECONDS: "3" },
    // Short connect patience, as a real harness's calls have: the mark fails while it is down.
    connectHive: (path) => new SocketBroker(path, { connectTimeoutMs: 500 }),
  });
  try {
    await manager.send("operator", "alice", "run me once");
    await waitForHistory(harness, (event) => event.kind === "turn_start");
    hive.kill("SIGKILL");
    await hive.status;
    await waitForHistory(harness, (event) => event.kind === "turn_end");
    // Down well past the mark's connect timeout, then back on the same store.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    hive = spawnHive(socketDir);
    let left = -1;
    for (let i = 0; i < 150 && left !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = await manager.inboxDepth("alice").catch(() => -1);
    }
    assert.equal(left, 0, "the wake-up was marked delivered");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const starts = (await historyOf(harness)).filter((event) =>
      event.kind === "turn_start" && event.body === "run me once"
    );
    assert.equal(starts.length, 1, "ran once");
  } finally {
    await harness.stop();
    await manager.close();
    hive.kill("SIGTERM");
    await hive.status;
    await Deno.remove(socketDir, { recursive: true });
    await Deno.remove(stateDir, { recursive: true });
  }
});
