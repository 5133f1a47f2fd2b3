/**
 * The fleet end to end: a `hive` with its host page and three harnesses running real Claude Code
 * turns on the scripted API, watched and driven in Chromium as an operator would. The page lists
 * the agents live; a question one agent asks shows up there and answering it wakes the agent;
 * pause holds a wake-up and resume runs it once; a budget below what was spent holds the next
 * wake-up and raising it runs it; five failing turns pause an agent with the reason; a killed
 * harness shows `down`; the page, `/metrics` and `stats` agree on today's figures.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import {
  apiError,
  startScriptedApi,
  text,
  toolCalls,
} from "../fixtures/scripted_api.ts";
import {
  DENO,
  eventsOf,
  type HarnessProcess,
  ROOT,
  startHarnessProcess,
  waitForEvent,
  waitForState,
} from "../fixtures/harness_process.ts";
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  hasChromium,
  reportSkippedBrowserTests,
} from "../ui/chromium.ts";

const HAS_CHROMIUM = hasChromium();
if (!HAS_CHROMIUM) reportSkippedBrowserTests("the host page of a hive");

interface HiveProcess {
  child: Deno.ChildProcess;
  url: string;
  stop(): Promise<void>;
}

async function startHiveWithPage(
  socketDir: string,
  agents: string[],
): Promise<HiveProcess> {
  const child = new Deno.Command(DENO, {
    args: [
      "run",
      "--allow-all",
      "--config",
      join(ROOT, "deno.json"),
      "--frozen",
      join(ROOT, "main.ts"),
      "hive",
      "--socket-dir",
      socketDir,
      "--agents",
      agents.join(","),
      "--port",
      "0",
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let url: string | null = null;
  while (url === null) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`hive exited before listening: ${seen}`);
    seen += value;
    url = /host page on (http:\/\/\S+?)\/?\s/.exec(seen)?.[1] ?? null;
  }
  const drained = (async () => {
    while (!(await reader.read()).done) { /* keep the pipe flowing */ }
  })();
  return {
    child,
    url,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
      await drained;
    },
  };
}

/** The state the host page shows for `name`. */
function row(page: Page, name: string) {
  return page.locator(`tr[data-agent="${name}"]`);
}

async function waitForRowState(
  page: Page,
  name: string,
  state: string,
  timeout = 30_000,
): Promise<void> {
  await page.locator(`tr[data-agent="${name}"][data-state="${state}"]`)
    .waitFor({ timeout });
}

