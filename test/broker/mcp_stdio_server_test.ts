/**
 * The tools-only MCP server over in-memory pipes: the handshake, the tool list with JSON Schema,
 * calls whose arguments fit or do not, a cancel that aborts a running call, and lines that are
 * not JSON-RPC, each answered as the protocol says.
 */
import assert from "node:assert/strict";
import {
  checkArguments,
  serveMcpStdio,
  type ToolDefinition,
} from "../../lib/broker/mcp_stdio_server.ts";

const ECHO: ToolDefinition = {
  name: "echo",
  description: "Say it back",
  properties: {
    text: { type: "string" },
    times: { type: "integer", minimum: 1, maximum: 3 },
  },
  required: ["text"],
  call: (args) =>
    Promise.resolve({
      content: [{
        type: "text",
        text: String(args.text).repeat(Number(args.times ?? 1)),
      }],
    }),
};

const SLOW: ToolDefinition = {
  name: "slow",
  description: "Waits until cancelled",
  properties: {},
  required: [],
  call: (_args, signal) =>
    new Promise((resolve) =>
      signal.addEventListener("abort", () =>
        resolve({
          content: [{ type: "text", text: "aborted" }],
          isError: true,
        }), { once: true })
    ),
};

/** Feed `lines`; stdin stays open until `answers` replies are out (default: close at once). */
async function session(
  lines: unknown[],
  answers = 0,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let close = () => {};
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const line of lines) {
        controller.enqueue(
          new TextEncoder().encode(
            (typeof line === "string" ? line : JSON.stringify(line)) + "\n",
          ),
        );
      }
      close = () => controller.close();
      if (answers === 0) close();
    },
  });
  await serveMcpStdio({
    name: "hyperhive",
    version: "0.1.0",
    tools: [ECHO, SLOW],
    input,
    write: (line) => {
      out.push(JSON.parse(line));
      if (out.length === answers) close();
      return Promise.resolve();
    },
  });
  return out;
}

Deno.test("serveMcpStdio answers initialize, ping and tools/list with each tool's JSON Schema", async () => {
  const out = await session([
    {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-03-26", capabilities: {} },
    },
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { jsonrpc: "2.0", id: 2, method: "ping" },
    { jsonrpc: "2.0", id: 3, method: "tools/list" },
  ]);
  assert.deepEqual(out[0], {
    jsonrpc: "2.0",
    id: 1,
    result: {
      protocolVersion: "2025-03-26",
      capabilities: { tools: { listChanged: false } },
      serverInfo: { name: "hyperhive", version: "0.1.0" },
    },
  });
  assert.deepEqual(out[1], { jsonrpc: "2.0", id: 2, result: {} });
  const tools = (out[2]!.result as { tools: Record<string, unknown>[] }).tools;
  assert.deepEqual(tools[0], {
    name: "echo",
    description: "Say it back",
    inputSchema: {
      type: "object",
      properties: ECHO.properties,
      required: ["text"],
    },
  });
  assert.equal(out.length, 3, "no answer to a notification");
});

Deno.test("serveMcpStdio calls a tool, and refuses arguments that do not fit as an isError result", async () => {
  const out = await session([
    {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "ab", times: 2 } },
    },
    {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "ab", times: 9 } },
    },
    {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "nope", arguments: {} },
    },
  ]);
  const byId = new Map(out.map((message) => [message.id, message]));
  assert.deepEqual(byId.get(1)!.result, {
    content: [{ type: "text", text: "abab" }],
  });
  assert.deepEqual(byId.get(2)!.result, {
    content: [{
      type: "text",
      text: "Invalid arguments for echo: times must be at most 3",
    }],
    isError: true,
  });
  assert.equal(
    (byId.get(3)!.result as { isError: boolean }).isError,
    true,
  );
});

Deno.test("serveMcpStdio: a cancel aborts the running call; garbage and unknown methods get JSON-RPC errors", async () => {
  const out = await session([
    { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "slow" } },
    {
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: 7 },
    },
    "not json at all",
    { jsonrpc: "2.0", id: 8, method: "resources/list" },
  ], 3);
  const byId = new Map(out.map((message) => [message.id, message]));
  assert.deepEqual(byId.get(7)!.result, {
    content: [{ type: "text", text: "aborted" }],
    isError: true,
  });
  assert.equal(
    (byId.get(null)!.error as { code: number }).code,
    -32700,
  );
  assert.equal((byId.get(8)!.error as { code: number }).code, -32601);
});

Deno.test("checkArguments names the first argument that does not fit", () => {
  const tool = {
    properties: {
      kind: { type: "string", enum: ["question", "reminder"] },
      id: { type: "integer", exclusiveMinimum: 0 },
      options: { type: "array", items: { type: "string" } },
      multi: { type: "boolean" },
    },
    required: ["kind"],
  } as const;
  assert.equal(checkArguments(tool, { kind: "question", id: 3 }), null);
  assert.equal(checkArguments(tool, {}), "kind is required");
  assert.equal(
    checkArguments(tool, { kind: "other" }),
    "kind must be one of question, reminder",
  );
  assert.equal(
    checkArguments(tool, { kind: "question", id: 0 }),
    "id must be more than 0",
  );
  assert.equal(
    checkArguments(tool, { kind: "question", id: 1.5 }),
    "id must be a whole number",
  );
  assert.equal(
    checkArguments(tool, { kind: "question", options: [1] }),
    "options must be a list of strings",
  );
  assert.equal(
    checkArguments(tool, { kind: "question", multi: "yes" }),
    "multi must be true or false",
  );
  assert.equal(
    checkArguments(tool, { kind: "question", extra: 1 }),
    "unknown argument extra",
  );
});
