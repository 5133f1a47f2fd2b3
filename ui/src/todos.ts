/**
 * @module The agent's current todo list, read off its tool calls: `TodoWrite` replaces the whole
 * list; `TaskCreate` adds a task whose id comes back in the tool result (`Task #3 created…`) and
 * `TaskUpdate` changes or deletes one by id. A `TaskCreate` that gets an id already listed means
 * claude started a new task list (a new session), so the old tasks go. Pure and DOM-free.
 */
import { isRecord } from "../../lib/events.ts";

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
  /** TaskCreate calls waiting for their result, by tool_use id. */
  #pendingCreates = new Map<string, Todo>();
  version = 0;

  /** The items in order. */
  get items(): readonly Todo[] {
    return this.#items;
  }

  clear(): void {
    this.#items = [];
    this.#pendingCreates.clear();
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
    const input = isRecord(block.input) ? block.input : {};
    switch (block.name) {
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
        this.#pendingCreates.clear();
        this.version++;
        return;
      }
      case "TaskCreate": {
        const id = text(block.id) ?? `call-${this.version}`;
        const todo: Todo = {
          id,
          content: text(input.subject) ?? text(input.description) ?? "",
          status: "pending",
          activeForm: text(input.activeForm),
        };
        this.#pendingCreates.set(id, todo);
        this.#items = [...this.#items, todo];
        this.version++;
        return;
      }
      case "TaskUpdate": {
        const taskId = text(input.taskId);
        if (taskId === null) return;
        if (input.status === "deleted") {
          this.#items = this.#items.filter((todo) => todo.id !== taskId);
        } else {
          this.#items = this.#items.map((todo) =>
            todo.id !== taskId ? todo : {
              ...todo,
              content: text(input.subject) ?? todo.content,
              status: readStatus(input.status) ?? todo.status,
              activeForm: text(input.activeForm) ?? todo.activeForm,
            }
          );
        }
        this.version++;
        return;
      }
    }
  }

  #applyResult(block: Record<string, unknown>, structured: unknown): void {
    const callId = text(block.tool_use_id);
    const pending = callId === null
      ? undefined
      : this.#pendingCreates.get(callId);
    if (callId === null || pending === undefined) return;
    this.#pendingCreates.delete(callId);
    if (block.is_error === true) {
      this.#items = this.#items.filter((todo) => todo !== pending);
      this.version++;
      return;
    }
    const task = isRecord(structured) && isRecord(structured.task)
      ? structured.task
      : {};
    const resultText = typeof block.content === "string"
      ? block.content
      : JSON.stringify(block.content ?? "");
    const taskId = text(task.id) ?? CREATED_ID.exec(resultText)?.[1] ?? null;
    if (taskId === null) return;
    if (this.#items.some((todo) => todo.id === taskId)) {
      // Ids restart with a new task list: what was listed belongs to the old one.
      this.#items = this.#items.filter((todo) =>
        todo === pending || this.#pendingCreates.has(todo.id)
      );
    }
    this.#items = this.#items.map((todo) =>
      todo === pending ? { ...todo, id: taskId } : todo
    );
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
