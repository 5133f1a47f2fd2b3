/**
 * The page in a real browser (Debian's Chromium driven by playwright-core) against a stand-in
 * harness whose events the test sends, acting as an operator would. Skipped, saying so, where
 * /usr/bin/chromium is absent; CI installs it.
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  hasChromium,
  reportSkippedBrowserTests,
} from "./chromium.ts";
import {
  type FakeEvent,
  type FakeHarness,
  startFakeHarness,
} from "./fake_harness.ts";

const HAS_CHROMIUM = hasChromium();
if (!HAS_CHROMIUM) reportSkippedBrowserTests("page tests in Chromium");

const now = () => Math.floor(Date.now() / 1000);

function assistant(block: Record<string, unknown>): FakeEvent {
  return {
    kind: "stream",
    type: "assistant",
    message: { model: "claude-haiku-5-5", content: [block] },
  };
}

function toolResult(id: string, content: string, isError = false): FakeEvent {
  return {
    kind: "stream",
    type: "user",
    message: {
      role: "user",
      content: [{
        type: "tool_result",
        tool_use_id: id,
        content,
        is_error: isError,
      }],
    },
  };
}

function note(text: string): FakeEvent {
  return { kind: "note", text };
}

/** A page on the fake, failing the test on any script error in it. */
async function openPage(
  browser: Browser,
  fake: FakeHarness,
  path = "/",
  initScript?: () => void,
): Promise<Page & { errors: string[] }> {
  const page = Object.assign(
    await browser.newPage({ viewport: { width: 1280, height: 800 } }),
    { errors: [] as string[] },
  );
  if (initScript) await page.addInitScript(initScript);
  page.on("pageerror", (error) => page.errors.push(error.message));
  page.on("dialog", (dialog) => {
    page.errors.push(`dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(fake.url + path);
  await page.locator(".transcript").waitFor();
  return page;
}

/** Stands in for the browser's notifications, recording them, on a page without focus. */
function fakeNotifications(): void {
  const page = globalThis as unknown as {
    shown: string[][];
    Notification: unknown;
    document: { hasFocus: () => boolean };
  };
  page.shown = [];
  page.Notification = class {
    static permission = "default";
    static requestPermission() {
      this.permission = "granted";
      return Promise.resolve("granted");
    }
    constructor(title: string, options: { body: string }) {
      page.shown.push([title, options.body]);
    }
  };
  page.document.hasFocus = () => false;
}

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).allTextContents()).join("\n");
}

async function waitForPost(
  fake: FakeHarness,
  path: string,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const post = fake.posts.find((candidate) => candidate.path === path);
    if (post) return post.body;
    if (Date.now() > deadline) {
      throw new Error(`No POST to ${path}; saw ${JSON.stringify(fake.posts)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test({
  name: "the page in Chromium, as an operator uses it",
  ignore: !HAS_CHROMIUM,
  // Chromium and its pipes live across steps; each step closes what it opened.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    });
    try {
      await t.step(
        "a live turn shows its wake-up, tool rows with results, text, todos and stats",
        async () => {
          const fake = startFakeHarness();
          const page = await openPage(browser, fake);
          try {
            await fake.waitForClient();
            fake.emit({
              kind: "turn_state_changed",
              state: "thinking",
              since_unix: now() - 12,
            });
            await page.locator(".turn-state").filter({
              hasText: /thinking for 1\d s/,
            }).waitFor();
            fake.emit(
              {
                kind: "turn_start",
                from: "operator",
                body: "Count the files, please",
                unread: 1,
              },
              {
                kind: "stream",
                type: "system",
                subtype: "init",
                model: "claude-haiku-5-5",
                tools: ["Bash"],
                mcp_servers: [],
              },
              assistant({ type: "thinking", thinking: "I should run ls" }),
              assistant({
                type: "tool_use",
                id: "toolu_1",
                name: "Bash",
                input: { command: "ls | wc -l" },
              }),
            );
            const tool = page.locator('[data-row="tool"]');
            await tool.locator(".tool-state.running").waitFor();
            assert.match(
              await textOf(page, '[data-row="wake"]'),
              /wake-up from operator.*1 more waiting.*Count the files, please/s,
            );
            assert.match(
              await tool.textContent() ?? "",
              /Bash\s*\$ ls \| wc -l/,
            );
            fake.emit(
              toolResult("toolu_1", "3"),
              assistant({
                type: "tool_use",
                id: "toolu_2",
                name: "TaskCreate",
                input: { subject: "Report the count" },
              }),
              toolResult(
                "toolu_2",
                "Task #1 created successfully: Report the count",
              ),
              assistant({
                type: "text",
                text: "**Done**: there are `3` files.",
              }),
              {
                kind: "stream",
                type: "result",
                is_error: false,
                duration_ms: 1234,
                total_cost_usd: 0.0123,
                num_turns: 2,
                usage: { input_tokens: 1500, output_tokens: 40 },
              },
              { kind: "turn_end", ok: true, note: null },
              {
                kind: "turn_stats_recorded",
                row: {
                  id: 1,
                  wake_from: "operator",
                  result_kind: "ok",
                  ended_at: now(),
                  duration_ms: 1300,
                  input_tokens: 1500,
                  output_tokens: 40,
                  cost_usd: 0.0123,
                  tool_call_count: 2,
                  tool_call_breakdown_json: '{"Bash":1,"TaskCreate":1}',
                },
              },
              { kind: "turn_state_changed", state: "idle", since_unix: now() },
            );
            await page.locator('[data-row="turn_end"]').waitFor();
            assert.equal(
              await tool.first().locator(".tool-state").getAttribute(
                "aria-label",
              ),
              "ok",
            );
            assert.match(
              await tool.first().locator(".tool-result").textContent() ?? "",
              /^3/,
            );
            assert.equal(
              await page.locator('[data-row="text"] strong').textContent(),
              "Done",
            );
            assert.equal(
              await page.locator('[data-row="thinking"]').getAttribute("open"),
              null,
              "thinking is folded",
            );
            const end = await textOf(page, '[data-row="turn_end"]');
            assert.match(
              end,
              /turn done · 1 s · 1.5k in · 40 out · \$0\.01 \(est\.\) · 2 steps · 2 tools: Bash×1, TaskCreate×1/,
            );
            assert.match(await textOf(page, ".todos"), /Report the count/);
            await page.locator('[data-badge="turns"] .badge-value').filter({
              hasText: "1",
            }).waitFor();
            assert.equal(
              await page.locator('[data-fact="cost"]').textContent(),
              "$0.01",
            );
            assert.equal(
              await page.locator(".turn-state").textContent(),
              "idle",
            );

            // The view follows the bottom, and stops following once the operator scrolls up.
            fake.emit(
              ...Array.from({ length: 80 }, (_, i) => note(`filler ${i}`)),
            );
            await page.getByText("filler 79").waitFor();
            const atBottom = () =>
              page.locator(".transcript").evaluate((el) =>
                el.scrollHeight - el.scrollTop - el.clientHeight < 50
              );
            assert.ok(await atBottom());
            await page.locator(".transcript").evaluate((el) =>
              el.scrollTo({ top: 0 })
            );
            fake.emit(note("while scrolled up"));
            await page.getByRole("button", { name: "↓ new activity" }).click();
            assert.ok(await atBottom());
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      await t.step(
        "assistant HTML and script show as text and run nothing",
        async () => {
          const fake = startFakeHarness();
          const attack =
            '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> [link](javascript:window.__xss=3)';
          fake.emit(
            assistant({ type: "text", text: attack }),
            toolResult("t", '<img src=x onerror="window.__xss=4">'),
          );
          const page = await openPage(browser, fake);
          try {
            const row = page.locator('[data-row="text"]');
            await row.waitFor();
            const shown = await row.textContent() ?? "";
            assert.match(shown, /<img src=x onerror="window.__xss=1">/);
            assert.match(shown, /<script>window.__xss=2<\/script>/);
            assert.equal(
              await page.locator(".transcript img, .transcript script").count(),
              0,
            );
            assert.equal(await row.locator("a").getAttribute("href"), null);
            await page.waitForTimeout(300);
            assert.equal(
              await page.evaluate(() =>
                (globalThis as { __xss?: unknown }).__xss
              ),
              undefined,
            );
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      await t.step(
        "2,000 history events load fast and the page keeps its rows bounded",
        async () => {
          const fake = startFakeHarness();
          const turn = (i: number): FakeEvent[] => [
            {
              kind: "turn_start",
              from: "operator",
              body: `message ${i}`,
              unread: 0,
            },
            assistant({
              type: "text",
              text: `Reply **${i}** with a [link](https://example.com/${i})`,
            }),
            assistant({
              type: "tool_use",
              id: `tool-${i}`,
              name: "Read",
              input: { file_path: `/tmp/${i}` },
            }),
            toolResult(`tool-${i}`, "line\n".repeat(30)),
            {
              kind: "stream",
              type: "result",
              is_error: false,
              duration_ms: 1000,
              total_cost_usd: 0.001,
            },
          ];
          for (let i = 0; fake.events.length < 2000; i++) {
            fake.emit(...turn(i).slice(0, 2000 - fake.events.length));
          }
          const started = performance.now();
          const page = await openPage(browser, fake);
          try {
            await page.getByText("message 399", { exact: true }).waitFor();
            const loadMs = performance.now() - started;
            assert.ok(loadMs < 8000, `loaded in ${Math.round(loadMs)} ms`);
            // Five events a turn make four rows: the result line becomes its turn's end row. The
            // newest come first; the rest fill in above them a frame at a time.
            await page.waitForFunction(() =>
              (globalThis as unknown as {
                document: { querySelectorAll(s: string): { length: number } };
              }).document.querySelectorAll(".rows .row").length === 1600
            );
            // Scrolling the whole history stays responsive: a frame after each jump.
            const scrollMs = await page.locator(".transcript").evaluate(
              async (el) => {
                const t0 = performance.now();
                for (
                  let y = 0;
                  y < el.scrollHeight;
                  y += el.scrollHeight / 20
                ) {
                  el.scrollTop = y;
                  // Runs in the page, where requestAnimationFrame exists.
                  await new Promise((resolve) =>
                    (globalThis as unknown as {
                      requestAnimationFrame: (f: () => void) => void;
                    })
                      .requestAnimationFrame(() => resolve(null))
                  );
                }
                return performance.now() - t0;
              },
            );
            assert.ok(
              scrollMs < 5000,
              `scrolled in ${Math.round(scrollMs)} ms`,
            );
            await fake.waitForClient();
            for (let batch = 0; batch < 6; batch++) {
              fake.emit(
                ...Array.from(
                  { length: 250 },
                  (_, i) => note(`live ${batch * 250 + i}`),
                ),
              );
            }
            await page.getByText("live 1499").waitFor();
            const rows = await page.locator(".rows .row").count();
            assert.ok(rows <= 3000, `${rows} rows in the page`);
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      await t.step(
        "a dropped stream resumes with nothing missing or doubled; a new boot reloads",
        async () => {
          const fake = startFakeHarness();
          fake.emit(note("before 1"), note("before 2"));
          const page = await openPage(browser, fake);
          try {
            await page.getByText("before 2").waitFor();
            await fake.waitForClient();
            fake.emit(note("live 1"));
            await page.getByText("live 1").waitFor();
            fake.dropClients();
            fake.emit(note("missed 1"), note("missed 2"));
            await page.locator(".connection").filter({
              hasText: "reconnecting…",
            }).waitFor();
            await page.getByText("missed 2").waitFor();
            await page.locator(".connection").waitFor({ state: "detached" });
            fake.emit(note("live 2"));
            await page.getByText("live 2").waitFor();
            const notes =
              async () => (await page.locator('[data-row="note"] .prose-text')
                .allTextContents());
            assert.deepEqual(await notes(), [
              "before 1",
              "before 2",
              "live 1",
              "missed 1",
              "missed 2",
              "live 2",
            ]);
            assert.equal(fake.streamRequests[1], "3");

            fake.newBoot();
            fake.emit(note("new boot"));
            await page.getByText("new boot").waitFor();
            fake.emit(note("after reset"));
            await page.getByText("after reset").waitFor();
            assert.deepEqual(await notes(), [
              "before 1",
              "before 2",
              "live 1",
              "missed 1",
              "missed 2",
              "live 2",
              "new boot",
              "after reset",
            ]);
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      await t.step(
        "the composer sends, runs slash commands with Tab completion, and shows refusals",
        async () => {
          const fake = startFakeHarness();
          fake.answerPost("/api/cancel", 409, { error: "no turn is running" });
          const page = await openPage(browser, fake);
          try {
            const box = page.getByLabel("Message to the agent");
            await box.fill("first line");
            await box.press("Shift+Enter");
            await box.pressSequentially("second line");
            await box.press("Enter");
            assert.deepEqual(await waitForPost(fake, "/api/send"), {
              body: "first line\nsecond line",
            });
            await page.waitForFunction(() =>
              (globalThis as unknown as {
                document: { getElementById(id: string): { value: string } };
              })
                .document.getElementById("composer-input").value === ""
            );

            await box.pressSequentially("/mo");
            await box.press("Tab");
            assert.equal(await box.inputValue(), "/model ");
            await box.pressSequentially("so");
            await box.press("Tab");
            assert.equal(await box.inputValue(), "/model sonnet");
            await box.press("Enter");
            assert.deepEqual(await waitForPost(fake, "/api/model"), {
              model: "sonnet",
            });

            await box.pressSequentially("/c");
            await box.press("Tab");
            assert.match(
              await textOf(page, ".candidates"),
              /\/cancel.*\/compact/s,
            );
            await box.pressSequentially("an");
            await box.press("Tab");
            await box.press("Enter");
            await waitForPost(fake, "/api/cancel");
            await page.getByRole("alert").filter({
              hasText: "no turn is running (HTTP 409)",
            }).waitFor();
            assert.equal(
              await page.getByRole("button", { name: "Cancel turn" })
                .isDisabled(),
              true,
              "nothing to cancel",
            );

            await box.fill("/help");
            await box.press("Enter");
            assert.match(await textOf(page, ".help"), /\/model NAME/);
            await box.fill("/bogus");
            await box.press("Enter");
            await page.getByText("unknown command /bogus").waitFor();

            await page.getByRole("button", { name: "New session" }).click();
            await waitForPost(fake, "/api/new-session");
            await page.getByRole("button", { name: "New session next" })
              .waitFor();
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
            await fake.close();
          }
        },
      );

      await t.step(
        "questions are answered, reminders cancelled, a token pasted, and ?hide works",
        async () => {
          const fake = startFakeHarness({ status: "needs_login_idle" });
          fake.gets.set("/api/loose-ends", {
            questions: [{
              id: 7,
              asker: "alice",
              target: "operator",
              question: "Deploy now?",
              options: ["yes", "no"],
              multi: false,
              asked_at: now() - 60,
              deadline: null,
            }],
            reminders: [{
              id: 9,
              agent: "alice",
              message: "check CI",
              due_at: now() + 600,
              created_at: now(),
            }],
          });
          const page = await openPage(browser, fake, "/", fakeNotifications);
          try {
            await page.getByRole("button", { name: "notify: off" }).click();
            await page.getByRole("button", { name: "notify: on" }).waitFor();
            await page.getByRole("button", { name: "yes" }).click();
            assert.deepEqual(
              await waitForPost(fake, "/api/questions/7/answer"),
              { answer: "yes" },
            );
            await page.getByRole("button", { name: "cancel reminder check CI" })
              .click();
            assert.deepEqual(
              await waitForPost(fake, "/api/loose-ends/cancel"),
              { kind: "reminder", id: 9 },
            );

            const secret = "sk-ant-oat01-test-secret";
            await page.getByLabel(/or paste a token/).fill(secret);
            await page.getByRole("button", { name: "Save token" }).click();
            assert.deepEqual(await waitForPost(fake, "/api/login"), {
              token: secret,
            });
            await page.getByText("saved; the next turn uses it").waitFor();
            assert.equal(
              await page.getByLabel(/or paste a token/).inputValue(),
              "",
            );
            assert.ok(
              !(await page.content()).includes(secret),
              "the token is not in the page",
            );

            // Notifications: when a turn ends, and when a new question comes; not per row.
            await fake.waitForClient();
            fake.gets.set("/api/loose-ends", {
              questions: [{
                id: 8,
                asker: "alice",
                target: "operator",
                question: "Roll back?",
                options: [],
                multi: false,
                asked_at: now(),
                deadline: null,
              }],
              reminders: [],
            });
            fake.emit(note("no notice for this"), {
              kind: "turn_end",
              ok: true,
              note: null,
            });
            await page.getByText("Roll back?", { exact: true }).waitFor();
            const shown = await page.evaluate(() =>
              (globalThis as unknown as { shown: string[][] }).shown
            );
            assert.deepEqual(shown, [["turn done", "alice"], [
              "alice asks",
              "Roll back?",
            ]]);
            assert.deepEqual(page.errors, []);
          } finally {
            await page.close();
          }
          const feedOnly = await openPage(browser, fake, "/?hide=header,input");
          try {
            fake.emit(note("dashboard row"));
            await feedOnly.getByText("dashboard row").waitFor();
            assert.equal(
              await feedOnly.locator("header.top, .composer, .panels").count(),
              0,
            );
            assert.deepEqual(feedOnly.errors, []);
          } finally {
            await feedOnly.close();
            await fake.close();
          }
        },
      );
    } finally {
      await browser.close();
    }
  },
});
