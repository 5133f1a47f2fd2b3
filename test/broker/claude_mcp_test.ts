import assert from "node:assert/strict";
import { startScriptedApi, text, toolCalls } from "../fixtures/scripted_api.ts";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";
import { createMemoryLogger } from "../../lib/log.ts";

const ENTRY = new URL("../fixtures/mcp_entry.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const CLAUDE =
  new URL("../../.tools/node_modules/.bin/claude", import.meta.url).pathname;

Deno.test("the real claude CLI calls mcp__hyperhive__send and the message lands in the broker", async () => {
  const dir = await Deno.makeTempDir({ prefix: "claude-mcp-" });
  const db = `${dir}/hyperhive-broker.sqlite`;
  const broker = openEmbeddedBroker(db, { log: createMemoryLogger() });
  await broker.addAgent("a");
  await broker.addAgent("b");
  const api = startScriptedApi({
    script: [
      toolCalls([{
        name: "mcp__hyperhive__send",
        input: { to: "b", body: "hello from claude" },
      }]),
      text("sent"),
    ],
  });
  try {
    const mcpConfig = `${dir}/mcp.json`;
    await Deno.writeTextFile(
      mcpConfig,
      JSON.stringify({
        mcpServers: {
          hyperhive: {
            type: "stdio",
            command: Deno.execPath(),
            args: [
              "run",
              "-A",
              "--frozen",
              "--config",
              CONFIG,
              ENTRY,
              "mcp",
              "--agent",
              "a",
              "--broker-db",
              db,
              "--state-dir",
              dir,
            ],
            // claude runs with a temporary HOME; deno must still find its package cache there.
            env: { DENO_DIR: denoDir() },
            alwaysLoad: true,
          },
        },
      }),
    );
    const home = `${dir}/home`;
    await Deno.mkdir(home);
    const output = await new Deno.Command(CLAUDE, {
      args: [
        "--print",
        "--verbose",
        "--output-format",
        "stream-json",
        "--model",
        "haiku",
        "--mcp-config",
        mcpConfig,
        "--strict-mcp-config",
        "--allowedTools=mcp__hyperhive__send,mcp__hyperhive__recv",
        "--",
        "Say hello to b",
      ],
      cwd: dir,
      clearEnv: true,
      env: {
        HOME: home,
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: "sk-test",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_TELEMETRY: "1",
        CLAUDE_CODE_MAX_RETRIES: "0",
      },
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    assert.equal(
      output.code,
      0,
      `claude failed: ${new TextDecoder().decode(output.stderr)}\n${stdout}`,
    );
    const events = stdout.split("\n").filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    const init = events.find((event) =>
      event.type === "system" && event.subtype === "init"
    );
    assert.deepEqual(
      init?.mcp_servers?.map((
        server: { name: string; status: string },
      ) => [server.name, server.status]),
      [
        ["hyperhive", "connected"],
      ],
    );
    // The model was offered the broker's tools, and the call's result went back to it.
    const offered = (api.requests[0]?.body.tools as { name: string }[]).map((
      tool,
    ) => tool.name);
    assert.ok(offered.includes("mcp__hyperhive__send"), offered.join(","));
    assert.match(
      JSON.stringify(api.requests[1]?.body.messages),
      /tool_result.*\\"id\\":\d+/,
    );
    const wakeup = await broker.nextWakeup("b", { waitMs: 0 });
    assert.deepEqual([wakeup?.from, wakeup?.body], ["a", "hello from claude"]);
  } finally {
    await api.close();
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

function denoDir(): string {
  return Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;
}
