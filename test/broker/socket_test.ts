import assert from "node:assert/strict";
import { BrokerError } from "../../lib/broker/broker_api.ts";
import { startHive } from "../../lib/broker/hive.ts";
import { parseHiveArgs, runHive } from "../../lib/commands/hive_command.ts";
import {
  MAX_REQUEST_BYTES,
  serveBrokerSocket,
} from "../../lib/broker/socket_server.ts";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";
import { createBrokerRequestHandler } from "../../lib/broker/request_handler.ts";
import { SocketBroker } from "../../lib/broker/socket_client.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { delay } from "./broker_fixture.ts";

async function withHive(
  fn: (sockets: Map<string, string>, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "socket-test-" });
  const hive = await startHive({
    socketDir: dir,
    agents: ["a", "b"],
    manager: "boss",
    db: `${dir}/b.sqlite`,
  }, {
    log: createMemoryLogger(),
  });
  try {
    await fn(hive.sockets, dir);
  } finally {
    await hive.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A raw connection: write bytes, read response lines. */
async function rawConnection(path: string) {
  const conn = await Deno.connect({ transport: "unix", path });
  const lines = conn.readable.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    async write(text: string | Uint8Array): Promise<void> {
      const bytes = typeof text === "string"
        ? new TextEncoder().encode(text)
        : text;
      for (let offset = 0; offset < bytes.length;) {
        offset += await conn.write(bytes.subarray(offset));
      }
    },
    async readLine(): Promise<Record<string, unknown>> {
      while (!buffer.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) throw new Error("connection closed");
        buffer += value;
      }
      const at = buffer.indexOf("\n");
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      return JSON.parse(line);
    },
    async close() {
      try {
        conn.close();
      } catch {
        // Closed by the broker already.
      }
      await lines.cancel().catch(() => {});
    },
  };
}

Deno.test("socket: bad lines get a clear error and the connection stays usable", async () => {
  await withHive(async (sockets) => {
    const path = sockets.get("a")!;
    // The socket is the agent's identity: only the hive's user may open it.
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
    const conn = await rawConnection(path);
    try {
      await conn.write('{"cmd":"whoami"}\n{"cmd":"status"}\n\n');
      assert.deepEqual(await conn.readLine(), {
        ok: true,
        agent: "a",
        role: "agent",
      });
      assert.deepEqual(await conn.readLine(), {
        ok: true,
        agent: "a",
        unread: 0,
      });
      await conn.write("not json\n");
      const bad = await conn.readLine();
      assert.equal(bad.ok, false);
      assert.match(String(bad.error), /not JSON/);
      await conn.write("[1,2]\n");
      assert.match(String((await conn.readLine()).error), /JSON object/);
      // Over the cap, in pieces: refused as a whole, never buffered.
      const big = new Uint8Array(MAX_REQUEST_BYTES + 100).fill(0x61);
      await conn.write(big.subarray(0, 700_000));
      await conn.write(big.subarray(700_000));
      await conn.write("\n");
      const tooLong = await conn.readLine();
      assert.equal(tooLong.ok, false);
      assert.match(String(tooLong.error), /over the 1048576-byte limit/);
      await conn.write('{"cmd":"send","to":"b","body":"still here"}\n');
      assert.equal((await conn.readLine()).ok, true);
    } finally {
      await conn.close();
    }
  });
});

