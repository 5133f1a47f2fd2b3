/**
 * The `/stats` page in a real browser (Debian's Chromium driven by playwright-core) against a real
 * in-process harness served over HTTP, whose turn-stats rows the test records as the turn loop
 * does (the row, then its `turn_stats_recorded` event). An operator opens the page with the UI
 * token, sees the empty state, then the right totals, formatted cost and exact figures in the
 * charts' tooltips, switches windows by mouse and keyboard, watches it update live, bookmarks a
 * window, and reads it on a phone and in dark mode; the page logs no error all along. Skipped,
 * saying so, where /usr/bin/chromium is absent; CI installs it.
 */
import assert from "node:assert/strict";
import { turnStatsRow } from "../fixtures/turn_stats_row.ts";
import { chromium, type Locator, type Page } from "playwright-core";
import type { Harness } from "../../lib/harness.ts";
import type {
  StoredTurnStatsRow,
  TurnStatsRow,
} from "../../lib/stats/turn_stats_row.ts";
import { startInProcessHarness } from "../fixtures/in_process_harness.ts";
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  hasChromium,
  reportSkippedBrowserTests,
} from "./chromium.ts";

const HAS_CHROMIUM = hasChromium();
if (!HAS_CHROMIUM) reportSkippedBrowserTests("/stats page in Chromium");

const TOKEN = "stats-page-token";
const HOUR = 3600;
const DAY = 24 * HOUR;

function row(
  endedAgo: number,
  overrides: Partial<TurnStatsRow> = {},
): TurnStatsRow {
  const endedAt = Math.floor(Date.now() / 1000) - endedAgo;
  return turnStatsRow({
    started_at: endedAt - 12,
    ended_at: endedAt,
    duration_ms: 12_000,
    input_tokens: 100,
    output_tokens: 200,
    cache_read_input_tokens: 3000,
    cache_creation_input_tokens: 400,
    last_input_tokens: 50,
    last_output_tokens: 60,
    last_cache_read_input_tokens: 20_000,
    last_cache_creation_input_tokens: 300,
    cost_usd: 0.0071,
    num_turns: 2,
    session_id: "s-1",
    tool_call_count: 3,
    tool_call_breakdown_json: '{"Bash":2,"Read":1}',
    open_threads_count: 0,
    open_reminders_count: 0,
    ...overrides,
  });
}

/** Record a row and announce it, as the turn loop does at a turn's end. */
function recordTurn(harness: Harness, turn: TurnStatsRow): StoredTurnStatsRow {
  const stored = harness.parts.turnStats.record(turn);
  assert.ok(stored, "the row was recorded");
  harness.parts.bus.emit({ kind: "turn_stats_recorded", row: { ...stored } });
  return stored;
}

/** Rows straight into the store, with no event (older turns the page has not heard of). */
function storeTurn(harness: Harness, turn: TurnStatsRow): void {
  assert.ok(harness.parts.turnStats.record(turn), "the row was recorded");
}

function card(page: Page, name: string): Locator {
  return page.locator(`[data-card="${name}"] .stat-value`);
}

