import assert from "node:assert/strict";
import { parseHiveArgs, runHive } from "../../lib/commands/hive_command.ts";
import { SocketBroker } from "../../lib/broker/socket_client.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { UsageError } from "../../lib/commands/flags.ts";
import { delay } from "../broker/broker_fixture.ts";

Deno.test("parseHiveArgs reads the flags and names the bad one", () => {
  assert.deepEqual(
    parseHiveArgs([
      "--socket-dir",
      "/run/hive",
      "--agents",
      "a, b,a",
      "--manager",
      "m",
    ]),
    {
      socketDir: "/run/hive",
      agents: ["a", "b"],
      manager: "m",
      db: "/run/hive/hyperhive-broker.sqlite",
      page: null,
      maxConnections: 64,
      maxQueued: 1000,
      ping: false,
    },
  );
  assert.deepEqual(
    parseHiveArgs([
      "--socket-dir",
      "/d",
      "--port",
      "0",
      "--host",
      "0.0.0.0",
      "--ui-token",
      "t0ken",
      "--allowed-host",
      "hive.lan",
    ]).page,
    {
      host: "0.0.0.0",
      port: 0,
      uiToken: "t0ken",
      allowedHosts: ["hive.lan"],
      allowEmbed: [],
    },
  );
  assert.equal(
    parseHiveArgs(["--socket-dir", "/d", "--max-connections", "5"])
      .maxConnections,
    5,
  );
  assert.equal(
    parseHiveArgs(["--socket-dir", "/d", "--max-queued", "20"]).maxQueued,
    20,
  );
  assert.equal(
    parseHiveArgs(["--socket-dir", "/d", "--db", "/x.sqlite"]).db,
    "/x.sqlite",
  );
  assert.equal(parseHiveArgs(["--socket-dir", "/d"]).manager, "manager");
  const cases: [string[], string][] = [
    [[], "--socket-dir"],
    [["--socket-dir", "/d", "--agents", "a,../b"], "--agents"],
    [["--socket-dir", "/d", "--agents", "operator"], "--agents"],
    [["--socket-dir", "/d", "--manager", "a b"], "--manager"],
    [["--socket-dir", "/d", "--db", ""], "--db"],
    [["--socket-dir", "/d", "--wat"], "--wat"],
    [["--socket-dir", "/d", "--port", "http"], "--port"],
    [["--socket-dir", "/d", "--port", "70000"], "--port"],
    [["--socket-dir", "/d", "--ui-token", "t"], "--port"],
    [["--socket-dir", "/d", "--port", "0", "--host", "0.0.0.0"], "--ui-token"],
    [[
      "--socket-dir",
      "/d",
      "--port",
      "0",
      "--host",
      "0.0.0.0",
      "--ui-token",
      " ",
    ], "--ui-token"],
    [["--socket-dir", "/d", "--max-connections", "0"], "--max-connections"],
    [["--socket-dir", "/d", "--max-queued", "1e3"], "--max-queued"],
  ];
  for (const [args, flag] of cases) {
    assert.throws(
      () => parseHiveArgs(args),
      (error: unknown) => error instanceof UsageError && error.flag === flag,
    );
  }
});

Deno.test("runHive serves every socket until its signal, then removes them; 1 when it cannot start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hive-run-" });
  const stop = new AbortController();
  const log = createMemoryLogger();
  const running = runHive(
    parseHiveArgs(["--socket-dir", dir, "--agents", "a"]),
    { log, signal: stop.signal },
  );
  const path = `${dir}/a/mcp.sock`;
  for (let i = 0; i < 100 && !(await exists(path)); i++) await delay(20);
  const client = new SocketBroker(path);
  try {
    assert.equal(await client.inboxDepth("a"), 0);
    assert.ok(await exists(`${dir}/manager/mcp.sock`));
  } finally {
    await client.close();
    stop.abort();
  }
  assert.equal(await running, 0);
  assert.equal(await exists(path), false);
  const failed = await runHive({
    socketDir: dir,
    agents: [],
    manager: "m",
    db: dir,
  }, { log, signal: stop.signal });
  assert.equal(failed, 1);
  assert.ok(
    log.records.some((record) => record.msg === "Cannot start the hive broker"),
  );
  await Deno.remove(dir, { recursive: true });
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("runHive with --port serves the host page until its signal; 1 when the port is taken", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hive-page-" });
  const log = createMemoryLogger();
  const stop = new AbortController();
  let url = "";
  const running = runHive(
    parseHiveArgs(["--socket-dir", dir, "--agents", "a", "--port", "0"]),
    { log, signal: stop.signal, onPageListen: (listening) => url = listening },
  );
  for (let i = 0; i < 200 && url === ""; i++) await delay(20);
  try {
    const listed = await (await fetch(`${url}api/agents`)).json();
    assert.deepEqual(
      listed.agents.map((agent: { name: string }) => agent.name).sort(),
      ["a", "manager"],
    );
    const page = await fetch(url);
    assert.match(await page.text(), /<div id="hive">/);
    const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const taken = await runHive(
        parseHiveArgs([
          "--socket-dir",
          `${dir}/other`,
          "--port",
          String((busy.addr as Deno.NetAddr).port),
        ]),
        { log, signal: stop.signal },
      );
      assert.equal(taken, 1);
      assert.ok(
        log.records.some((record) =>
          record.msg === "Cannot serve the host page"
        ),
      );
    } finally {
      busy.close();
    }
  } finally {
    stop.abort();
  }
  assert.equal(await running, 0);
  await Deno.remove(dir, { recursive: true });
});
