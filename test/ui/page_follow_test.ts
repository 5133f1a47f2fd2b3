/**
 * The transcript follows the agent in Chromium: after load, reload and a burst the newest row is
 * in view (within a few px) at desktop, phone and embedded sizes, whatever layout the rows defer;
 * scrolled up, the view stays and a "new activity" button brings it down.
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
  openSizedPage,
  settle,
  SIZES,
  type TestPage,
  varietyTurn,
  viewAtBottom,
} from "./page_helpers.ts";

const HAS_CHROMIUM = hasChromium();
if (!HAS_CHROMIUM) reportSkippedBrowserTests("transcript-follow tests");

/** The newest row is in view: nothing below the view, its bottom at the view's bottom edge. */
async function assertNewestInView(page: TestPage, when: string): Promise<void> {
  await settle(page);
  const { below, lastRowBottom } = await viewAtBottom(page);
  assert.ok(below <= 3, `${when}: ${below} px left below the view`);
  assert.ok(
    lastRowBottom <= 3 && lastRowBottom > -40,
    `${when}: the newest row ends ${lastRowBottom} px from the view's bottom`,
  );
}

Deno.test({
  name: "the transcript follows the agent at every size",
  ignore: !HAS_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    });
    try {
      const cases = [
        ["desktop", SIZES.desktop, "/"],
        ["phone", SIZES.phone, "/"],
        ["embedded", SIZES.embed, "/?hide=header,input"],
      ] as const;
      for (const [name, size, path] of cases) {
        await t.step(
          `${name} (${size.width} px): load, reload, bursts, and scrolling up`,
          async () => {
            const fake = startFakeHarness();
            for (let i = 0; fake.events.length < 1800; i++) {
              fake.emit(...varietyTurn(i));
            }
            const page = await openSizedPage(browser, fake, { size, path });
            try {
              const last = () => fake.events.length;
              await page.getByText(`note ${(last() - 6) / 6}`, { exact: true })
                .waitFor();
              await assertNewestInView(page, "after load");

              await page.reload();
              await page.getByText(`note ${(last() - 6) / 6}`, { exact: true })
                .waitFor();
              await assertNewestInView(page, "after reload");

              // A burst of 2,000 events arriving over a few frames.
              await fake.waitForClient();
              const firstTurn = last() / 6;
              for (let batch = 0; batch < 10; batch++) {
                const events = [];
                for (let i = 0; i < 33; i++) {
                  events.push(...varietyTurn(firstTurn + batch * 33 + i));
                }
                fake.emit(...events);
                await new Promise((resolve) => setTimeout(resolve, 15));
              }
              const lastTurn = firstTurn + 329;
              await page.getByText(`note ${lastTurn}`, { exact: true })
                .waitFor();
              await assertNewestInView(page, "after a 2,000-event burst");

              // The operator scrolls up: the view stays, a button offers the way down.
              await page.locator(".transcript").hover();
              await page.mouse.wheel(0, -1500);
              await settle(page);
              const before = await viewAtBottom(page);
              assert.ok(before.below > 1000, "scrolled up");
              fake.emit(...varietyTurn(lastTurn + 1));
              const jump = page.getByRole("button", { name: "↓ new activity" });
              await jump.waitFor();
              await settle(page);
              const after = await viewAtBottom(page);
              assert.ok(
                after.below >= before.below,
                "new rows do not pull the operator down",
              );
              await jump.click();
              await assertNewestInView(page, "after the new-activity button");
              await jump.waitFor({ state: "detached" });
              // Following again: the next rows keep the view at the bottom.
              fake.emit(...varietyTurn(lastTurn + 2));
              await page.getByText(`note ${lastTurn + 2}`, { exact: true })
                .waitFor();
              await assertNewestInView(page, "after following again");
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
