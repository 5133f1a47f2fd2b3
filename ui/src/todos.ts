/**
 * @module The agent's current todo list, read off its tool calls once their results say they
 * worked: `TodoWrite` replaces the whole list; `TaskCreate` adds a task whose id comes back in
 * the result (`Task #3 created…`) and `TaskUpdate` changes or deletes one by id. A `TaskCreate`
 * that gets an id already listed means claude started a new task list (a new session), so the
 * old tasks go. Pure and DOM-free.
 */
import { isRecord } from "../../lib/wire/events.ts";

/** A todo item's progress. */
export type TodoStatus = "pending" | "in_progress" | "completed";

/** One item of the list. */
export interface Todo {
  /** The task id, or a position for `TodoWrite` items, or the call id while a create is pending. */
  id: string;
  content: string;
  status: TodoStatus;
  activeForm: string | null;
}

const CREATED_ID = /Task #(\S+?) created/;

/** Follows the todo tools through the event stream. */
export class TodoList {
  #items: Todo[] = [];
  /** Todo tool calls waiting for their result, by tool_use id: a refused call changes nothing. */
  #pendingCalls = new Map<
    string,
    { name: string; input: Record<string, unknown> }
  >();
  version = 0;

  /** The items in order. */
  get items(): readonly Todo[] {
    return this.#items;
  }

  clear(): void {
    this.#items = [];
    this.#pendingCalls.clear();
    this.version++;
  }

  /** Take one event; only assistant tool calls and their results matter. */
  apply(event: Record<string, unknown>): void {
    if (event.kind !== "stream") return;
    const message = isRecord(event.message) ? event.message : {};
    const content = Array.isArray(message.content) ? message.content : [];
    for (const block of content) {
      if (!isRecord(block)) continue;
      if (event.type === "assistant" && block.type === "tool_use") {
        this.#applyCall(block);
      }
      if (event.type === "user" && block.type === "tool_result") {
        this.#applyResult(block, event.tool_use_result);
      }
    }
  }

  #applyCall(block: Record<string, unknown>): void {
    const name = text(block.name);
    const id = text(block.id);
    if (
      id === null ||
      (name !== "TodoWrite" && name !== "TaskCreate" && name !== "TaskUpdate")
    ) return;
    this.#pendingCalls.set(id, {
      name,
      input: isRecord(block.input) ? block.input : {},
    });
  }

  #applyResult(block: Record<string, unknown>, structured: unknown): void {
    const callId = text(block.tool_use_id);
    const call = callId === null ? undefined : this.#pendingCalls.get(callId);
    if (callId === null || call === undefined) return;
    this.#pendingCalls.delete(callId);
    if (block.is_error === true) return;
    const { input } = call;
    switch (call.name) {
      case "TodoWrite": {
        const todos = Array.isArray(input.todos)
          ? input.todos.filter(isRecord)
          : [];
        this.#items = todos.map((todo, index) => ({
          id: typeof todo.id === "string" ? todo.id : `todo-${index}`,
          content: text(todo.content) ?? text(todo.subject) ?? "",
          status: readStatus(todo.status) ?? "pending",
          activeForm: text(todo.activeForm),
        }));
        break;
      }
      case "TaskCreate": {
        const task = isRecord(structured) && isRecord(structured.task)
          ? structured.task
          : {};
        const resultText = typeof block.content === "string"
          ? block.content
          : JSON.stringify(block.content ?? "");
        const taskId = text(task.id) ?? CREATED_ID.exec(resultText)?.[1] ??
          null;
        if (taskId === null) return;
        // Ids restart with a new task list: what was listed belongs to the old one.
        const current = this.#items.some((todo) => todo.id === taskId)
          ? []
          : this.#items;
        const todo: Todo = {
          id: taskId,
          content: text(input.subject) ?? text(input.description) ?? "",
          status: "pending",
          activeForm: text(input.activeForm),
        };
        this.#items = [...current, todo];
        break;
      }
      case "TaskUpdate": {
        const taskId = text(input.taskId);
        if (taskId === null) return;
        this.#items = input.status === "deleted"
          ? this.#items.filter((todo) => todo.id !== taskId)
          : this.#items.map((todo) =>
            todo.id !== taskId ? todo : {
              ...todo,
              content: text(input.subject) ?? todo.content,
              status: readStatus(input.status) ?? todo.status,
              activeForm: text(input.activeForm) ?? todo.activeForm,
            }
          );
        break;
      }
    }
    this.version++;
  }
}

function readStatus(value: unknown): TodoStatus | null {
  return value === "pending" || value === "in_progress" || value === "completed"
    ? value
    : null;
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
