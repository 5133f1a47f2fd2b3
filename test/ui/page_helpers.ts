/**
 * @module What the newer page tests share: a page on the fake harness at a given size, failing on
 * any script error, the events a turn is made of, and measures of what a person sees (is the
 * newest row in view, how far the view is from the bottom).
 */
import type { Browser, Page } from "playwright-core";
import type { FakeEvent, FakeHarness } from "./fake_harness.ts";

/** A page that records its script errors. */
export type TestPage = Page & { errors: string[] };

/** Window sizes the page must work at. */
export const SIZES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
  embed: { width: 480, height: 600 },
} as const;

/** Open `path` on the fake at `size`; script errors and dialogs are recorded. */
export async function openSizedPage(
  browser: Browser,
  fake: FakeHarness,
  options: {
    path?: string;
    size?: { width: number; height: number };
    initScript?: () => void;
  } = {},
): Promise<TestPage> {
  const context = await browser.newContext({
    viewport: options.size ?? SIZES.desktop,
  });
  const page = Object.assign(await context.newPage(), {
    errors: [] as string[],
  });
  if (options.initScript) await page.addInitScript(options.initScript);
  page.on("pageerror", (error) => page.errors.push(error.message));
  page.on("dialog", (dialog) => {
    page.errors.push(`dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("close", () => void context.close().catch(() => {}));
  await page.goto(fake.url + (options.path ?? "/"));
  await page.locator(".transcript").waitFor();
  return page;
}

/** Unix seconds now. */
export const nowUnix = (): number => Math.floor(Date.now() / 1000);

/** An assistant line with one content block. */
export function assistant(
  block: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): FakeEvent {
  return {
    kind: "stream",
    type: "assistant",
    message: { model: "claude-haiku-5-5", content: [block] },
    ...extra,
  };
}

/** A user line carrying one tool result. */
export function toolResult(
  id: string,
  content: string,
  isError = false,
): FakeEvent {
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

/** A varied turn: wake-up, Markdown with code, a tool with a long result, a note, a result. */
export function varietyTurn(i: number): FakeEvent[] {
  return [
    { kind: "turn_start", from: "operator", body: `message ${i}`, unread: 0 },
    assistant({
      type: "text",
      text:
        `Reply **${i}**\n\n\`\`\`sh\nls -la /tmp/${i}\necho ${i}\n\`\`\`\n\n${
          "More words in a paragraph. ".repeat(i % 7 * 4)
        }`,
    }),
    assistant({
      type: "tool_use",
      id: `tool-${i}`,
      name: "Bash",
      input: { command: `cat /tmp/${i}` },
    }),
    toolResult(`tool-${i}`, "output line\n".repeat(i % 20)),
    { kind: "note", text: `note ${i}` },
    {
      kind: "stream",
      type: "result",
      is_error: false,
      duration_ms: 1000,
      total_cost_usd: 0.001,
    },
  ];
}

/** Where the view is: px left below it, and where the newest row ends against its bottom edge. */
export function viewAtBottom(
  page: Page,
): Promise<{ below: number; lastRowBottom: number }> {
  return page.locator(".transcript").evaluate((element) => {
    const rows = element.querySelectorAll("[data-row]");
    const last = rows[rows.length - 1];
    const box = element.getBoundingClientRect();
    return {
      below: element.scrollHeight - element.scrollTop - element.clientHeight,
      lastRowBottom: last
        ? last.getBoundingClientRect().bottom - box.bottom
        : 0,
    };
  });
}

/** Wait for a few frames, as a person would before looking. */
export function settle(page: Page, frames = 3): Promise<void> {
  return page.evaluate(async (count) => {
    const raf = (globalThis as unknown as {
      requestAnimationFrame: (f: () => void) => void;
    }).requestAnimationFrame;
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => raf(() => resolve(null)));
    }
  }, frames);
}
