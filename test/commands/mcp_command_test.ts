import assert from "node:assert/strict";
import { Client, StdioClientTransport } from "../deps/mcp_sdk_client.ts";
import { parseMcpArgs } from "../../lib/commands/mcp_command.ts";
import { UsageError } from "../../lib/commands/flags.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { startHive } from "../../lib/broker/hive.ts";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";

const ENTRY = new URL("../fixtures/mcp_entry.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

Deno.test("parseMcpArgs reads the flags and names the bad one", () => {
  assert.deepEqual(
    parseMcpArgs(["--agent", "a", "--hive-socket", "/run/hive/mcp.sock"]),
    {
      agent: "a",
      role: "agent",
      hiveSocket: "/run/hive/mcp.sock",
      brokerDb: undefined,
      stateDir: undefined,
    },
  );
  assert.equal(
    parseMcpArgs(["--agent", "m", "--role", "manager", "--state-dir", "/s"])
      .brokerDb,
    "/s/hyperhive-broker.sqlite",
  );
  const cases: [string[], string][] = [
    [["--hive-socket", "/x"], "--agent"],
    [["--agent", "../a", "--hive-socket", "/x"], "--agent"],
    [["--agent", "a", "--role", "boss", "--broker-db", "/x"], "--role"],
    [["--agent", "a"], "--hive-socket"],
    [
      ["--agent", "a", "--hive-socket", "/x", "--broker-db", "/y"],
      "--broker-db",
    ],
    [["--agent", "a", "--bogus", "1"], "--bogus"],
  ];
  for (const [args, flag] of cases) {
    assert.throws(
      () => parseMcpArgs(args),
      (error: unknown) => error instanceof UsageError && error.flag === flag,
    );
  }
});

async function connect(args: string[]): Promise<Client> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", "--frozen", "--config", CONFIG, ENTRY, "mcp", ...args],
    stderr: "ignore",
  });
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

interface ListedTool {
  name: string;
  inputSchema: { properties?: Record<string, unknown> };
}

async function listTools(client: Client): Promise<ListedTool[]> {
  return (await client.listTools()).tools as ListedTool[];
}

interface ToolText {
  isError?: boolean;
  content: { type: string; text: string }[];
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolText> {
  return await client.callTool({ name, arguments: args }) as ToolText;
}

function json(result: ToolText): Record<string, unknown> {
  assert.notEqual(result.isError, true, result.content[0]?.text);
  return JSON.parse(result.content[0]!.text);
}

Deno.test("mcp server (embedded store): lists the tools and runs each one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp-test-" });
  const db = `${dir}/hyperhive-broker.sqlite`;
  const broker = openEmbeddedBroker(db, { log: createMemoryLogger() });
  await broker.addAgent("b");
  const client = await connect([
    "--agent",
    "a",
    "--broker-db",
    db,
    "--state-dir",
    dir,
  ]);
  try {
    const tools = (await listTools(client)).map((tool) => tool.name).sort();
    assert.deepEqual(tools, [
      "answer",
      "ask_operator",
      "cancel_loose_end",
      "get_loose_ends",
      "recv",
      "remind",
      "send",
      "set_status",
    ]);
    assert.equal(client.getServerVersion()?.name, "hyperhive");
    assert.ok(
      json(await call(client, "send", { to: "b", body: "hello b" })).id,
    );
    assert.equal(
      (await broker.nextWakeup("b", { waitMs: 0 }))?.body,
      "hello b",
    );
    await broker.send("b", "a", "hello a");
    const got = json(await call(client, "recv", { wait_seconds: 1 })) as {
      messages: { body: string }[];
    };
    assert.deepEqual(got.messages.map((m) => m.body), ["hello a"]);
    const asked = json(
      await call(client, "ask_operator", {
        question: "Ship?",
        options: ["y", "n"],
        ttl_seconds: 60,
      }),
    );
    const reminded = json(
      await call(client, "remind", { message: "later", delay_seconds: 600 }),
    );
    const ends = json(await call(client, "get_loose_ends")) as {
      questions: unknown[];
      reminders: unknown[];
    };
    assert.deepEqual([ends.questions.length, ends.reminders.length], [1, 1]);
    assert.deepEqual(
      json(
        await call(client, "cancel_loose_end", {
          kind: "reminder",
          id: reminded.id,
        }),
      ),
      {},
    );
    await broker.answerQuestion(asked.id as number, "y");
    const bAsks = await broker.ask("b", {
      question: "Tea?",
      options: [],
      multi: false,
      ttlSeconds: null,
      target: "a",
    });
    assert.deepEqual(
      json(await call(client, "answer", { id: bAsks.id, answer: "yes" })),
      {},
    );
    assert.deepEqual(
      json(await call(client, "set_status", { text: "testing" })),
      {},
    );
    assert.equal(
      await Deno.readTextFile(`${dir}/hyperhive-status`),
      "testing\n",
    );
    assert.equal(
      (await broker.listAgents()).find((agent) => agent.name === "a")?.status,
      "testing",
    );

    const refused = await call(client, "send", { to: "ghost", body: "x" });
    assert.equal(refused.isError, true);
    assert.match(refused.content[0]!.text, /unknown agent "ghost"/);
    const bad = await call(client, "remind", { message: "x" });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0]!.text, /exactly one/);
    const overLong = await call(client, "recv", { wait_seconds: 500 });
    assert.equal(overLong.isError, true);
  } finally {
    await client.close();
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mcp server (hive socket, manager): acts on any agent and lists agents", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp-hive-" });
  const hive = await startHive({
    socketDir: dir,
    agents: ["a", "b"],
    manager: "boss",
    db: `${dir}/b.sqlite`,
  }, {
    log: createMemoryLogger(),
  });
  const client = await connect([
    "--agent",
    "boss",
    "--role",
    "manager",
    "--hive-socket",
    hive.sockets.get("boss")!,
  ]);
  try {
    const tools = await listTools(client);
    assert.ok(tools.some((tool) => tool.name === "list_agents"));
    const send = tools.find((tool) => tool.name === "send")!;
    assert.ok("agent" in (send.inputSchema.properties ?? {}));
    json(await call(client, "send", { to: "a", body: "from b", agent: "b" }));
    assert.equal((await hive.broker.nextWakeup("a", { waitMs: 0 }))?.from, "b");
    json(await call(client, "set_status", { text: "busy", agent: "a" }));
    json(
      await call(client, "remind", {
        message: "m",
        delay_seconds: 100,
        agent: "b",
      }),
    );
    const listed = json(await call(client, "list_agents")) as {
      agents: { name: string; status: string | null }[];
    };
    assert.deepEqual(listed.agents.map((agent) => [agent.name, agent.status]), [
      ["a", "busy"],
      ["b", null],
      ["boss", null],
    ]);
    const ends = json(await call(client, "get_loose_ends", { agent: "b" })) as {
      reminders: unknown[];
    };
    assert.equal(ends.reminders.length, 1);
    const unknown = await call(client, "recv", { agent: "ghost" });
    assert.match(unknown.content[0]!.text, /Unknown agent "ghost"/);
  } finally {
    await client.close();
    await hive.close();
    await Deno.remove(dir, { recursive: true });
  }
});
