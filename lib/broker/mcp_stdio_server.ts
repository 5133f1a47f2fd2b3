/**
 * @module A small MCP server over stdio (JSON-RPC 2.0, one message per line) serving tools only:
 * `initialize`, `ping`, `tools/list`, `tools/call`, and `notifications/cancelled` aborting a
 * call. claude starts this server on every cold turn and waits for it (SPEC §10: `initialize`
 * within 4× an empty `deno run`), and the MCP SDK with its schema library took most of that
 * start, so the few messages a tools-only server needs are spoken here, with arguments checked
 * against each tool's JSON Schema by {@linkcode checkArguments}.
 */

/** A tool's answer: text blocks, `isError` when the call was refused. */
export interface ToolResult {
  content: { type: "text"; text: string }[];
  isError?: boolean;
}

/** The JSON Schema subset the tools use for one argument. */
export type ArgumentSchema =
  | { type: "string"; description?: string; enum?: readonly string[] }
  | {
    type: "number" | "integer";
    description?: string;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
  }
  | { type: "boolean"; description?: string }
  | { type: "array"; items: { type: "string" }; description?: string };

/** One tool: its name, what it does, its arguments, and its handler. */
export interface ToolDefinition {
  name: string;
  description: string;
  /** Argument name → schema. */
  properties: Record<string, ArgumentSchema>;
  required: readonly string[];
  call(args: Record<string, unknown>, signal: AbortSignal): Promise<ToolResult>;
}

/** Protocol versions this server speaks; a client asking for another gets the first. */
const PROTOCOL_VERSIONS = [
  "2025-06-18",
  "2025-11-25",
  "2025-03-26",
  "2024-11-05",
];

/** Options for {@linkcode serveMcpStdio}. */
export interface McpStdioOptions {
  name: string;
  version: string;
  tools: readonly ToolDefinition[];
  /** Lines in (claude's requests); the process's stdin by default. */
  input?: ReadableStream<Uint8Array>;
  /** Writes one line out; the process's stdout by default. */
  write?: (line: string) => Promise<void>;
  /** Stops serving. */
  signal?: AbortSignal;
  /** Called for a line that is not JSON-RPC, or a handler that threw. */
  onError?: (message: string, error?: unknown) => void;
}

