/**
 * What an operator expects of the page, in Chromium: an honest status (never "online" while
 * disconnected or before any credential), a clear not-logged-in hint and `/login`, an embedded
 * pane that still shows questions and a full context, a composer that grows, keeps its draft and
 * recalls the last message, feedback that does not go stale, find with next/previous and jumps,
 * copy buttons, the session's cost, and text at AA contrast.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
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
if (!HAS_CHROMIUM) reportSkippedBrowserTests("operator-expectation tests");

Deno.test({
  name: "the page does what an operator expects, in Chromium",
  ignore: !HAS_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    });
    try {
      await t.step(
        "never 'online' before a credential or while disconnected; /login opens the panel",
        async () => {
          const fake = startFakeHarness({
            login: { phase: "idle", credential: null },
          });
          const page = await openSizedPage(browser, fake);
          try {
            const pill = page.locator(".pill.status");
            await pill.filter({ hasText: "login unchecked" }).waitFor();
            const hint = page.getByRole("note");
            assert.match(
              await hint.textContent() ?? "",
              /No token or API key is saved here yet.*paste a token or an API key/,
            );
            await hint.getByRole("button", {
              name: "paste a token or an API key",
            }).click();
            await page.getByLabel(/or paste a token/).waitFor();
            await page.getByRole("button", { name: "close" }).click();
            await page.getByLabel(/or paste a token/).waitFor({
              state: "detached",
            });
            const box = page.getByLabel("Message to the agent");
            await box.fill("/login");
            await box.press("Enter");
            await page.getByLabel(/or paste a token/).waitFor();
            assert.equal(
              fake.posts.length,
              0,
              "/login is the page's own command",
            );

            // A turn that went well proves the login.
            await fake.waitForClient();
            fake.emit({ kind: "turn_end", ok: true, note: null });
            await page.locator('[data-status="online"]').waitFor();
            // Disconnected: the page does not know, so it does not say online.
            fake.newBoot();
            await fake.close();
            await pill.filter({ hasText: "disconnected" }).waitFor();
            assert.equal(
              await page.locator('[data-status="online"]').count(),
              0,
            );
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close().catch(() => {});
          }
        },
      );

      await t.step(
        "the not-logged-in panel says what to paste",
        async () => {
          const fake = startFakeHarness({ status: "needs_login_idle" });
          const page = await openSizedPage(browser, fake);
          try {
            const panel = page.getByRole("region", { name: /not logged in/ });
            await panel.waitFor();
            assert.match(
              await panel.textContent() ?? "",
              /Paste a long-lived token \(run claude setup-token.*\) or an Anthropic API key/,
            );
            assert.equal(
              await page.locator('[data-status="online"]').count(),
              0,
            );
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      await t.step(
        "embedded: a question badge, a full-context warning, and a running row",
        async () => {
          const fake = startFakeHarness({
            last_usage: {
              input_tokens: 2000,
              cache_read_input_tokens: 168000,
              cache_creation_input_tokens: 0,
              output_tokens: 10,
            },
            turn_state: "thinking",
            since_unix: nowUnix() - 5,
          });
          fake.gets.set("/api/loose-ends", {
            questions: [{
              id: 3,
              asker: "alice",
              target: "operator",
              question: "Ship it?",
              options: [],
              multi: false,
              asked_at: nowUnix(),
              deadline: null,
            }],
            reminders: [],
          });
          const page = await openSizedPage(browser, fake, {
            size: SIZES.embed,
            path: "/?hide=header,input",
          });
          try {
            await page.locator('[data-badge="questions"]').filter({
              hasText: "1 question waiting",
            }).waitFor();
            assert.match(
              await page.locator('[data-fact="context-warning"]')
                .textContent() ??
                "",
              /context 85% full/,
            );
            await page.locator('[data-row="running"]').waitFor();
            assert.equal(
              await page.getByRole("log").getAttribute("aria-busy"),
              "true",
            );
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      await t.step(
        "the composer grows, keeps its draft across reloads, recalls the last message, keeps a line typed during a send, and its feedback does not go stale",
        async () => {
          const fake = startFakeHarness();
          fake.answerPost("/api/compact", 409, { error: "a turn is running" });
          const page = await openSizedPage(browser, fake);
          try {
            const box = page.getByLabel("Message to the agent");
            const height = () =>
              box.evaluate((element) => element.getBoundingClientRect().height);
            const empty = await height();
            await box.fill("one\ntwo\nthree\nfour\nfive\nsix");
            await settle(page);
            assert.ok(
              await height() > empty + 40,
              `grew from ${empty} to ${await height()} px`,
            );
            await page.reload();
            await box.waitFor();
            assert.equal(
              await box.inputValue(),
              "one\ntwo\nthree\nfour\nfive\nsix",
              "the draft survives a reload",
            );
            await box.fill("deploy the fix");
            await box.press("Enter");
            await page.locator("#composer-feedback").filter({ hasText: "sent" })
              .waitFor();
            assert.equal(await box.inputValue(), "");
            // The note goes after a few seconds.
            await page.locator("#composer-feedback").filter({ hasText: "sent" })
              .waitFor({ state: "detached", timeout: 8000 });
            await box.press("ArrowUp");
            assert.equal(await box.inputValue(), "deploy the fix");
            await page.reload();
            await box.waitFor();
            assert.equal(await box.inputValue(), "deploy the fix");
            // A line typed while a send is on its way is not wiped when the send succeeds.
            const { promise: sendAnswered, resolve: answerSend } = Promise
              .withResolvers<void>();
            fake.answerPost("/api/send", 200, { ok: true }, sendAnswered);
            await box.fill("ship it");
            await box.press("Enter");
            while (
              fake.posts.filter((post) => post.body.body === "ship it")
                .length === 0
            ) {
              await settle(page);
            }
            await box.fill("and tell me when it is out");
            answerSend();
            await page.locator("#composer-feedback").filter({ hasText: "sent" })
              .waitFor();
            assert.equal(await box.inputValue(), "and tell me when it is out");
            await box.fill("");
            await page.getByRole("button", { name: "Compact" }).click();
            const refusal = page.getByRole("alert").filter({
              hasText: "a turn is running",
            });
            await refusal.waitFor();
            await box.pressSequentially("x");
            await refusal.waitFor({ state: "detached" });
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      await t.step(
        "find counts rows drawn after the query was typed, older ones filled in above too",
        async () => {
          const fake = startFakeHarness();
          const page = await openSizedPage(browser, fake);
          try {
            await fake.waitForClient();
            const find = page.getByRole("searchbox", {
              name: "find in the transcript",
            });
            await find.fill("needle");
            await page.getByRole("status").filter({ hasText: "no match" })
              .waitFor();
            // 120 rows at once: the newest are drawn first, the rest over the next frames.
            for (let i = 0; i < 30; i++) {
              fake.emit(
                {
                  kind: "turn_start",
                  from: "operator",
                  body: `t${i}`,
                  unread: 0,
                },
                assistant({ type: "text", text: `Answer ${i}: a needle.` }),
                assistant({ type: "text", text: `and more ${i}` }),
                assistant({ type: "text", text: `still more ${i}` }),
              );
            }
            await page.getByRole("status").filter({ hasText: "30 matches" })
              .waitFor({ timeout: 10_000 });
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      await t.step(
        "find with next/previous, jumps to the next error and turn, copy buttons, the session's cost",
        async () => {
          const fake = startFakeHarness();
          fake.gets.set("/api/turn-stats", {
            rows: [
              {
                id: 1,
                session_id: "old",
                result_kind: "ok",
                ended_at: nowUnix() - 300,
                cost_usd: 5,
              },
              {
                id: 2,
                session_id: "s1",
                result_kind: "ok",
                ended_at: nowUnix() - 200,
                cost_usd: 0.1,
              },
              {
                id: 3,
                session_id: "s1",
                result_kind: "ok",
                ended_at: nowUnix() - 100,
                cost_usd: 0.25,
              },
            ],
          });
          for (let i = 0; i < 30; i++) {
            fake.emit(
              {
                kind: "turn_start",
                from: "operator",
                body: `turn ${i}`,
                unread: 0,
              },
              assistant({
                type: "text",
                text:
                  `Answer ${i} mentions the needle.\n\n\`\`\`\ncode ${i}\n\`\`\``,
              }),
              assistant({
                type: "tool_use",
                id: `b${i}`,
                name: "Bash",
                input: { command: `run ${i}` },
              }),
              toolResult(
                `b${i}`,
                i === 12 ? "boom: exit 1" : `ok ${i}`,
                i === 12,
              ),
            );
          }
          const context = await browser.newContext({
            viewport: SIZES.desktop,
          });
          await context.grantPermissions(
            ["clipboard-read", "clipboard-write"],
            {
              origin: fake.url,
            },
          );
          const page = await context.newPage();
          try {
            await page.goto(fake.url);
            await page.getByText("turn 29", { exact: true }).waitFor();
            // The newest session's turns only: $0.10 + $0.25.
            await page.locator('[data-fact="session-cost"]').filter({
              hasText: /^\$0\.35$/,
            }).waitFor();
            const find = page.getByRole("searchbox", {
              name: "find in the transcript",
            });
            await find.fill("needle");
            await page.getByRole("status").filter({ hasText: "30 matches" })
              .waitFor();
            await find.press("Enter");
            await page.getByText("1 of 30").waitFor();
            const found = page.locator(".row.found");
            assert.match(await found.textContent() ?? "", /Answer 0 mentions/);
            await page.getByRole("button", { name: "next match" }).click();
            assert.match(await found.textContent() ?? "", /Answer 1 mentions/);
            await page.getByRole("button", { name: "previous match" }).click();
            await page.getByRole("button", { name: "previous match" }).click();
            await page.getByText("30 of 30").waitFor();
            assert.match(await found.textContent() ?? "", /Answer 29 mentions/);

            // From the top, the next error is turn 12's failed tool; the next turn after it is 13.
            await page.locator(".transcript").evaluate((element) =>
              element.scrollTo({ top: 0 })
            );
            await page.getByRole("button", { name: "next error" }).click();
            assert.match(await found.textContent() ?? "", /boom: exit 1/);
            assert.ok(await found.isVisible());
            await page.getByRole("button", { name: "next turn" }).click();
            assert.match(await found.textContent() ?? "", /turn 13/);

            // Copy buttons: a code block, a tool's output, an answer.
            const answer = page.locator('[data-row="text"]').last();
            await answer.scrollIntoViewIfNeeded();
            const clipboard = () =>
              page.evaluate(() =>
                (globalThis as unknown as {
                  navigator: { clipboard: { readText(): Promise<string> } };
                }).navigator.clipboard.readText()
              );
            await answer.getByRole("button", { name: "copy code" }).click();
            assert.equal(await clipboard(), "code 29\n");
            await answer.getByRole("button", { name: "copy answer" }).click();
            assert.match(await clipboard(), /^Answer 29 mentions the needle\./);
            const tool = page.locator('[data-tool="Bash"]').last();
            await tool.getByRole("button", { name: "copy result" }).click();
            assert.equal(await clipboard(), "ok 29");
            await tool.getByRole("button", { name: "copied" }).waitFor();
          } finally {
            await page.close();
            await context.close();
            await fake.close();
          }
        },
      );

      for (const scheme of ["light", "dark"] as const) {
        await t.step(`all text is at AA contrast (${scheme})`, async () => {
          const fake = startFakeHarness({ status: "rate_limited" });
          fake.gets.set("/api/loose-ends", {
            questions: [{
              id: 4,
              asker: "alice",
              target: "operator",
              question: "Which branch?",
              options: ["main", "dev"],
              multi: false,
              asked_at: nowUnix(),
              deadline: null,
            }],
            reminders: [],
          });
          fake.emit(
            { kind: "turn_start", from: "operator", body: "hi", unread: 2 },
            assistant({ type: "text", text: "Some `code` and **bold**" }),
            assistant({
              type: "tool_use",
              id: "e",
              name: "Edit",
              input: { file_path: "/a", old_string: "x", new_string: "y" },
            }),
            toolResult("e", "failed", true),
            { kind: "note", text: "a harness note" },
            {
              kind: "stream",
              type: "result",
              is_error: true,
              result: "API Error: 500",
            },
            { kind: "turn_end", ok: false, note: "API Error: 500" },
            { kind: "status_changed", status: "rate_limited" },
          );
          const context = await browser.newContext({
            viewport: SIZES.desktop,
            colorScheme: scheme,
          });
          const page = await context.newPage();
          try {
            await page.goto(fake.url);
            await page.getByText("Which branch?", { exact: true }).waitFor();
            await page.locator('[data-row="turn_end"]').waitFor();
            const low = await page.evaluate(() => {
              const doc = (globalThis as unknown as {
                document: {
                  querySelectorAll(s: string): ArrayLike<unknown>;
                  defaultView: {
                    getComputedStyle(e: unknown): Record<string, string>;
                  };
                };
              }).document;
              type Node = {
                childNodes: ArrayLike<{ nodeType: number; nodeValue: string }>;
                parentElement: Node | null;
                closest(s: string): unknown;
                textContent: string;
                getClientRects(): ArrayLike<unknown>;
              };
              const style = (e: unknown) => doc.defaultView.getComputedStyle(e);
              const rgba = (text: string) => {
                const [r = 0, g = 0, b = 0, a = 1] =
                  (text.match(/[\d.]+/g) ?? [])
                    .map(Number);
                return { r, g, b, a };
              };
              const lum = (
                { r, g, b }: { r: number; g: number; b: number },
              ) => {
                const f = (c: number) => {
                  const v = c / 255;
                  return v <= 0.03928
                    ? v / 12.92
                    : ((v + 0.055) / 1.055) ** 2.4;
                };
                return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
              };
              const background = (node: Node | null) => {
                for (let at = node; at; at = at.parentElement) {
                  const color = rgba(style(at).backgroundColor ?? "");
                  if (color.a > 0.5) return color;
                }
                return rgba(
                  style(doc.querySelectorAll("html")[0]).backgroundColor ?? "",
                );
              };
              const out: string[] = [];
              for (
                const element of Array.from(
                  doc.querySelectorAll("body *"),
                ) as Node[]
              ) {
                const hasText = Array.from(element.childNodes).some((child) =>
                  child.nodeType === 3 && child.nodeValue.trim() !== ""
                );
                if (!hasText || element.getClientRects().length === 0) continue;
                if (element.closest(":disabled, .visually-hidden, option")) {
                  continue;
                }
                const own = style(element);
                if (own.visibility === "hidden" || Number(own.opacity) < 0.5) {
                  continue;
                }
                const fg = rgba(own.color ?? "");
                const bg = background(element);
                const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a) as [
                  number,
                  number,
                ];
                const ratio = (hi + 0.05) / (lo + 0.05);
                const large = parseFloat(own.fontSize ?? "14") >= 24 ||
                  (parseFloat(own.fontSize ?? "14") >= 18.66 &&
                    Number(own.fontWeight) >= 700);
                if (ratio < (large ? 3 : 4.5)) {
                  out.push(
                    `${ratio.toFixed(2)} "${
                      element.textContent.trim().slice(0, 40)
                    }" ${own.color} on ${JSON.stringify(bg)}`,
                  );
                }
              }
              return out;
            });
            assert.deepEqual(low, []);
          } finally {
            await page.close();
            await context.close();
            await fake.close();
          }
        });
      }
    } finally {
      await browser.close();
    }
  },
});