async function turnStarts(
  harness: HarnessProcess,
  body: string,
): Promise<number> {
  const { body: history } = await harness.get("/events/history?limit=2000");
  return eventsOf(
    (history.events ?? []) as Record<string, unknown>[],
    "turn_start",
  ).filter((event) => event.body === body).length;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Big usage, so one turn costs cents at haiku's list price and a small budget is spent at once.
const COSTLY = { "input_tokens": 50_000, "output_tokens": 100 };

Deno.test({
  name: "a hive's host page shows three live harnesses and steers them",
  ignore: !HAS_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const socketDir = await Deno.makeTempDir({ prefix: "hive-fleet-" });
    const hive = await startHiveWithPage(socketDir, ["alice", "bob", "carol"]);
    const aliceApi = startScriptedApi({
      script: [
        toolCalls([{
          name: "mcp__hyperhive__ask_operator",
          input: { question: "deploy now?", options: ["yes", "no"] },
        }]),
        text("asked the operator"),
      ],
      fallback: text("thanks"),
    });
    const bobApi = startScriptedApi({ fallback: text("done", COSTLY) });
    const carolApi = startScriptedApi({
      fallback: apiError(500, "api_error", "scripted outage"),
    });
    const harnesses: HarnessProcess[] = [];
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    });
    try {
      const start = (name: string, apiUrl: string, args: string[] = []) =>
        startHarnessProcess({
          apiUrl,
          name,
          args: ["--hive-socket", join(socketDir, name, "mcp.sock"), ...args],
        }).then((harness) => (harnesses.push(harness), harness));
      const [alice, bob, carol] = await Promise.all([
        start("alice", aliceApi.url),
        start("bob", bobApi.url),
        // Six jobs queued at once would share one turn: carol's breaker needs a turn each.
        start("carol", carolApi.url, ["--one-message-per-turn"]),
      ]);
      const page = await browser.newPage({
        viewport: { width: 1280, height: 900 },
      });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(hive.url);

      await t.step(
        "the page lists the three agents live, with links to their pages",
        async () => {
          for (const name of ["alice", "bob", "carol"]) {
            await waitForRowState(page, name, "online");
          }
          const link = await row(page, "bob").locator("a").getAttribute("href");
          assert.equal(link, `${bob!.url}/`);
          // Live: a turn shows up without a reload.
          await bob!.post("/api/send", { body: "first job" });
          await waitForEvent(bob!, (event) => event.kind === "turn_end");
          await row(page, "bob").locator('[data-testid="today"]', {
            hasText: "1 turn ·",
          }).waitFor({ timeout: 15_000 });
        },
      );

      await t.step(
        "a question from alice is answered on the host page and alice wakes with it",
        async () => {
          await alice!.post("/api/send", { body: "ask the operator" });
          const card = page.locator(".hive-question", {
            hasText: "deploy now?",
          });
          await card.waitFor({ timeout: 60_000 });
          assert.match(await card.innerText(), /alice asks you/);
          await card.getByRole("button", { name: "yes" }).click();
          const events = await waitForEvent(
            alice!,
            (event) => event.kind === "turn_start" && event.from === "system",
          );
          const wake = eventsOf(events, "turn_start").find((event) =>
            event.from === "system"
          )!;
          assert.match(String(wake.body), /deploy now\?/);
          assert.match(String(wake.body), /yes/);
          await card.waitFor({ state: "detached", timeout: 15_000 });
        },
      );

      await t.step("pause holds a wake-up; resume runs it once", async () => {
        await row(page, "bob").getByRole("button", { name: "Pause" }).click();
        await waitForRowState(page, "bob", "paused");
        await waitForState(bob!, (state) => state.status === "paused");
        // bob's own page says so, and how to go on.
        const own = await browser.newPage();
        await own.goto(bob!.url);
        const hold = own.locator('[data-testid="hold"]');
        await hold.waitFor({ timeout: 15_000 });
        assert.match(
          await hold.innerText(),
          /paused from the host page: resume/,
        );
        await own.close();
        await bob!.post("/api/send", { body: "held while paused" });
        await sleep(3000);
        assert.equal(await turnStarts(bob!, "held while paused"), 0);
        const state = await bob!.get("/api/state");
        assert.equal(state.body.unread, 1, "the wake-up waits in the inbox");
        await row(page, "bob").getByRole("button", { name: "Resume" }).click();
        await waitForEvent(
          bob!,
          (event) =>
            event.kind === "turn_start" && event.body === "held while paused",
        );
        await waitForState(bob!, (state) => state.turn_state === "idle");
        await sleep(1000);
        assert.equal(await turnStarts(bob!, "held while paused"), 1);
      });

      await t.step(
        "a budget below today's spend holds the next wake-up; raising it runs it",
        async () => {
          const budget = row(page, "bob").getByLabel(
            "daily budget of bob in dollars",
          );
          await budget.fill("0.001");
          await row(page, "bob").getByRole("button", { name: "Set budget" })
            .click();
          await waitForRowState(page, "bob", "over_budget");
          assert.match(
            await row(page, "bob").locator('[data-testid="detail"]')
              .innerText(),
            /raise the budget/,
          );
          await bob!.post("/api/send", { body: "held over budget" });
          await sleep(3000);
          assert.equal(await turnStarts(bob!, "held over budget"), 0);
          assert.equal(
            (await bob!.get("/api/state")).body.status,
            "over_budget",
          );
          const own = await browser.newPage();
          await own.goto(bob!.url);
          await own.locator('[data-testid="hold"]', {
            hasText: "raise the budget",
          }).waitFor({ timeout: 15_000 });
          await own.close();
          await budget.fill("100");
          await row(page, "bob").getByRole("button", { name: "Set budget" })
            .click();
          await waitForEvent(
            bob!,
            (event) =>
              event.kind === "turn_start" && event.body === "held over budget",
          );
        },
      );

      await t.step(
        "five failing turns pause carol with the reason",
        async () => {
          for (let i = 1; i <= 6; i++) {
            await carol!.post("/api/send", { body: `job ${i}` });
          }
          await waitForRowState(page, "carol", "paused", 120_000);
          assert.match(
            await row(page, "carol").locator('[data-testid="detail"]')
              .innerText(),
            /circuit breaker: 5 failed turns in a row/,
          );
          const state = await waitForState(
            carol!,
            (s) => s.status === "paused",
          );
          assert.match(String(state.status_detail), /circuit breaker/);
          await sleep(2000);
          assert.equal(await turnStarts(carol!, "job 6"), 0, "the sixth waits");
        },
      );

      await t.step(
        "the page, /metrics and `stats` agree on today's figures",
        async () => {
          await waitForState(bob!, (state) => state.turn_state === "idle");
          await sleep(1500);
          const listed = await (await fetch(`${hive.url}/api/agents`)).json();
          const fromHive = (listed.agents as Record<string, unknown>[]).find((
            agent,
          ) => agent.name === "bob")!;
          const today = new Date().toISOString().slice(0, 10);
          const output = await new Deno.Command(DENO, {
            args: [
              "run",
              "--allow-all",
              "--config",
              join(ROOT, "deno.json"),
              "--frozen",
              join(ROOT, "main.ts"),
              "stats",
              bob!.stateDir,
              "--since",
              today,
              "--json",
            ],
            stdout: "piped",
            stderr: "null",
          }).output();
          const report = JSON.parse(new TextDecoder().decode(output.stdout));
          assert.equal(fromHive.turns_today, report.total.turns);
          assert.equal(fromHive.turns_today, 3);
          assert.ok(
            Math.abs(Number(fromHive.cost_today_usd) - report.total.cost_usd) <
              1e-6,
          );
          assert.ok(report.total.cost_usd > 0.001);
          const metrics = await (await fetch(`${bob!.url}/metrics`)).text();
          assert.match(
            metrics,
            /hive_agent_state\{agent="bob",role="agent",state="online"\} 1/,
          );
          assert.match(
            metrics,
            /hive_budget_daily_usd\{agent="bob",role="agent"\} 100/,
          );
          assert.match(
            metrics,
            new RegExp(`hive_turns_today\\{agent="bob",role="agent"\\} 3`),
          );
        },
      );

      await t.step("a killed harness shows down", async () => {
        await alice!.kill();
        await waitForRowState(page, "alice", "down", 30_000);
        // Needs-me first: alice (down) and carol (paused) sort above bob.
        const order = await page.locator("tr[data-agent]").evaluateAll((rows) =>
          rows.map((row) => row.getAttribute("data-agent"))
        );
        assert.ok(order.indexOf("bob") > order.indexOf("alice"));
        assert.ok(order.indexOf("bob") > order.indexOf("carol"));
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await Promise.all(harnesses.map((harness) => harness.stop()));
      await hive.stop();
      await Promise.all([aliceApi.close(), bobApi.close(), carolApi.close()]);
    }
  },
});
