/**
 * @module The broker as claude's MCP tools (SPEC §8; claude sees `mcp__hyperhive__<tool>`). Each
 * tool is a thin mapping onto one broker request, so the tools obey exactly the rules of the
 * socket protocol; a refused request becomes an `isError` result whose text says why, which
 * claude can read and act on. The manager's tools take an optional `agent` to act on any agent.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { BrokerResponse } from "./request_handler.ts";
import { MAX_WAIT_SECONDS } from "./broker_commands.ts";

/** Sends one broker request (in-process handler or socket client) and never rejects. */
export type BrokerRequester = (
  request: Record<string, unknown>,
  signal?: AbortSignal,
) => Promise<BrokerResponse>;

/** Options for {@linkcode registerBrokerTools}. */
export interface BrokerToolsOptions {
  request: BrokerRequester;
  role: "agent" | "manager";
  /** Called after a successful `set_status` that named no other agent (writes `hyperhive-status`). */
  onOwnStatus?: (text: string) => Promise<void>;
}

type ToolResult = {
  content: { type: "text"; text: string }[];
  isError?: boolean;
};
type AfterTool = (fields: Record<string, unknown>) => Promise<void>;

/** Register the broker tools on `server` (plus `list_agents` for the manager). */
export function registerBrokerTools(
  server: McpServer,
  options: BrokerToolsOptions,
): void {
  const { request, role } = options;
  const manager = role === "manager";
  const agentField: z.ZodRawShape = manager
    ? {
      agent: z.string().optional().describe(
        "Act as this agent (default: yourself)",
      ),
    }
    : {};

  async function call(
    cmd: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ToolResult> {
    const response = await request({ cmd, ...args }, signal);
    if (!response.ok) {
      return {
        content: [{ type: "text", text: `Error: ${response.error}` }],
        isError: true,
      };
    }
    const { ok: _, ...rest } = response;
    return { content: [{ type: "text", text: JSON.stringify(rest) }] };
  }

  // Every tool forwards its arguments as the request's fields: one place maps tools to commands.
  function tool(
    name: string,
    description: string,
    shape: z.ZodRawShape,
    after?: AfterTool,
  ): void {
    server.registerTool(
      name,
      { description, inputSchema: { ...shape, ...agentField } },
      async (args: Record<string, unknown>, extra: { signal: AbortSignal }) => {
        const fields = args as Record<string, unknown>;
        const result = await call(name, fields, extra.signal);
        if (!result.isError) {
          await after?.(fields);
        }
        return result;
      },
    );
  }

  tool(
    "send",
    "Send a message to another agent's inbox (or to `operator`). It wakes that agent.",
    {
      to: z.string().describe("Agent name, or operator"),
      body: z.string(),
    },
  );
  tool(
    "recv",
    "Read new messages in your inbox that no turn has taken yet, waiting up to wait_seconds for one.",
    {
      wait_seconds: z.number().min(0).max(MAX_WAIT_SECONDS).optional()
        .describe(`Longest wait, 0-${MAX_WAIT_SECONDS} s`),
    },
  );
  tool(
    "ask_operator",
    "Ask the operator (or, with `to`, another agent) a question. Returns its id at once; " +
      "the answer arrives later as a message from `system`.",
    {
      question: z.string(),
      options: z.array(z.string()).optional().describe("Choices to offer"),
      multi: z.boolean().optional().describe("Several choices may be picked"),
      ttl_seconds: z.number().positive().optional().describe(
        "Expire unanswered after this long",
      ),
      to: z.string().optional().describe(
        "Ask this agent instead of the operator",
      ),
    },
  );
  tool(
    "answer",
    "Answer a question another agent asked you (its id is in the `system` message).",
    {
      id: z.number().int().positive(),
      answer: z.string(),
    },
  );
  tool(
    "remind",
    "Have a message delivered to yourself later: after delay_seconds, or at at_unix_timestamp (give one).",
    {
      message: z.string(),
      delay_seconds: z.number().min(0).optional(),
      at_unix_timestamp: z.number().min(0).optional(),
    },
  );
  tool(
    "get_loose_ends",
    "List your open questions (asked by you or of you) and pending reminders.",
    {},
  );
  tool(
    "cancel_loose_end",
    "Cancel one of your open questions or pending reminders.",
    {
      kind: z.enum(["question", "reminder"]),
      id: z.number().int().positive(),
    },
  );
  tool(
    "set_status",
    "Set your free-text status, shown to the operator and the manager.",
    { text: z.string() },
    async (fields) => {
      // Only our own status belongs in our state dir's file.
      if (
        fields.agent === undefined && typeof fields.text === "string"
      ) await options.onOwnStatus?.(fields.text);
    },
  );

  if (manager) {
    server.registerTool("list_agents", {
      description:
        "List every agent with its status, unread messages and pending reminders.",
      inputSchema: {},
    }, () => call("list_agents", {}));
  }
}
