/**
 * Takes the README's host page screenshot (docs/hive.png): `hive`'s real host page in Chromium
 * over a broker holding four agents' reports (as their harnesses send them) and an open
 * question.
 *
 * ```sh
 * deno run --allow-all test/ui/take_hive_screenshot.ts
 * ```
 */
import { join } from "node:path";
import { chromium } from "playwright-core";
import { openEmbeddedBroker } from "../../lib/broker/embedded_broker.ts";
import { type AgentReport, utcDay } from "../../lib/broker/fleet_report.ts";
import { serveHostPage } from "../../lib/fleet/host_server.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { ROOT } from "../fixtures/harness_process.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium.ts";

const dir = await Deno.makeTempDir({ prefix: "hive-shot-" });
const log = createMemoryLogger();
const broker = openEmbeddedBroker(join(dir, "hyperhive-broker.sqlite"), {
  log,
});
const now = Math.floor(Date.now() / 1000);
const base: AgentReport = {
  role: "agent",
  url: null,
  state: "online",
  "state_detail": null,
  "status_text": null,
  day: utcDay(Date.now()),
  "turns_today": 0,
  "cost_today_usd": 0,
  "budget_daily_usd": null,
  "turn_started_at": null,
  "last_turn_end": now - 300,
};
const reports: [string, Partial<AgentReport>][] = [
  ["alice", {
    url: "http://127.0.0.1:8081/",
    state: "running",
    status_text: "refactoring the parser",
    turns_today: 14,
    cost_today_usd: 1.82,
    budget_daily_usd: 5,
    turn_started_at: now - 75,
  }],
  ["bob", {
    url: "http://127.0.0.1:8082/",
    state: "over_budget",
    state_detail:
      "spent $3.04 of the $3.00 daily budget (UTC day): raise the budget, or wait for the next UTC day",
    status_text: "waiting on CI",
    turns_today: 22,
    cost_today_usd: 3.04,
    budget_daily_usd: 3,
  }],
  ["carol", {
    url: "http://127.0.0.1:8083/",
    state: "paused",
    state_detail:
      "circuit breaker: 5 failed turns in a row; last: API Error: 529 overloaded: resume to go on",
    turns_today: 9,
    cost_today_usd: 0.41,
  }],
  ["dave", {
    url: "http://127.0.0.1:8084/",
    status_text: "idle: all tests green",
    turns_today: 6,
    cost_today_usd: 0.27,
  }],
];
// Reported just before the page loads: a report older than 10 s reads `down`.
const reportAll = async () => {
  for (const [name, fields] of reports) {
    await broker.report(name, { ...base, ...fields });
  }
};
await broker.ask("alice", {
  question: "The parser rewrite changes the public AST. Ship it behind a flag?",
  options: ["yes, behind a flag", "no, wait for review"],
  multi: false,
  ttlSeconds: null,
  target: "operator",
});
await broker.remind("dave", "re-run the flaky suite", { delaySeconds: 3600 });
const page = serveHostPage(broker, {
  host: "127.0.0.1",
  port: 0,
  uiToken: undefined,
  allowedHosts: [],
  allowEmbed: [],
}, { log });
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: [...CHROMIUM_ARGS],
});
try {
  const tab = await browser.newPage({
    viewport: { width: 1280, height: 620 },
    colorScheme: "light",
  });
  await reportAll();
  await tab.goto(page.url);
  await tab.locator('tr[data-agent="dave"]').waitFor();
  await tab.screenshot({ path: join(ROOT, "docs", "hive.png") });
} finally {
  await browser.close();
  await page.close();
  await broker.close();
  await Deno.remove(dir, { recursive: true });
}
