/**
 * @module The official MCP SDK's client, for the tests that check `hive-harness mcp` against it.
 * The harness speaks MCP itself (`lib/broker/mcp_stdio_server.ts`), so the SDK is pinned here
 * rather than in deno.json, and with it what it depends on (zod, its HTTP server packages): the
 * binary and `deno task start` never embed or fetch them.
 */
export { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
export { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
