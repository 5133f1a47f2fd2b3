/**
 * The page in Chromium against the real harness (`main.ts`) running real Claude Code turns on
 * the scripted API: an operator sends a message and watches the turn, switches the model,
 * cancels a slow turn, answers the agent's question, sees the page come back after the harness
 * is killed and restarted, and logs claude in with a pasted key. Skipped where Chromium is absent.
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { startHarnessProcess } from "../fixtures/harness_process.ts";
import { startScriptedApi, text, toolCalls } from "../fixtures/scripted_api.ts";
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  hasChromium,
  reportSkippedBrowserTests,
} from "./chromium.ts";

const HAS_CHROMIUM = hasChromium();
if (!HAS_CHROMIUM) reportSkippedBrowserTests("page on a real harness");

/** What the transcript shows, row by row, as a person would read it. */
async function transcript(page: Page): Promise<string[]> {
  return await page.locator(".rows .row").evaluateAll((rows) =>
    rows.map((row) =>
      `${row.getAttribute("data-row")}: ${
        row.textContent?.replace(/\s+/g, " ").trim().slice(0, 200)
      }`
    )
  );
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test({
  name: "the page on a real harness with real claude turns",
  ignore: !HAS_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const api = startScriptedApi();
    const port = freePort();
    let harness = await startHarnessProcess({
      apiUrl: api.url,
      args: ["--port", String(port)],
    });
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    });
    const page = await browser.newPage({
      viewport: { width: 1280, height: 900 },
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const box = page.getByLabel("Message to the agent");
    const send = async (message: string) => {
      await box.fill(message);
      await box.press("Enter");
    };
    const turnEnds = page.locator('[data-row="turn_end"]');
    try {
      await page.goto(`${harness.url}/`);
      await page.locator('[data-fact="model"]').filter({ hasText: "haiku" })
        .waitFor();

      await t.step(
        "a message becomes a wake-up, a tool call with its result, text and the turn's stats",
        async () => {
          api.push(
            toolCalls([{
              name: "Bash",
              input: { command: "echo hello from bash", description: "greet" },
            }]),
            text("All **done**. <img src=x onerror=alert(1)>"),
          );
          await send("Say hello with bash");
          await turnEnds.first().waitFor({ timeout: 60_000 });
          const rows = await transcript(page);
          assert.ok(
            rows.some((row) =>
              /^wake: ✉ wake-up from operator.*Say hello with bash/.test(row)
            ),
            rows.join("\n"),
          );
          const bash = page.locator('[data-tool="Bash"]');
          assert.match(
            await bash.textContent() ?? "",
            /\$ echo hello from bash/,
          );
          assert.match(
            await bash.locator(".tool-result").textContent() ?? "",
            /hello from bash/,
          );
          assert.equal(
            await page.locator('[data-row="text"] strong').last().textContent(),
            "done",
          );
          assert.match(
            await page.locator('[data-row="text"]').last().textContent() ?? "",
            /<img src=x onerror=alert\(1\)>/,
          );
          assert.match(
            await turnEnds.first().textContent() ?? "",
            /turn done.*1 tool: Bash×1/,
          );
          await page.locator('[data-badge="turns"] .badge-value').filter({
            hasText: /^1$/,
          }).waitFor();
        },
      );

      await t.step(
        "the model chip switches the model for the next turn",
        async () => {
          await page.locator('[data-fact="model"]').click();
          await page.getByLabel("model for the next turn").fill("sonnet");
          await page.getByLabel("model for the next turn").press("Enter");
          await page.locator('[data-fact="model"]').filter({
            hasText: "sonnet",
          }).waitFor();
          await page.locator('[data-row="info"]').filter({
            hasText: "model set to sonnet",
          }).waitFor();
        },
      );

      await t.step("a slow turn is cancelled from the page", async () => {
        api.push({
          kind: "message",
          blocks: [{ type: "text", text: "too late" }],
          delayMs: 60_000,
        });
        const asked = api.requests.length;
        await send("take your time");
        const cancel = page.getByRole("button", { name: "Cancel turn" });
        await page.locator('[data-turn-state="thinking"]').waitFor({
          timeout: 30_000,
        });
        // The model is asked once the CLI has started: cancel while it waits for the answer.
        while (api.requests.length === asked) await page.waitForTimeout(100);
        await cancel.click();
        // A cancel reads as one, not as a failure (its stored result_kind stays `failed`).
        await turnEnds.nth(1).filter({ hasText: "turn cancelled" })
          .waitFor({ timeout: 30_000 });
        assert.doesNotMatch(await turnEnds.nth(1).textContent() ?? "", /fail/);
        await page.locator('[data-turn-state="idle"]').waitFor();
        assert.equal(await cancel.isDisabled(), true);
      });

      await t.step(
        "the agent's question is answered from the panel and comes back as a wake-up",
        async () => {
          api.push(
            toolCalls([{
              name: "mcp__hyperhive__ask_operator",
              input: { question: "Ship it?", options: ["yes", "no"] },
            }]),
            text("Asked the operator."),
            text("Shipping, as you said."),
          );
          await send("ask me before shipping");
          const question = page.locator(".question").filter({
            hasText: "Ship it?",
          });
          await question.waitFor({ timeout: 60_000 });
          await turnEnds.nth(2).waitFor({ timeout: 60_000 });
          await question.getByRole("button", { name: "yes" }).click();
          await turnEnds.nth(3).waitFor({ timeout: 60_000 });
          const rows = await transcript(page);
          assert.ok(
            rows.some((row) =>
              /^wake: .*wake-up from system.*Ship it\?.*yes/.test(row)
            ),
            rows.join("\n"),
          );
          assert.ok(
            rows.some((row) => /Shipping, as you said/.test(row)),
            rows.join("\n"),
          );
          await question.waitFor({ state: "detached" });
        },
      );

      await t.step(
        "after the harness is killed and restarted the page shows everything once",
        async () => {
          // Events reach the events file in batches (every 50 ms): what a SIGKILL can lose.
          await page.waitForTimeout(500);
          const before = await transcript(page);
          await harness.kill();
          await page.locator(".connection").filter({ hasText: "reconnecting…" })
            .waitFor();
          // Restarted without an API key: the next step logs claude in from the page.
          harness = await startHarnessProcess({
            apiUrl: api.url,
            stateDir: harness.stateDir,
            home: harness.home,
            args: ["--port", String(port)],
            env: { ANTHROPIC_API_KEY: null },
          });
          await page.locator(".connection").waitFor({
            state: "detached",
            timeout: 30_000,
          });
          const rows = page.locator(".rows .row");
          while (await rows.count() < before.length) {
            await page.waitForTimeout(100);
          }
          const after = await transcript(page);
          assert.deepEqual(after.slice(0, before.length), before);
          assert.equal(
            new Set(after.filter((row) => row.startsWith("wake:"))).size,
            after.filter((row) => row.startsWith("wake:")).length,
          );
        },
      );

      await t.step(
        "claude is logged in with a pasted key and the held message runs",
        async () => {
          api.push(text("logged in and answering"));
          await send("are you there?");
          const panel = page.locator(".login");
          await panel.waitFor({ timeout: 60_000 });
          const secret = "sk-ant-api03-page-test-secret";
          await panel.getByLabel(/or paste a token/).fill(secret);
          await panel.getByRole("button", { name: "Save token" }).click();
          await page.locator('[data-row="text"]').filter({
            hasText: "logged in and answering",
          }).waitFor({ timeout: 60_000 });
          await panel.waitFor({ state: "detached", timeout: 30_000 });
          assert.equal(await page.locator('[data-status="online"]').count(), 1);
          assert.ok(!(await page.content()).includes(secret));
        },
      );
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await harness.stop();
      await api.close();
    }
  },
});
