/**
 * @module The three files the harness writes at start for claude (SPEC §4.3): settings that turn
 * claude's own auto-compaction off (the harness compacts), the role's system prompt naming the
 * agent, and the MCP config that starts this same program as `hive-harness mcp` with
 * `alwaysLoad: true` (without it claude does not wait for a server slower than ~1 s).
 */
import { join } from "node:path";
import type { Role } from "../config.ts";

/** How to start this same program again (the compiled binary, or deno on the entry module). */
export interface SelfCommand {
  command: string;
  args: string[];
  /** Environment the MCP server needs beyond claude's (deno's cache, when run from source). */
  env?: Record<string, string>;
}

/** Paths of the written files. */
export interface RuntimeFiles {
  settings: string;
  systemPrompt: string;
  mcpConfig: string;
}

/** Inputs of {@linkcode writeRuntimeFiles}. */
export interface RuntimeFilesOptions {
  runtimeDir: string;
  agent: string;
  role: Role;
  self: SelfCommand;
  stateDir: string;
  /** Either the hive socket or the embedded broker's file. */
  broker: { socket: string } | { db: string };
}

/** The system prompt for a role. */
export function systemPromptFor(role: Role, agent: string): string {
  const common =
    `You are ${agent}, an autonomous Claude Code agent in a hive of agents.
You wake when a message arrives: from another agent, from the operator, from a reminder you set,
or from the system. Each wake-up is one turn; when you have done what the message needs, end
your turn with a short summary.

Use the hyperhive tools to work with others:
- send(to, body): message another agent, or "operator" for the human who runs the hive.
- recv(wait_seconds?): read messages that arrived while you were working.
- ask_operator(question, options?, multi?, ttl_seconds?): ask the operator; the answer arrives
  later as a message from "system".
- remind(message, delay_seconds | at_unix_timestamp): wake yourself later.
- get_loose_ends() / cancel_loose_end(kind, id): your open questions and pending reminders.
- set_status(text): one line the operator sees on your page.
Keep your loose ends tidy: cancel reminders and questions you no longer need.`;
  if (role === "manager") {
    return `${common}

You are the hive's manager. Your tools act on any agent (pass agent: NAME), and list_agents()
shows every agent with its status, unread messages and pending reminders. Coordinate the agents,
route work to them, and keep the operator informed.`;
  }
  return common;
}

/** The MCP config claude is given: one stdio server, `hyperhive`, loaded before the first turn. */
export function mcpConfigFor(
  options: RuntimeFilesOptions,
): Record<string, unknown> {
  const brokerArgs = "socket" in options.broker
    ? ["--hive-socket", options.broker.socket]
    : ["--broker-db", options.broker.db];
  return {
    mcpServers: {
      hyperhive: {
        type: "stdio",
        command: options.self.command,
        args: [
          ...options.self.args,
          "mcp",
          "--agent",
          options.agent,
          "--role",
          options.role,
          "--state-dir",
          options.stateDir,
          ...brokerArgs,
        ],
        ...(options.self.env ? { env: options.self.env } : {}),
        alwaysLoad: true,
      },
    },
  };
}

/** Write the three files into the runtime dir; returns their paths. */
export async function writeRuntimeFiles(
  options: RuntimeFilesOptions,
): Promise<RuntimeFiles> {
  await Deno.mkdir(options.runtimeDir, { recursive: true });
  const files: RuntimeFiles = {
    settings: join(options.runtimeDir, "claude-settings.json"),
    systemPrompt: join(options.runtimeDir, "system-prompt.md"),
    mcpConfig: join(options.runtimeDir, "mcp-config.json"),
  };
  await Deno.writeTextFile(
    files.settings,
    JSON.stringify({ autoCompactEnabled: false }, null, 2) + "\n",
  );
  await Deno.writeTextFile(
    files.systemPrompt,
    systemPromptFor(options.role, options.agent) + "\n",
  );
  await Deno.writeTextFile(
    files.mcpConfig,
    JSON.stringify(mcpConfigFor(options), null, 2) + "\n",
  );
  return files;
}