Deno.test("socket: a live socket is not stolen; a stale one is replaced", async () => {
  await withHive(async (sockets, dir) => {
    await assert.rejects(
      startHive({
        socketDir: dir,
        agents: ["a"],
        manager: "boss",
        db: `${dir}/other.sqlite`,
      }, { log: createMemoryLogger() }),
      /another broker is listening/,
    );
    assert.ok(sockets.has("a"));
  });
  const dir = await Deno.makeTempDir({ prefix: "socket-stale-" });
  const path = `${dir}/a/mcp.sock`;
  await Deno.mkdir(`${dir}/a`);
  Deno.listen({ transport: "unix", path }).close();
  const hive = await startHive({
    socketDir: dir,
    agents: ["a"],
    manager: "boss",
    db: `${dir}/b.sqlite`,
  }, {
    log: createMemoryLogger(),
  });
  const client = new SocketBroker(path);
  try {
    assert.equal(await client.inboxDepth("a"), 0);
  } finally {
    await client.close();
    await hive.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("socket client: a dead broker fails fast with a clear error, never hangs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socket-dead-" });
  const client = new SocketBroker(`${dir}/nobody.sock`, {
    connectTimeoutMs: 200,
  });
  const mute = Deno.listen({ transport: "unix", path: `${dir}/mute.sock` });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of mute) accepted.push(conn);
  })();
  const stuck = new SocketBroker(`${dir}/mute.sock`, { timeoutMs: 200 });
  try {
    const started = performance.now();
    const error = await client.inboxDepth("a").catch((error) => error);
    assert.ok(
      error instanceof BrokerError && error.code === "unavailable",
      String(error),
    );
    assert.match(error.message, /nobody\.sock" is not reachable/);
    // A broker that accepts but never answers: the call times out.
    const silent = await stuck.request({ cmd: "status" });
    assert.deepEqual([silent.ok, !silent.ok && silent.code], [
      false,
      "unavailable",
    ]);
    assert.match(String(!silent.ok && silent.error), /no answer within 200 ms/);
    assert.ok(performance.now() - started < 3000);
  } finally {
    await client.close();
    await stuck.close();
    mute.close();
    await accepting;
    for (const conn of accepted) conn.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("socket client: reconnects when the broker blinks; an abandoned long-poll takes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socket-blink-" });
  const options = {
    socketDir: dir,
    agents: ["a", "b"],
    manager: "boss",
    db: `${dir}/b.sqlite`,
  };
  let hive = await startHive(options, { log: createMemoryLogger() });
  const a = new SocketBroker(hive.sockets.get("a")!, {
    connectTimeoutMs: 3000,
  });
  const b = new SocketBroker(hive.sockets.get("b")!);
  try {
    await a.send("a", "b", "before");
    await hive.close();
    const restarted = delay(300).then(async () =>
      hive = await startHive(options, { log: createMemoryLogger() })
    );
    // Sent while the broker is down: the client keeps connecting until it is back.
    await a.send("a", "b", "during");
    await restarted;
    assert.deepEqual((await b.recv("b", { waitMs: 0 })).map((m) => m.body), [
      "before",
      "during",
    ]);

    const abort = new AbortController();
    const polling = b.recv("b", { waitMs: 10_000, signal: abort.signal });
    await delay(50);
    abort.abort();
    assert.deepEqual(await polling, []);
    await a.send("a", "b", "after abort");
    await delay(50);
    assert.equal(
      await b.inboxDepth("b"),
      1,
      "the abandoned recv did not take it",
    );
  } finally {
    await a.close();
    await b.close();
    await hive.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("socket: a line that is not UTF-8 is refused, not repaired", async () => {
  await withHive(async (sockets) => {
    const conn = await rawConnection(sockets.get("a")!);
    const b = new SocketBroker(sockets.get("b")!);
    try {
      const head = new TextEncoder().encode('{"cmd":"send","to":"b","body":"');
      const tail = new TextEncoder().encode('"}\n');
      await conn.write(new Uint8Array([...head, 0xff, 0xfe, ...tail]));
      const refused = await conn.readLine();
      assert.deepEqual([refused.ok, refused.code], [false, "invalid"]);
      assert.match(String(refused.error), /not valid UTF-8/);
      assert.equal(await b.inboxDepth("b"), 0, "nothing was sent");
      await conn.write('{"cmd":"send","to":"b","body":"fine"}\n');
      assert.equal((await conn.readLine()).ok, true);
    } finally {
      await conn.close();
      await b.close();
    }
  });
});

Deno.test("socket: one socket serves at most --max-connections; the rest get an error and the others are untouched", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socket-cap-" });
  const hive = await startHive({
    socketDir: dir,
    agents: ["a", "b"],
    manager: "boss",
    db: `${dir}/b.sqlite`,
    maxConnections: 3,
  }, { log: createMemoryLogger() });
  const open: Awaited<ReturnType<typeof rawConnection>>[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const conn = await rawConnection(hive.sockets.get("a")!);
      open.push(conn);
      await conn.write('{"cmd":"whoami"}\n');
      assert.equal((await conn.readLine()).agent, "a");
    }
    const extra = await rawConnection(hive.sockets.get("a")!);
    open.push(extra);
    const refused = await extra.readLine();
    assert.deepEqual([refused.ok, refused.code], [false, "unavailable"]);
    assert.match(String(refused.error), /already serves 3, the most it takes/);
    await assert.rejects(extra.readLine(), /connection closed/);
    const b = await rawConnection(hive.sockets.get("b")!);
    open.push(b);
    await b.write('{"cmd":"ping"}\n');
    const pong = await b.readLine();
    assert.equal(pong.pong, true);
    const boss = await rawConnection(hive.sockets.get("boss")!);
    open.push(boss);
    await boss.write('{"cmd":"ping"}\n');
    const sockets = (await boss.readLine()).sockets as Record<
      string,
      { accepting: boolean; connections: number; refused: number }
    >;
    assert.deepEqual(
      [sockets.a!.accepting, sockets.a!.connections, sockets.a!.refused],
      [true, 3, 1],
    );
    // One closed, one more is served.
    await open.shift()!.close();
    await delay(50);
    const again = await rawConnection(hive.sockets.get("a")!);
    open.push(again);
    await again.write('{"cmd":"whoami"}\n');
    assert.equal((await again.readLine()).agent, "a");
  } finally {
    for (const conn of open) await conn.close();
    await hive.close();
    await Deno.remove(dir, { recursive: true });
  }
});

