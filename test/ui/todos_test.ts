import assert from "node:assert/strict";
import { TodoList } from "../../ui/src/todos.ts";

function call(name: string, id: string, input: Record<string, unknown>) {
  return {
    kind: "stream",
    type: "assistant",
    message: { content: [{ type: "tool_use", id, name, input }] },
  };
}

function result(
  id: string,
  content: string,
  structured?: unknown,
  isError = false,
) {
  return {
    kind: "stream",
    type: "user",
    message: {
      content: [{
        type: "tool_result",
        tool_use_id: id,
        content,
        is_error: isError,
      }],
    },
    ...(structured === undefined ? {} : { tool_use_result: structured }),
  };
}

Deno.test("TodoList takes TodoWrite's list whole", () => {
  const todos = new TodoList();
  todos.apply(
    call("TodoWrite", "t0", {
      todos: [{ content: "refused", status: "pending" }],
    }),
  );
  todos.apply(
    result(
      "t0",
      "<tool_use_error>No such tool</tool_use_error>",
      undefined,
      true,
    ),
  );
  assert.equal(todos.items.length, 0);
  todos.apply(call("TodoWrite", "t1", {
    todos: [
      { content: "Do A", status: "in_progress", activeForm: "Doing A" },
      { content: "Do B", status: "pending", activeForm: "Doing B" },
    ],
  }));
  todos.apply(result("t1", "Todos have been modified successfully"));
  assert.deepEqual(
    todos.items.map((todo) => [todo.content, todo.status, todo.activeForm]),
    [
      ["Do A", "in_progress", "Doing A"],
      ["Do B", "pending", "Doing B"],
    ],
  );
  todos.apply(
    call("TodoWrite", "t2", {
      todos: [{ content: "Do A", status: "completed" }],
    }),
  );
  todos.apply(result("t2", "Todos have been modified successfully"));
  assert.deepEqual(todos.items.map((todo) => todo.status), ["completed"]);
});

Deno.test("TodoList follows TaskCreate and TaskUpdate by the id the result names", () => {
  const todos = new TodoList();
  todos.apply(
    call("TaskCreate", "c1", {
      subject: "Write tests",
      description: "the tests",
      activeForm: "Writing tests",
    }),
  );
  assert.equal(
    todos.items.length,
    0,
    "a task shows once its result names its id",
  );
  todos.apply(
    result("c1", "Task #1 created successfully: Write tests", {
      task: { id: "1", subject: "Write tests" },
    }),
  );
  todos.apply(call("TaskCreate", "c2", { subject: "Ship" }));
  todos.apply(result("c2", "Task #2 created successfully: Ship"));
  todos.apply(call("TaskUpdate", "u1", { taskId: "1", status: "in_progress" }));
  todos.apply(result("u1", "Updated task #1 status"));
  assert.deepEqual(todos.items.map((todo) => [todo.id, todo.status]), [[
    "1",
    "in_progress",
  ], ["2", "pending"]]);
  todos.apply(call("TaskUpdate", "u2", { taskId: "1", status: "completed" }));
  todos.apply(call("TaskUpdate", "u3", { taskId: "2", status: "deleted" }));
  todos.apply(result("u2", "Updated task #1 status"));
  todos.apply(result("u3", "Updated task #2 deleted"));
  assert.deepEqual(todos.items.map((todo) => [todo.id, todo.status]), [[
    "1",
    "completed",
  ]]);
});

Deno.test("TodoList starts over when a new task list reuses an id", () => {
  const todos = new TodoList();
  todos.apply(call("TaskCreate", "c1", { subject: "Old" }));
  todos.apply(result("c1", "Task #1 created successfully: Old"));
  todos.apply(call("TaskCreate", "c2", { subject: "New" }));
  todos.apply(result("c2", "Task #1 created successfully: New"));
  assert.deepEqual(todos.items.map((todo) => [todo.id, todo.content]), [[
    "1",
    "New",
  ]]);
});