async function expectText(locator: Locator, text: string | RegExp) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const actual = (await locator.textContent({ timeout: 10_000 }))?.trim() ??
      "";
    if (typeof text === "string" ? actual === text : text.test(actual)) return;
    if (Date.now() > deadline) {
      assert.fail(`expected ${text}, the page shows ${JSON.stringify(actual)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The tooltip of a chart's newest bucket that has turns (a test may cross an hour). */
async function newestTooltip(page: Page, chart: string): Promise<string> {
  const plot = page.locator(`[data-chart="${chart}"] .plot`);
  await plot.focus();
  await plot.press("End");
  for (let step = 0; step < 3; step++) {
    const text = await plot.locator(".tooltip").innerText();
    if (!/\b0 turns$/.test(text.trim())) return text.replace(/\s+/g, " ");
    await plot.press("ArrowLeft");
  }
  assert.fail(`no turns in the newest buckets of ${chart}`);
}

Deno.test({
  name: "the /stats page in Chromium, as an operator reads it",
  ignore: !HAS_CHROMIUM,
  // Chromium, the harness and the server live across steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const harness = await startInProcessHarness({ uiToken: TOKEN });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request) => harness.app.fetch(request),
    );
    const url = `http://127.0.0.1:${server.addr.port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    });
    const page = await browser.newPage({
      viewport: { width: 1280, height: 900 },
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    try {
      await t.step(
        "with the token in the address and no turns yet: the empty state, live, token gone",
        async () => {
          await page.goto(`${url}/stats?token=${TOKEN}`);
          await page.locator("[data-empty]").waitFor();
          assert.match(
            await page.locator("[data-empty]").innerText(),
            /No turns in the last 24 hours/,
          );
          await expectText(card(page, "turns"), "0");
          await expectText(card(page, "cost (estimate)"), "$0");
          await page.locator('[data-live="live"]').waitFor();
          assert.equal(new URL(page.url()).searchParams.get("token"), null);
          assert.equal(await page.title(), "alice · turn stats");
          assert.equal(
            await page.getByRole("link", { name: "agent page" })
              .getAttribute("href"),
            "./",
          );
        },
      );

      await t.step(
        "a recorded turn shows up without a reload: totals, cost as $0.0071, tooltips",
        async () => {
          await page.evaluate(() =>
            Object.assign(globalThis, { notReloaded: true })
          );
          // Older turns, and a failure two hours ago, in the store before the event.
          storeTurn(
            harness,
            row(2 * HOUR, {
              result_kind: "failed",
              note: "boom",
              wake_from: "bob",
              cost_usd: null,
              duration_ms: 40_000,
              tool_call_count: 1,
              tool_call_breakdown_json: '{"Bash":1}',
            }),
          );
          storeTurn(
            harness,
            row(3 * DAY, { model: "sonnet", cost_usd: 1.2345 }),
          );
          storeTurn(harness, row(20 * DAY, { wake_from: "scheduler" }));
          recordTurn(harness, row(30));
          await expectText(card(page, "turns"), "2");
          await expectText(card(page, "cost (estimate)"), "$0.0071");
          await expectText(card(page, "tool calls"), "4");
          assert.match(
            await page.locator('[data-card="turns"]').innerText(),
            /1 ok · 1 failed · 0 prompt too long/,
          );
          assert.equal(
            await page.evaluate(() =>
              (globalThis as { notReloaded?: boolean }).notReloaded
            ),
            true,
          );
          assert.match(
            await page.locator('[data-card="cost (estimate)"]').innerText(),
            /list-price/,
          );
          for (
            const chart of ["turns", "duration", "tokens", "cost", "context"]
          ) {
            await page.locator(`[data-chart="${chart}"] svg`).waitFor();
          }
          const turns = await newestTooltip(page, "turns");
          assert.match(turns, /ok 1 failed 0 prompt too long 0 total 1/);
          assert.match(await newestTooltip(page, "cost"), /cost \$0\.0071/);
          assert.match(
            await newestTooltip(page, "tokens"),
            /input 100 output 200 cache read 3,000 cache write 400 total 3,700/,
          );
          assert.match(await newestTooltip(page, "duration"), /p50 12 s/);
          assert.match(
            await page.locator('[data-chart="turns"] .y-max').textContent() ??
              "",
            /^1$/,
          );
          assert.match(
            await page.locator('[data-mix="wake-mix"]').innerText(),
            /bob\s+1\s+50 %[\s\S]*operator\s+1\s+50 %/,
          );
          assert.match(
            await page.locator('[data-mix="top-tools"]').innerText(),
            /Bash\s+3\s+75 %[\s\S]*Read\s+1\s+25 %/,
          );
        },
      );

      await t.step(
        "the window switcher, by mouse and keyboard, keeps ?window= in the address",
        async () => {
          await page.getByLabel("last 7 days").check();
          await expectText(card(page, "turns"), "3");
          await expectText(card(page, "cost (estimate)"), "$1.24");
          assert.equal(new URL(page.url()).searchParams.get("window"), "7d");
          assert.match(
            await page.locator('[data-mix="models"]').innerText(),
            /haiku\s+2[\s\S]*sonnet\s+1/,
          );
          const tick = await page.locator('[data-chart="turns"] .tick')
            .allTextContents();
          assert.ok(
            tick.some((label) => /^[A-Z][a-z]{2} \d{1,2}$/.test(label)),
            `day labels on a 7 d chart: ${tick.join(", ")}`,
          );
          await page.getByLabel("last 7 days").press("ArrowRight");
          await expectText(card(page, "turns"), "4");
          assert.equal(new URL(page.url()).searchParams.get("window"), "30d");
        },
      );

      await t.step("a new turn updates the 30 d window live", async () => {
        recordTurn(harness, row(10, { cost_usd: 0.0029 }));
        await expectText(card(page, "turns"), "5");
        await expectText(card(page, "cost (estimate)"), "$1.25");
      });

      await t.step("a bookmarked ?window= opens that window", async () => {
        await page.goto(`${url}/stats?window=7d`);
        await expectText(card(page, "turns"), "4");
        assert.equal(await page.getByLabel("last 7 days").isChecked(), true);
        const ticks = await page.locator('[data-chart="turns"] .tick')
          .allTextContents();
        assert.ok(ticks.includes("0"), "the y axis has its zero");
        await page.goto(`${url}/stats?window=24h`);
        await page.locator('main[data-window="24h"] [data-chart="turns"]')
          .waitFor();
        const hours = await page.locator('[data-chart="turns"] .tick')
          .allTextContents();
        assert.ok(
          hours.some((label) => /^\d\d:00$/.test(label)),
          `hour labels on a 24 h chart: ${hours.join(", ")}`,
        );
      });

      await t.step("on a phone, in dark mode: no sideways scroll", async () => {
        await page.setViewportSize({ width: 375, height: 740 });
        await page.emulateMedia({ colorScheme: "dark" });
        await page.goto(`${url}/stats`);
        await expectText(card(page, "turns"), "3");
        const overflow = await page.locator("html").evaluate((html) =>
          html.scrollWidth - html.clientWidth
        );
        assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
        const background = await page.locator("body").evaluate((body) =>
          body.ownerDocument.defaultView?.getComputedStyle(body)
            .backgroundColor
        );
        assert.equal(background, "rgb(22, 24, 28)");
      });

      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.shutdown();
      await harness.stop();
      await Deno.remove(harness.stateDir, { recursive: true });
    }
  },
});
