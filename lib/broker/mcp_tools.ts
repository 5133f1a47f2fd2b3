/**
 * @module The broker as claude's MCP tools (SPEC §8; claude sees `mcp__hyperhive__<tool>`). Each
 * tool is a thin mapping onto one broker request, so the tools obey exactly the rules of the
 * socket protocol; a refused request becomes an `isError` result whose text says why, which
 * claude can read and act on. The manager's tools take an optional `agent` to act on any agent.
 */
import type {
  ArgumentSchema,
  ToolDefinition,
  ToolResult,
} from "./mcp_stdio_server.ts";
import type { BrokerResponse } from "./request_handler.ts";
import { MAX_WAIT_SECONDS } from "./broker_commands.ts";

/** Sends one broker request (in-process handler or socket client) and never rejects. */
export type BrokerRequester = (
  request: Record<string, unknown>,
  signal?: AbortSignal,
) => Promise<BrokerResponse>;

/** Options for {@linkcode brokerTools}. */
export interface BrokerToolsOptions {
  request: BrokerRequester;
  role: "agent" | "manager";
  /** Called after a successful `set_status` that named no other agent (writes `hyperhive-status`). */
  onOwnStatus?: (text: string) => Promise<void>;
}

type AfterTool = (fields: Record<string, unknown>) => Promise<void>;

const text = (description?: string): ArgumentSchema =>
  description === undefined
    ? { type: "string" }
    : { type: "string", description };

/** The broker tools (plus `list_agents` for the manager). */
export function brokerTools(options: BrokerToolsOptions): ToolDefinition[] {
  const { request, role } = options;
  const manager = role === "manager";
  const agentField: Record<string, ArgumentSchema> = manager
    ? { agent: text("Act as this agent (default: yourself)") }
    : {};
  const tools: ToolDefinition[] = [];

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
    properties: Record<string, ArgumentSchema>,
    required: readonly string[],
    after?: AfterTool,
  ): void {
    tools.push({
      name,
      description,
      properties: { ...properties, ...agentField },
      required,
      call: async (args, signal) => {
        const result = await call(name, args, signal);
        if (!result.isError) await after?.(args);
        return result;
      },
    });
  }

  tool(
    "send",
    "Send a message to another agent's inbox (or to `operator`). It wakes that agent.",
    { to: text("Agent name, or operator"), body: text() },
    ["to", "body"],
  );
  tool(
    "recv",
    "Read new messages in your inbox that no turn has taken yet, waiting up to wait_seconds for one.",
    {
      "wait_seconds": {
        type: "number",
        minimum: 0,
        maximum: MAX_WAIT_SECONDS,
        description: `Longest wait, 0-${MAX_WAIT_SECONDS} s`,
      },
    },
    [],
  );
  tool(
    "ask_operator",
    "Ask the operator (or, with `to`, another agent) a question. Returns its id at once; " +
      "the answer arrives later as a message from `system`.",
    {
      question: text(),
      options: {
        type: "array",
        items: { type: "string" },
        description: "Choices to offer",
      },
      multi: { type: "boolean", description: "Several choices may be picked" },
      "ttl_seconds": {
        type: "number",
        exclusiveMinimum: 0,
        description: "Expire unanswered after this long",
      },
      to: text("Ask this agent instead of the operator"),
    },
    ["question"],
  );
  tool(
    "answer",
    "Answer a question another agent asked you (its id is in the `system` message).",
    { id: { type: "integer", exclusiveMinimum: 0 }, answer: text() },
    ["id", "answer"],
  );
  tool(
    "remind",
    "Have a message delivered to yourself later: after delay_seconds, or at at_unix_timestamp (give one).",
    {
      message: text(),
      "delay_seconds": { type: "number", minimum: 0 },
      "at_unix_timestamp": { type: "number", minimum: 0 },
    },
    ["message"],
  );
  tool(
    "get_loose_ends",
    "List your open questions (asked by you or of you) and pending reminders.",
    {},
    [],
  );
  tool(
    "cancel_loose_end",
    "Cancel one of your open questions or pending reminders.",
    {
      kind: { type: "string", enum: ["question", "reminder"] },
      id: { type: "integer", exclusiveMinimum: 0 },
    },
    ["kind", "id"],
  );
  tool(
    "set_status",
    "Set your free-text status, shown to the operator and the manager.",
    { text: text() },
    ["text"],
    async (fields) => {
      // Only our own status belongs in our state dir's file.
      if (
        fields.agent === undefined && typeof fields.text === "string"
      ) await options.onOwnStatus?.(fields.text);
    },
  );
  if (manager) {
    tools.push({
      name: "list_agents",
      description:
        "List every agent with its status, unread messages and pending reminders.",
      properties: {},
      required: [],
      call: (_args, signal) => call("list_agents", {}, signal),
    });
  }
  return tools;
}
