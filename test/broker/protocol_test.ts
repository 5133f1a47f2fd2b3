import assert from "node:assert/strict";
import { openTestBroker, TRANSPORTS } from "./broker_fixture.ts";

for (const transport of TRANSPORTS) {
  Deno.test(`broker protocol (${transport}): every agent request, good and bad`, async (t) => {
    const hive = await openTestBroker(transport);
    const a = hive.connect("a");
    const b = hive.connect("b");
    try {
      await t.step("whoami names the socket's agent", async () => {
        assert.deepEqual(await a({ cmd: "whoami" }), {
          ok: true,
          agent: "a",
          role: "agent",
        });
      });
      await t.step("send, status, recv, recent", async () => {
        const sent = await a({
          cmd: "send",
          to: "b",
          body: "hi b",
          extra_key: "tolerated",
        });
        assert.equal(sent.ok, true);
        assert.deepEqual(await b({ cmd: "status" }), {
          ok: true,
          agent: "b",
          unread: 1,
        });
        const received = await b({ cmd: "recv" });
        assert.equal(received.ok, true);
        const messages = (received as {
          messages: { from: string; body: string; id: number }[];
        }).messages;
        assert.deepEqual(messages.map((m) => [m.from, m.body, m.id]), [[
          "a",
          "hi b",
          (sent as { id: number }).id,
        ]]);
        assert.deepEqual(await b({ cmd: "recv", wait_seconds: 0 }), {
          ok: true,
          messages: [],
        });
        const recent = await a({ cmd: "recent", limit: 5 }) as {
          messages: { body: string }[];
        };
        assert.deepEqual(recent.messages.map((m) => m.body), ["hi b"]);
      });
      await t.step("send refuses bad input and forgery", async () => {
        await expectError(a({ cmd: "send", body: "x" }), "invalid", /"to"/);
        await expectError(
          a({ cmd: "send", to: "b", body: "" }),
          "invalid",
          /"body"/,
        );
        await expectError(
          a({ cmd: "send", to: "nobody", body: "x" }),
          "not_found",
          /unknown agent "nobody"/,
        );
        await expectError(
          a({ cmd: "send", to: "b", body: "x", from: "operator" }),
          "forbidden",
          /as "operator"/,
        );
        // A label is fine on one's own inbox: what `wake --from cron` does.
        assert.equal(
          (await a({ cmd: "send", to: "a", body: "tick", from: "cron" })).ok,
          true,
        );
        const wake = await a({ cmd: "next_wakeup" }) as {
          wakeup: { from: string; id: number };
        };
        assert.equal(wake.wakeup.from, "cron");
        assert.equal(
          (await a({ cmd: "mark_delivered", id: wake.wakeup.id })).ok,
          true,
        );
      });
      await t.step(
        "next_wakeup re-offers until mark_delivered; recv skips the claimed one",
        async () => {
          await a({ cmd: "send", to: "b", body: "one" });
          await a({ cmd: "send", to: "b", body: "two" });
          const first = await b({ cmd: "next_wakeup", wait_seconds: 1 }) as {
            wakeup: { id: number; body: string; unread: number };
          };
          assert.deepEqual([first.wakeup.body, first.wakeup.unread], [
            "one",
            1,
          ]);
          const again = await b({ cmd: "next_wakeup" }) as {
            wakeup: { id: number };
          };
          assert.equal(again.wakeup.id, first.wakeup.id);
          const recv = await b({ cmd: "recv" }) as {
            messages: { body: string }[];
          };
          assert.deepEqual(recv.messages.map((m) => m.body), ["two"]);
          await expectError(
            a({ cmd: "mark_delivered", id: first.wakeup.id }),
            "not_found",
            /no such message to "a"/,
          );
          assert.deepEqual(
            await b({ cmd: "mark_delivered", id: first.wakeup.id }),
            { ok: true },
          );
          assert.deepEqual(await b({ cmd: "next_wakeup", wait_seconds: 0 }), {
            ok: true,
            wakeup: null,
          });
          // Asked with batch, one wake-up carries the sender's later messages; others wait.
          await a({ cmd: "send", to: "b", body: "three" });
          await a({ cmd: "send", to: "b", body: "four" });
          await b({ cmd: "send", to: "b", body: "five", from: "cron" });
          const batch = await b({ cmd: "next_wakeup", batch: true }) as {
            wakeup: {
              id: number;
              body: string;
              unread: number;
              more: { id: number; body: string }[];
            };
          };
          assert.deepEqual(
            [
              batch.wakeup.body,
              batch.wakeup.more.map((m) => m.body),
              batch.wakeup.unread,
            ],
            ["three", ["four"], 1],
          );
          for (const id of [batch.wakeup.id, batch.wakeup.more[0]!.id]) {
            await b({ cmd: "mark_delivered", id });
          }
          const cron = await b({ cmd: "next_wakeup", batch: true }) as {
            wakeup: { id: number; body: string; more?: unknown };
          };
          assert.deepEqual([cron.wakeup.body, cron.wakeup.more], [
            "five",
            undefined,
          ]);
          await b({ cmd: "mark_delivered", id: cron.wakeup.id });
          await expectError(
            b({ cmd: "next_wakeup", batch: "yes" }),
            "invalid",
            /"batch"/,
          );
          await expectError(
            b({ cmd: "next_wakeup", wait_seconds: 181 }),
            "invalid",
            /"wait_seconds"/,
          );
          await expectError(
            b({ cmd: "recv", wait_seconds: "soon" }),
            "invalid",
            /"wait_seconds"/,
          );
          await expectError(
            b({ cmd: "mark_delivered", id: -1 }),
            "invalid",
            /"id"/,
          );
        },
      );
      await t.step("a long-poll wakes when a message arrives", async () => {
        const started = performance.now();
        const waiting = b({ cmd: "next_wakeup", wait_seconds: 10 });
        setTimeout(() => void a({ cmd: "send", to: "b", body: "wake up" }), 50);
        const got = await waiting as { wakeup: { id: number; body: string } };
        assert.equal(got.wakeup.body, "wake up");
        assert.ok(performance.now() - started < 2000);
        await b({ cmd: "mark_delivered", id: got.wakeup.id });
      });
      await t.step(
        "questions: ask, list, answer as the operator, answers as messages",
        async () => {
          const asked = await a({
            cmd: "ask_operator",
            question: "Deploy?",
            options: ["yes", "no"],
            ttl_seconds: 600,
          }) as { id: number };
          assert.ok(asked.id > 0);
          const ends = await a({ cmd: "get_loose_ends" }) as {
            questions: { id: number; options: string[] }[];
          };
          assert.deepEqual(ends.questions.map((q) => [q.id, q.options]), [[
            asked.id,
            ["yes", "no"],
          ]]);
          assert.deepEqual(await a({ cmd: "count_loose_ends" }), {
            ok: true,
            count: 1,
          });
          await expectError(
            b({ cmd: "answer", id: asked.id, answer: "no", by: "operator" }),
            "forbidden",
            /Cannot answer as the operator on agent "b"'s socket/,
          );
          // Its own socket is the agent's too: it cannot play the operator for itself.
          await expectError(
            a({ cmd: "answer", id: asked.id, answer: "yes", by: "operator" }),
            "forbidden",
            /Cannot answer as the operator on agent "a"'s socket/,
          );
          await expectError(
            b({ cmd: "cancel_loose_end", kind: "question", id: asked.id }),
            "not_found",
            /question/,
          );
          const boss = hive.connect("boss");
          await expectError(
            boss({
              cmd: "answer",
              id: asked.id,
              answer: "no",
              by: "operator",
              agent: "b",
            }),
            "forbidden",
            /not asked of "b"/,
          );
          assert.deepEqual(
            await boss({
              cmd: "answer",
              id: asked.id,
              answer: "yes",
              by: "operator",
              agent: "a",
            }),
            { ok: true },
          );
          await expectError(
            boss({ cmd: "answer", id: asked.id, answer: "no", by: "operator" }),
            "conflict",
            /answered/,
          );
          const note = await a({ cmd: "recv" }) as {
            messages: { from: string; body: string }[];
          };
          assert.equal(note.messages[0]?.from, "system");
          assert.match(note.messages[0]!.body, /Deploy\?.*yes/);
          await expectError(
            a({ cmd: "ask_operator", question: "" }),
            "invalid",
            /"question"/,
          );
          await expectError(
            a({ cmd: "ask_operator", question: "q", options: "yes" }),
            "invalid",
            /"options"/,
          );
          await expectError(
            a({ cmd: "ask_operator", question: "q", to: "a" }),
            "invalid",
            /itself/,
          );
          await expectError(
            a({ cmd: "answer", id: 9999, answer: "x" }),
            "not_found",
            /no such question/,
          );
        },
      );
      await t.step(
        "questions between agents: the target answers, the asker hears",
        async () => {
          const asked = await a({
            cmd: "ask_operator",
            question: "Lunch?",
            to: "b",
          }) as { id: number };
          const told = await b({ cmd: "recv" }) as {
            messages: { from: string; body: string }[];
          };
          assert.match(
            told.messages[0]!.body,
            new RegExp(`Question #${asked.id} from a: Lunch\\?`),
          );
          assert.deepEqual(await b({ cmd: "count_loose_ends" }), {
            ok: true,
            count: 1,
          });
          await expectError(
            a({ cmd: "answer", id: asked.id, answer: "self" }),
            "forbidden",
            /not asked of "a"/,
          );
          assert.deepEqual(
            await b({ cmd: "answer", id: asked.id, answer: "sure" }),
            { ok: true },
          );
          const heard = await a({ cmd: "recv" }) as {
            messages: { body: string }[];
          };
          assert.match(heard.messages[0]!.body, /from b .*Lunch\?.*sure/);
        },
      );
      await t.step(
        "reminders: remind, count, cancel; only one's own",
        async () => {
          const later = await a({
            cmd: "remind",
            message: "check CI",
            delay_seconds: 3600,
          }) as { id: number; due_at: number };
          assert.ok(later.due_at >= Date.now() / 1000 + 3599);
          const at = await a({
            cmd: "remind",
            message: "at noon",
            at_unix_timestamp: Math.floor(Date.now() / 1000) + 7200,
          }) as { id: number };
          assert.deepEqual(await a({ cmd: "count_pending_reminders" }), {
            ok: true,
            count: 2,
          });
          assert.deepEqual(await a({ cmd: "count_loose_ends" }), {
            ok: true,
            count: 2,
          });
          await expectError(
            a({ cmd: "remind", message: "x" }),
            "invalid",
            /exactly one/,
          );
          await expectError(
            a({
              cmd: "remind",
              message: "x",
              delay_seconds: 1,
              at_unix_timestamp: 1,
            }),
            "invalid",
            /exactly one/,
          );
          await expectError(
            a({ cmd: "remind", message: "x", delay_seconds: -1 }),
            "invalid",
            /"delay_seconds"/,
          );
          await expectError(
            b({ cmd: "cancel_loose_end", kind: "reminder", id: later.id }),
            "not_found",
            /reminder/,
          );
          assert.deepEqual(await b({ cmd: "count_pending_reminders" }), {
            ok: true,
            count: 0,
          });
          assert.deepEqual(
            await a({
              cmd: "cancel_loose_end",
              kind: "reminder",
              id: later.id,
            }),
            { ok: true },
          );
          await expectError(
            a({ cmd: "cancel_loose_end", kind: "reminder", id: later.id }),
            "conflict",
            /already/,
          );
          await expectError(
            a({ cmd: "cancel_loose_end", kind: "thing", id: at.id }),
            "invalid",
            /"kind"/,
          );
          const ends = await a({ cmd: "get_loose_ends" }) as {
            reminders: { message: string }[];
          };
          assert.deepEqual(ends.reminders.map((r) => r.message), ["at noon"]);
        },
      );
      await t.step(
        "set_status; an agent cannot act as another or use manager commands",
        async () => {
          assert.deepEqual(await a({ cmd: "set_status", text: "building" }), {
            ok: true,
          });
          await expectError(
            a({ cmd: "set_status", text: 5 }),
            "invalid",
            /"text"/,
          );
          await expectError(
            a({ cmd: "status", agent: "b" }),
            "forbidden",
            /Cannot act as "b"/,
          );
          await expectError(
            a({ cmd: "recv", agent: "b" }),
            "forbidden",
            /Cannot act as "b"/,
          );
          await expectError(
            a({ cmd: "list_agents" }),
            "forbidden",
            /only the manager/,
          );
          await expectError(
            a({ cmd: "add_agent", name: "c" }),
            "forbidden",
            /only the manager/,
          );
        },
      );
      await t.step("unknown or malformed commands", async () => {
        await expectError(
          a({ cmd: "explode" }),
          "invalid",
          /Unknown cmd "explode"/,
        );
        await expectError(a({ cmd: 7 }), "invalid", /"cmd"/);
        await expectError(a({ command: "send" }), "invalid", /"cmd"/);
        await expectError(a({ cmd: "constructor" }), "invalid", /Unknown cmd/);
      });
    } finally {
      await hive.close();
    }
  });

  Deno.test(`broker protocol (${transport}): the manager acts on any agent`, async (t) => {
    const hive = await openTestBroker(transport);
    const boss = hive.connect("boss");
    const a = hive.connect("a");
    try {
      await t.step("acts as a named agent", async () => {
        assert.deepEqual(await boss({ cmd: "whoami" }), {
          ok: true,
          agent: "boss",
          role: "manager",
        });
        assert.equal(
          (await boss({ cmd: "send", to: "a", body: "from boss" })).ok,
          true,
        );
        assert.equal(
          (await boss({
            cmd: "send",
            agent: "b",
            to: "a",
            body: "from b via boss",
          })).ok,
          true,
        );
        assert.equal(
          (await boss({ cmd: "send", to: "a", body: "op", from: "operator" }))
            .ok,
          true,
        );
        assert.deepEqual(await boss({ cmd: "status", agent: "a" }), {
          ok: true,
          agent: "a",
          unread: 3,
        });
        const got = await boss({ cmd: "recv", agent: "a" }) as {
          messages: { from: string }[];
        };
        assert.deepEqual(got.messages.map((m) => m.from), [
          "boss",
          "b",
          "operator",
        ]);
        assert.equal(
          (await boss({
            cmd: "remind",
            agent: "a",
            message: "m",
            delay_seconds: 999,
          })).ok,
          true,
        );
        assert.deepEqual(
          await boss({ cmd: "count_pending_reminders", agent: "a" }),
          { ok: true, count: 1 },
        );
        assert.deepEqual(
          await boss({ cmd: "set_status", agent: "b", text: "idle" }),
          { ok: true },
        );
        await expectError(
          boss({ cmd: "status", agent: "ghost" }),
          "not_found",
          /Unknown agent "ghost"/,
        );
      });
      await t.step(
        "answers any question as the operator; cancels an agent's loose end",
        async () => {
          const q1 = await a({ cmd: "ask_operator", question: "One?" }) as {
            id: number;
          };
          const q2 = await a({ cmd: "ask_operator", question: "Two?" }) as {
            id: number;
          };
          assert.deepEqual(
            await boss({
              cmd: "answer",
              id: q1.id,
              answer: "ok",
              by: "operator",
            }),
            { ok: true },
          );
          assert.deepEqual(
            await boss({
              cmd: "cancel_loose_end",
              agent: "a",
              kind: "question",
              id: q2.id,
            }),
            { ok: true },
          );
          assert.deepEqual(
            await boss({ cmd: "count_loose_ends", agent: "a" }),
            { ok: true, count: 1 },
          );
          const ends = await boss({ cmd: "get_loose_ends", agent: "a" }) as {
            questions: unknown[];
            reminders: unknown[];
          };
          assert.deepEqual([ends.questions.length, ends.reminders.length], [
            0,
            1,
          ]);
        },
      );
      await t.step("list_agents and add_agent", async () => {
        const listed = await boss({ cmd: "list_agents" }) as {
          agents: {
            name: string;
            status: string | null;
            pending_reminders: number;
          }[];
        };
        assert.deepEqual(
          listed.agents.map((x) => [x.name, x.status, x.pending_reminders]),
          [
            ["a", null, 1],
            ["b", "idle", 0],
            ["boss", null, 0],
          ],
        );
        const added = await boss({ cmd: "add_agent", name: "c" }) as {
          ok: boolean;
          name: string;
          socket?: string;
        };
        assert.equal(added.ok, true);
        if (hive.transport === "socket") {
          assert.ok(added.socket?.endsWith("/c/mcp.sock"));
          const c = hive.connect("c");
          assert.deepEqual(await c({ cmd: "whoami" }), {
            ok: true,
            agent: "c",
            role: "agent",
          });
        }
        assert.equal(
          (await a({ cmd: "send", to: "c", body: "welcome" })).ok,
          true,
        );
        await expectError(
          boss({ cmd: "add_agent", name: "../x" }),
          "invalid",
          /Invalid agent name/,
        );
        await expectError(
          boss({ cmd: "add_agent", name: "operator" }),
          "invalid",
          /reserved/,
        );
      });
    } finally {
      await hive.close();
    }
  });
}

async function expectError(
  response: Promise<Record<string, unknown>>,
  code: string,
  message: RegExp,
): Promise<void> {
  const got = await response;
  assert.equal(got.ok, false, `expected an error, got ${JSON.stringify(got)}`);
  assert.equal(got.code, code, `code of ${JSON.stringify(got)}`);
  assert.match(String(got.error), message);
}
