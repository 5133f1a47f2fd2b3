/**
 * @module One line that says what a tool call does, as Claude Code's terminal shows it:
 * `$ ls -la` for Bash, the path for Read/Write/Edit, the pattern for Grep, the question for
 * `ask_operator`. Unknown tools fall back to their input as compact JSON. Pure.
 */
import { isRecord } from "../../lib/wire/events.ts";
import { compactJson, plural } from "./format.ts";

const BROKER_PREFIX = "mcp__hyperhive__";
const SUMMARY_LIMIT = 160;

/** The name to show: broker tools without their long prefix. */
export function toolLabel(name: string): string {
  if (name.startsWith(BROKER_PREFIX)) {
    return `hive ${name.slice(BROKER_PREFIX.length)}`;
  }
  const mcp = /^mcp__([^_]+(?:_[^_]+)*)__(.+)$/.exec(name);
  return mcp ? `${mcp[1]} ${mcp[2]}` : name;
}

/** A one-line summary of a call's input. */
export function toolSummary(name: string, input: unknown): string {
  const args = isRecord(input) ? input : {};
  const s = (key: string) =>
    typeof args[key] === "string" ? args[key] as string : "";
  const tool = name.startsWith(BROKER_PREFIX)
    ? name.slice(BROKER_PREFIX.length)
    : name;
  let summary: string;
  switch (tool) {
    case "Bash":
      summary = `$ ${s("command")}`;
      break;
    case "Read":
    case "Write":
    case "Edit":
    case "MultiEdit":
    case "NotebookEdit":
      summary = s("file_path") || s("notebook_path");
      break;
    case "Glob":
      summary = [s("pattern"), s("path") && `in ${s("path")}`].filter(Boolean)
        .join(" ");
      break;
    case "Grep":
      summary = [
        s("pattern"),
        s("glob") && `(${s("glob")})`,
        s("path") && `in ${s("path")}`,
      ].filter(Boolean).join(" ");
      break;
    case "TodoWrite":
      summary = plural(
        Array.isArray(args.todos) ? args.todos.length : 0,
        "todo",
      );
      break;
    case "TaskCreate":
      summary = s("subject");
      break;
    case "TaskUpdate":
      summary = `#${s("taskId")}${s("status") ? ` → ${s("status")}` : ""}${
        s("subject") ? ` ${s("subject")}` : ""
      }`;
      break;
    case "WebFetch":
      summary = s("url");
      break;
    case "WebSearch":
      summary = s("query");
      break;
    case "Task":
    case "Agent":
      summary = s("description") || s("prompt");
      break;
    case "send":
      summary = `to ${s("to")}: ${s("body")}`;
      break;
    case "ask_operator":
      summary = s("question");
      break;
    case "remind":
      summary = s("message");
      break;
    case "set_status":
      summary = s("text");
      break;
    case "recv":
      summary = typeof args.wait_seconds === "number"
        ? `wait ${args.wait_seconds} s`
        : "";
      break;
    default:
      summary = Object.keys(args).length === 0
        ? ""
        : compactJson(input, SUMMARY_LIMIT);
  }
  const line = summary.split("\n")[0] ?? "";
  const cut = line.length > SUMMARY_LIMIT
    ? `${line.slice(0, SUMMARY_LIMIT)}…`
    : line;
  return cut !== summary && !cut.endsWith("…") ? `${cut} …` : cut;
}
