/**
 * What the transcript shows in Chromium, as an operator reads it: a running turn (aria-busy, a
 * running row and per-tool times, also embedded), Edit/MultiEdit as diffs and Write folded, the
 * CLI's bookkeeping lines in words with no raw JSON, a failure once, a cancel as "cancelled", and
 * narrow layouts that neither wrap tool names letter by letter nor clip "show all".
 */
import assert from "node:assert/strict";
import { chromium, type Locator } from "playwright-core";
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  hasChromium,
  reportSkippedBrowserTests,
} from "./chromium.ts";
import { startFakeHarness } from "./fake_harness.ts";
import {
  assistant,
  nowUnix,
  openSizedPage,
  settle,
  SIZES,
  toolResult,
} from "./page_helpers.ts";

const HAS_CHROMIUM = hasChromium();
if (!HAS_CHROMIUM) reportSkippedBrowserTests("transcript row tests");

/** Whether an element's text sits on one line (not wrapped letter by letter). */
function oneLine(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => {
    const view = element.ownerDocument.defaultView;
    const lineHeight =
      parseFloat(view?.getComputedStyle(element).lineHeight ?? "") ||
      20;
    return element.getBoundingClientRect().height < lineHeight * 1.5;
  });
}

Deno.test({
  name: "the transcript's rows in Chromium",
  ignore: !HAS_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    });
    try {
      for (
        const [name, size, path] of [
          ["full page", SIZES.desktop, "/"],
          ["embedded", SIZES.embed, "/?hide=header,input"],
        ] as const
      ) {
        await t.step(
          `a running turn is busy, counts its time and each tool's (${name})`,
          async () => {
            const fake = startFakeHarness();
            const page = await openSizedPage(browser, fake, { size, path });
            try {
              await fake.waitForClient();
              const log = page.getByRole("log");
              assert.equal(await log.getAttribute("aria-busy"), "false");
              fake.emit(
                {
                  kind: "turn_state_changed",
                  state: "thinking",
                  since_unix: nowUnix() - 65,
                },
                { kind: "turn_start", from: "operator", body: "go", unread: 0 },
                assistant({
                  type: "tool_use",
                  id: "slow",
                  name: "Bash",
                  input: { command: "sleep 30" },
                }),
              );
              const running = page.locator('[data-row="running"]');
              await running.waitFor();
              assert.equal(await log.getAttribute("aria-busy"), "true");
              assert.match(
                await running.textContent() ?? "",
                /working · 1 m 0\d s/,
              );
              const tool = page.locator('[data-tool="Bash"]');
              const elapsed = tool.locator(".tool-time.elapsed");
              await elapsed.waitFor();
              const first = Number(await elapsed.getAttribute("data-elapsed"));
              await page.waitForFunction(
                (start) =>
                  Number(
                    (globalThis as unknown as {
                      document: {
                        querySelector(selector: string): {
                          getAttribute(name: string): string | null;
                        } | null;
                      };
                    }).document
                      .querySelector(".tool-time.elapsed")
                      ?.getAttribute("data-elapsed"),
                  ) > start,
                first,
              );
              assert.match(await elapsed.textContent() ?? "", /^\d+ (ms|s)$/);
              fake.emit(
                toolResult("slow", "done"),
                { kind: "turn_end", ok: true, note: null },
                {
                  kind: "turn_state_changed",
                  state: "idle",
                  since_unix: nowUnix(),
                },
              );
              await running.waitFor({ state: "detached" });
              assert.equal(await log.getAttribute("aria-busy"), "false");
              assert.equal(await tool.locator(".tool-time.elapsed").count(), 0);
              assert.equal(
                await tool.locator(".tool-time").count(),
                0,
                "a finished call shows no clock (a reload could not show it again)",
              );
              assert.deepEqual(page.errors, []);
            } finally {
              await page.close();
              await fake.close();
            }
          },
        );
      }

      await t.step(
        "Edit and MultiEdit read as diffs, Write as its file and line count",
        async () => {
          const fake = startFakeHarness();
          fake.emit(
            assistant({
              type: "tool_use",
              id: "e1",
              name: "Edit",
              input: {
                file_path: "/src/app.ts",
                old_string: "const a = 1;\nconst b = 2;\nreturn a;",
                new_string: "const a = 1;\nconst b = 3;\nreturn a + b;",
              },
            }),
            toolResult("e1", "The file /src/app.ts has been updated."),
            assistant({
              type: "tool_use",
              id: "e2",
              name: "MultiEdit",
              input: {
                file_path: "/src/b.ts",
                edits: [
                  { old_string: "red", new_string: "green" },
                  { old_string: "old line", new_string: "" },
                ],
              },
            }),
            toolResult("e2", "Applied 2 edits"),
            assistant({
              type: "tool_use",
              id: "w1",
              name: "Write",
              input: {
                file_path: "/src/notes.md",
                content: "# Notes\n\none\ntwo\nSECRET-LOOKING CONTENT\n",
              },
            }),
            toolResult("w1", "File created successfully at: /src/notes.md"),
          );
          const page = await openSizedPage(browser, fake);
          try {
            const edit = page.locator('[data-tool="Edit"]');
            await edit.waitFor();
            // Visible without opening the input.
            assert.deepEqual(
              await edit.locator("del").allTextContents(),
              ["const b = 2;\n", "return a;\n"],
            );
            assert.deepEqual(
              await edit.locator("ins").allTextContents(),
              ["const b = 3;\n", "return a + b;\n"],
            );
            assert.ok(await edit.locator("del").first().isVisible());
            assert.equal(
              await edit.locator(".tool-input").count(),
              0,
              "the input stays closed",
            );
            const multi = page.locator('[data-tool="MultiEdit"]');
            assert.deepEqual(await multi.locator("del").allTextContents(), [
              "red\n",
              "old line\n",
            ]);
            assert.deepEqual(await multi.locator("ins").allTextContents(), [
              "green\n",
            ]);
            const write = page.locator('[data-tool="Write"]');
            assert.match(
              await write.locator("header").textContent() ?? "",
              /Write.*\/src\/notes\.md.*5 lines/,
            );
            assert.equal(
              await write.getByText("SECRET-LOOKING CONTENT").isVisible(),
              false,
              "the content is folded",
            );
            await write.getByText("content (5 lines)").click();
            assert.ok(
              await write.getByText("SECRET-LOOKING CONTENT").isVisible(),
            );
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      await t.step(
        "the CLI's bookkeeping reads in words: no raw JSON, a failure once, a cancel as cancelled",
        async () => {
          const fake = startFakeHarness();
          const stream = (fields: Record<string, unknown>) => ({
            kind: "stream",
            ...fields,
          });
          fake.emit(
            {
              kind: "turn_start",
              from: "operator",
              body: "compact",
              unread: 0,
            },
            stream({
              type: "system",
              subtype: "task_started",
              task_id: "t1",
              description: "Look around",
            }),
            stream({
              type: "system",
              subtype: "task_notification",
              task_id: "t1",
              status: "completed",
              summary: "Looked",
              output_file: "",
            }),
            stream({ type: "system", subtype: "status", status: "compacting" }),
            stream({
              type: "system",
              subtype: "compact_boundary",
              compact_metadata: { trigger: "manual", pre_tokens: 42000 },
            }),
            stream({
              type: "user",
              isCompactSummary: true,
              message: {
                role: "user",
                content:
                  "This session is being continued from a previous conversation. Summary: hidden words",
              },
            }),
            stream({
              type: "user",
              message: {
                role: "user",
                content:
                  "<local-command-stdout>Compacted. ctrl+o to see full summary</local-command-stdout>",
              },
            }),
            stream({
              type: "rate_limit_event",
              rate_limit_info: {
                status: "allowed",
                rateLimitType: "five_hour",
              },
            }),
            stream({
              type: "system",
              subtype: "session_state_changed",
              state: "idle",
            }),
            assistant({ type: "text", text: "refused words" }, {
              uuid: "gone-1",
            }),
            stream({
              type: "system",
              subtype: "model_refusal_fallback",
              trigger: "refusal",
              direction: "retry",
              original_model: "claude-opus-5",
              fallback_model: "claude-sonnet-5",
              request_id: null,
              retracted_message_uuids: ["gone-1"],
            }),
            { kind: "status_changed", status: "paused" },
            { kind: "brand_new_kind", detail: "x" },
            { kind: "turn_start", from: "operator", body: "fail", unread: 0 },
            stream({
              type: "assistant",
              error: "server_error",
              message: {
                model: "<synthetic>",
                content: [{ type: "text", text: "API Error: 500 boom" }],
              },
            }),
            stream({
              type: "result",
              is_error: true,
              result: "API Error: 500 boom",
            }),
            { kind: "turn_end", ok: false, note: "API Error: 500 boom" },
            { kind: "turn_start", from: "operator", body: "stop", unread: 0 },
            stream({
              type: "result",
              is_error: true,
              subtype: "error_during_execution",
            }),
            { kind: "turn_end", ok: false, note: "cancelled by operator" },
            {
              kind: "turn_stats_recorded",
              row: { result_kind: "failed", note: "cancelled by operator" },
            },
          );
          const page = await openSizedPage(browser, fake);
          try {
            const rows = page.locator(".rows");
            await page.locator('[data-row="turn_end"]').nth(1).waitFor();
            const text = await rows.innerText();
            for (
              const words of [
                "task started: Look around",
                "task completed: Looked",
                "context compacted: 42k tokens",
                "command output: Compacted.",
                "summary of the earlier conversation",
                "declined to answer",
                "the agent is paused",
                "turn cancelled",
              ]
            ) {
              assert.ok(text.includes(words), `shows "${words}"`);
            }
            assert.ok(!text.includes("refused words"), "retracted row dropped");
            assert.ok(!text.includes("hidden words"), "the summary is folded");
            assert.ok(!/\{"/.test(text), `no JSON on screen:\n${text}`);
            assert.equal(
              (text.match(/API Error: 500 boom/g) ?? []).length,
              1,
              "the failure is shown once",
            );
            assert.ok(!/turn failed[^\n]*\n[^\n]*cancelled/.test(text));
            const cancelled = page.locator('[data-row="turn_end"]').last();
            assert.match(await cancelled.textContent() ?? "", /turn cancelled/);
            assert.doesNotMatch(await cancelled.textContent() ?? "", /failed/);
            assert.equal(
              await cancelled.getAttribute("data-result-kind"),
              "failed",
              "the stored kind is unchanged",
            );
            // An unknown kind is one short line, its fields one click away.
            const unknown = page.locator('[data-row="raw"]');
            assert.equal(await unknown.count(), 1);
            assert.ok(await oneLine(unknown.locator("summary")));
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      for (
        const [name, size, path] of [
          ["390 px phone", SIZES.phone, "/"],
          ["480 px embed", SIZES.embed, "/?hide=header,input"],
        ] as const
      ) {
        await t.step(
          `narrow: tool names stay whole and "show all" is never clipped (${name})`,
          async () => {
            const fake = startFakeHarness();
            fake.emit(
              assistant({
                type: "tool_use",
                id: "m1",
                name: "mcp__hyperhive__ask_operator",
                input: {
                  question:
                    "A long question that goes on and on across the whole width of a phone screen",
                },
              }),
              toolResult("m1", "answered"),
              assistant({
                type: "tool_use",
                id: "b1",
                name: "Bash",
                input: {
                  command:
                    "find / -name '*.ts' -not -path '*/node_modules/*' -exec wc -l {} +",
                },
              }),
              toolResult(
                "b1",
                Array.from({ length: 400 }, (_, i) => `line ${i}`).join("\n"),
              ),
            );
            const page = await openSizedPage(browser, fake, { size, path });
            try {
              for (const tool of ["mcp__hyperhive__ask_operator", "Bash"]) {
                const name = page.locator(`[data-tool="${tool}"] .tool-name`);
                await name.waitFor();
                assert.ok(await oneLine(name), `${tool}'s name on one line`);
                const width = await name.evaluate((element) =>
                  element.getBoundingClientRect().width
                );
                assert.ok(width > 30, `${tool}'s name is ${width} px wide`);
              }
              const bash = page.locator('[data-tool="Bash"]');
              await bash.getByRole("button", { name: /show all/ }).click();
              await bash.locator(".tool-result").filter({ hasText: "line 399" })
                .waitFor();
              await settle(page);
              // No box between the result and the transcript scrolls or clips it.
              const clipped = await bash.locator(".tool-result").evaluate(
                (element) => {
                  const out: string[] = [];
                  for (
                    let node: typeof element | null = element;
                    node && !node.classList.contains("transcript");
                    node = node.parentElement
                  ) {
                    if (node.scrollHeight > node.clientHeight + 1) {
                      out.push(
                        `${node.className}: ${node.scrollHeight} > ${node.clientHeight}`,
                      );
                    }
                  }
                  return out;
                },
              );
              assert.deepEqual(clipped, []);
              assert.deepEqual(page.errors, []);
            } finally {
              await page.close();
              await fake.close();
            }
          },
        );
      }
    } finally {
      await browser.close();
    }
  },
});