const HIVE_ENTRY = new URL("../fixtures/hive_entry.ts", import.meta.url)
  .pathname;

/** Agent a's socket alone, on a broker of its own, taking connections once `acceptFrom` settles. */
async function gatedSocket(acceptFrom: Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "socket-gate-" });
  const log = createMemoryLogger();
  const broker = openEmbeddedBroker(`${dir}/b.sqlite`, { log });
  const path = `${dir}/a/mcp.sock`;
  const server = await serveBrokerSocket(
    path,
    createBrokerRequestHandler(broker, { agent: "a", role: "agent" }, { log }),
    { log, acceptFrom },
  );
  return {
    path,
    async close() {
      await server.close();
      await broker.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("socket: connections wait in the backlog until the opener lets the socket accept", async () => {
  const { promise: open, resolve: letIn } = Promise.withResolvers<void>();
  const socket = await gatedSocket(open);
  const conn = await rawConnection(socket.path);
  try {
    await conn.write('{"cmd":"whoami"}\n');
    const answer = conn.readLine();
    const early = await Promise.race([answer, delay(300).then(() => "none")]);
    assert.equal(early, "none", "not accepted before the opener is ready");
    letIn();
    assert.deepEqual(await answer, { ok: true, agent: "a", role: "agent" });
  } finally {
    await conn.close();
    await socket.close();
  }
});

Deno.test("socket: a socket closed before it was let in closes at once", async () => {
  const socket = await gatedSocket(new Promise(() => {}));
  await socket.close();
});

Deno.test("socket: out of descriptors, every socket's accept loop waits and recovers; hive --ping sees it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socket-emfile-" });
  // A low descriptor limit and no per-socket cap: one agent's connections use up the table.
  const hive = new Deno.Command("sh", {
    args: [
      "-c",
      `ulimit -n 120 && exec "$0" run -A --frozen "$1" hive --socket-dir "$2" --agents a,b --max-connections 1000`,
      Deno.execPath(),
      HIVE_ENTRY,
      dir,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // A hive that dies under the low limit must say why, not hide behind a failed kill.
  const stderr = new Response(hive.stderr).text();
  const flood: Deno.UnixConn[] = [];
  const ping = async (name: string) => {
    const conn = await rawConnection(`${dir}/${name}/mcp.sock`);
    try {
      await conn.write('{"cmd":"ping"}\n');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const silence = new Promise<never>((_, reject) =>
        timer = setTimeout(
          () => reject(new Error(`${name}'s socket does not answer`)),
          10_000,
        )
      );
      return await Promise.race([conn.readLine(), silence]).finally(() =>
        clearTimeout(timer)
      );
    } finally {
      await conn.close();
    }
  };
  try {
    while (!(await exists(`${dir}/b/mcp.sock`))) await delay(50);
    for (let i = 0; i < 200; i++) {
      try {
        flood.push(
          await Deno.connect({ transport: "unix", path: `${dir}/a/mcp.sock` }),
        );
      } catch {
        break; // The backlog is full: the hive is out of descriptors.
      }
    }
    // While the table is full, b is knocked on too (its accept fails as well).
    const knock = await Deno.connect({
      transport: "unix",
      path: `${dir}/b/mcp.sock`,
    });
    flood.push(knock);
    await delay(500);
    for (const conn of flood.splice(0)) conn.close();
    const pong = await ping("b");
    assert.equal(pong.ok, true, JSON.stringify(pong));
    const health = (await ping("manager")).sockets as Record<
      string,
      { accepting: boolean; accept_errors: number }
    >;
    assert.ok(health.a!.accept_errors > 0, JSON.stringify(health));
    assert.equal(health.a!.accepting, true);
    assert.equal(health.b!.accepting, true);
    const log = createMemoryLogger();
    const output: string[] = [];
    assert.equal(
      await runHive(
        parseHiveArgs(["--socket-dir", dir, "--ping"]),
        { log, write: (text) => output.push(text) },
      ),
      0,
    );
    assert.match(output.join(""), /"pong":true/);
  } finally {
    for (const conn of flood) conn.close();
    let exitedByItself = false;
    try {
      hive.kill("SIGTERM");
    } catch {
      exitedByItself = true; // Said below, once its stderr is in.
    }
    const status = await hive.status;
    const said = await stderr;
    await Deno.remove(dir, { recursive: true });
    if (exitedByItself) {
      // The body's own error says what went wrong after; this says why the hive was gone.
      // deno-lint-ignore no-console
      console.error(
        `the hive exited by itself (code ${status.code}, signal ${status.signal}): ${
          said.slice(-8000)
        }`,
      );
    }
  }
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
