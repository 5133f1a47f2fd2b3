/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The todos panel: the agent's current list, each item with its status, the one in
 * progress named by what it is doing now.
 */
import type { JSX } from "preact";
import type { Todo } from "./todos.ts";

const MARK: Record<Todo["status"], string> = {
  pending: "☐",
  "in_progress": "◐",
  completed: "☑",
};

/** The todo list. */
export function TodosView({ items }: { items: readonly Todo[] }): JSX.Element {
  const done = items.filter((item) => item.status === "completed").length;
  return (
    <section class="panel todos" aria-labelledby="todos-title">
      <h2 id="todos-title">
        Todos{" "}
        {items.length > 0 && <span class="dim">{done}/{items.length}</span>}
      </h2>
      {items.length === 0
        ? <p class="dim">No todos.</p>
        : (
          <ul class="todo-list">
            {items.map((item) => (
              <li
                key={item.id}
                class={`todo ${item.status}`}
                data-status={item.status}
              >
                <span class="mark" aria-label={item.status.replace("_", " ")}>
                  {MARK[item.status]}
                </span>{" "}
                <span>
                  {item.status === "in_progress" && item.activeForm
                    ? item.activeForm
                    : item.content}
                </span>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}
