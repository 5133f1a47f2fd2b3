/**
 * Takes the README's screenshots: the agent page mid-turn (docs/page.png, and at a phone's
 * width, docs/page-phone.png) and the stats page (docs/stats.png), from the real harness running
 * real Claude Code turns on the scripted API.
 *
 * ```sh
 * deno run --allow-all test/ui/take_screenshots.ts
 * ```
 */
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ROOT, startHarnessProcess } from "../fixtures/harness_process.ts";
import { startScriptedApi, text, toolCalls } from "../fixtures/scripted_api.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium.ts";

const stateDir = await Deno.makeTempDir({ prefix: "hive-shots-" });
await Deno.mkdir(join(stateDir, "src"));
await Deno.writeTextFile(
  join(stateDir, "src", "app.ts"),
  "// TODO: handle empty input\nexport const answer = 42;\n",
);
await Deno.writeTextFile(join(stateDir, "README.md"), "# demo\n");

const usage = {
  "input_tokens": 1800,
  "cache_read_input_tokens": 24_000,
  "cache_creation_input_tokens": 3_100,
  "output_tokens": 420,
};
const api = startScriptedApi({
  script: [
    {
      kind: "message",
      blocks: [
        {
          type: "thinking",
          thinking: "Look at the layout first, then track the work as tasks.",
        },
        {
          type: "text",
          text: "I'll look around the project and track the work as **tasks**.",
        },
        {
          type: "tool_use",
          name: "TaskCreate",
          input: {
            subject: "Find open TODOs",
            activeForm: "Finding open TODOs",
          },
        },
      ],
      usage,
    },
    toolCalls([{
      name: "TaskCreate",
      input: { subject: "Fix empty input", activeForm: "Fixing empty input" },
    }], usage),
    toolCalls([{
      name: "TaskUpdate",
      input: { taskId: "1", status: "in_progress" },
    }], usage),
    toolCalls([{
      name: "Bash",
      input: { command: "grep -rn TODO src", description: "find TODOs" },
    }], usage),
    toolCalls([{
      name: "TaskUpdate",
      input: { taskId: "1", status: "completed" },
    }], usage),
    {
      kind: "message",
      blocks: [
        {
          type: "text",
          text:
            "One TODO, in `src/app.ts`:\n\n| file | line | note |\n|---|---|---|\n| src/app.ts | 1 | handle empty input |",
        },
        {
          type: "tool_use",
          name: "mcp__hyperhive__ask_operator",
          input: {
            question: "Fix the empty-input TODO now, or after the release?",
            options: ["now", "after the release"],
          },
        },
      ],
      usage,
    },
    text("Asked you whether to fix it before the release.", usage),
    toolCalls([{
      name: "TaskUpdate",
      input: { taskId: "2", status: "in_progress" },
    }], usage),
    toolCalls([{
      name: "Bash",
      input: {
        command: "ls -la src && wc -l src/app.ts",
        description: "look at the file",
      },
    }], usage),
    toolCalls([{
      name: "Read",
      input: { file_path: join(stateDir, "src", "app.ts") },
    }], usage),
    toolCalls([{
      name: "Edit",
      input: {
        file_path: join(stateDir, "src", "app.ts"),
        old_string: "// TODO: handle empty input\nexport const answer = 42;",
        new_string:
          'export const answer = 42;\n\nexport function parse(input: string): number {\n  return input.trim() === "" ? 0 : Number(input);\n}',
      },
    }], usage),
    {
      kind: "message",
      blocks: [{ type: "text", text: "Done." }],
      delayMs: 60_000,
    },
  ],
});
const harness = await startHarnessProcess({ apiUrl: api.url, stateDir });
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: [...CHROMIUM_ARGS],
});
try {
  const page = await browser.newPage({
    viewport: { width: 1360, height: 860 },
    deviceScaleFactor: 1,
  });
  await page.goto(`${harness.url}/`);
  const box = page.getByLabel("Message to the agent");
  await box.fill(
    "Find the open TODOs in this project and tell me what you'd fix first.",
  );
  await box.press("Enter");
  await page.locator(".question").waitFor({ timeout: 60_000 });
  await page.locator('[data-turn-state="idle"]').waitFor({ timeout: 60_000 });
  await box.fill("Go ahead with the empty-input fix.");
  await box.press("Enter");
  await page.locator('[data-tool="Edit"]').locator(".tool-state.ok")
    .waitFor({ timeout: 60_000 });
  await page.waitForTimeout(4_000);
  await page.screenshot({ path: join(ROOT, "docs", "page.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(1_000);
  await page.screenshot({ path: join(ROOT, "docs", "page-phone.png") });
  await page.setViewportSize({ width: 1360, height: 860 });
  await page.getByRole("button", { name: "Cancel turn" }).click();
  await page.locator('[data-turn-state="idle"]').waitFor({ timeout: 60_000 });
  await page.goto(`${harness.url}/stats`);
  await page.waitForTimeout(2_000);
  await page.screenshot({
    path: join(ROOT, "docs", "stats.png"),
    fullPage: true,
  });
} finally {
  await browser.close();
  await harness.stop();
  await api.close();
  await Deno.remove(stateDir, { recursive: true });
}