/** Serve until the input ends or the signal fires. */
export async function serveMcpStdio(options: McpStdioOptions): Promise<void> {
  const input = options.input ?? Deno.stdin.readable;
  const encoder = new TextEncoder();
  let writing = Promise.resolve();
  const write = options.write ??
    ((line: string) => Deno.stdout.write(encoder.encode(line)).then(() => {}));
  // One line at a time: concurrent tool calls must not interleave their bytes.
  const send = (message: Record<string, unknown>) => {
    writing = writing.then(() =>
      write(JSON.stringify({ jsonrpc: "2.0", ...message }) + "\n")
    ).catch((error) => options.onError?.("Cannot write to stdout", error));
    return writing;
  };
  const tools = new Map(options.tools.map((tool) => [tool.name, tool]));
  const running = new Map<string | number, AbortController>();
  const pending = new Set<Promise<void>>();
  const reader = input.pipeThrough(new TextDecoderStream()).getReader();
  const onAbort = () => void reader.cancel().catch(() => {});
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line === "") continue;
        const task = handle(line);
        pending.add(task);
        void task.finally(() => pending.delete(task));
      }
    }
  } catch (error) {
    if (!options.signal?.aborted) options.onError?.("stdin failed", error);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    for (const controller of running.values()) controller.abort();
    await Promise.allSettled([...pending]);
    await writing;
  }

  async function handle(line: string): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      options.onError?.("A line that is not JSON", line.slice(0, 200));
      await send({ id: null, error: { code: -32700, message: "Parse error" } });
      return;
    }
    if (!isRecord(message) || typeof message.method !== "string") return;
    const id = typeof message.id === "string" || typeof message.id === "number"
      ? message.id
      : null;
    const params = isRecord(message.params) ? message.params : {};
    if (id === null) {
      // A notification: only a cancel needs doing.
      if (message.method === "notifications/cancelled") {
        const target = params.requestId;
        if (typeof target === "string" || typeof target === "number") {
          running.get(target)?.abort();
        }
      }
      return;
    }
    try {
      const result = await answer(id, message.method, params);
      if (result === null) {
        await send({
          id,
          error: {
            code: -32601,
            message: `Method not found: ${message.method}`,
          },
        });
      } else await send({ id, result });
    } catch (error) {
      options.onError?.(`${message.method} failed`, error);
      await send({
        id,
        error: {
          code: -32603,
          message: error instanceof Error ? error.message : String(error),
        },
      });
    }
  }

  async function answer(
    id: string | number,
    method: string,
    params: Record<string, unknown>,
  ): Promise<Record<string, unknown> | null> {
    switch (method) {
      case "initialize": {
        const asked = typeof params.protocolVersion === "string"
          ? params.protocolVersion
          : "";
        return {
          protocolVersion: PROTOCOL_VERSIONS.includes(asked)
            ? asked
            : PROTOCOL_VERSIONS[0],
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: options.name, version: options.version },
        };
      }
      case "ping":
        return {};
      case "tools/list":
        return {
          tools: options.tools.map((tool) => ({
            name: tool.name,
            description: tool.description,
            inputSchema: {
              type: "object",
              properties: tool.properties,
              ...(tool.required.length > 0
                ? { required: [...tool.required] }
                : {}),
            },
          })),
        };
      case "tools/call": {
        const name = typeof params.name === "string" ? params.name : "";
        const tool = tools.get(name);
        if (!tool) return errorResult(`Unknown tool "${name}"`);
        const args = isRecord(params.arguments) ? params.arguments : {};
        const problem = checkArguments(tool, args);
        if (problem !== null) {
          return errorResult(`Invalid arguments for ${name}: ${problem}`);
        }
        const controller = new AbortController();
        running.set(id, controller);
        try {
          return { ...await tool.call(args, controller.signal) };
        } finally {
          running.delete(id);
        }
      }
      default:
        return null;
    }
  }
}

function errorResult(text: string): Record<string, unknown> {
  return { content: [{ type: "text", text }], isError: true };
}

/** Why `args` do not fit the tool's schema, or null when they do. */
export function checkArguments(
  tool: Pick<ToolDefinition, "properties" | "required">,
  args: Record<string, unknown>,
): string | null {
  for (const name of tool.required) {
    if (args[name] === undefined) return `${name} is required`;
  }
  for (const [name, value] of Object.entries(args)) {
    const schema = tool.properties[name];
    if (schema === undefined) return `unknown argument ${name}`;
    if (value === undefined) continue;
    const problem = checkValue(schema, value);
    if (problem !== null) return `${name} ${problem}`;
  }
  return null;
}

function checkValue(schema: ArgumentSchema, value: unknown): string | null {
  switch (schema.type) {
    case "string":
      if (typeof value !== "string") return "must be a string";
      if (schema.enum && !schema.enum.includes(value)) {
        return `must be one of ${schema.enum.join(", ")}`;
      }
      return null;
    case "number":
    case "integer":
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return "must be a number";
      }
      if (schema.type === "integer" && !Number.isInteger(value)) {
        return "must be a whole number";
      }
      if (schema.minimum !== undefined && value < schema.minimum) {
        return `must be at least ${schema.minimum}`;
      }
      if (
        schema.exclusiveMinimum !== undefined &&
        value <= schema.exclusiveMinimum
      ) return `must be more than ${schema.exclusiveMinimum}`;
      if (schema.maximum !== undefined && value > schema.maximum) {
        return `must be at most ${schema.maximum}`;
      }
      return null;
    case "boolean":
      return typeof value === "boolean" ? null : "must be true or false";
    case "array":
      return Array.isArray(value) &&
          value.every((item) => typeof item === "string")
        ? null
        : "must be a list of strings";
    default: {
      const never: never = schema;
      throw new TypeError(`Unknown schema ${JSON.stringify(never)}`);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
