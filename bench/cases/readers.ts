/**
 * @module A thousand readers (issue 14): 1,000 SSE clients on the real harness and server while
 * a flood of 20,000 events goes out, `/healthz` asked every 50 ms meanwhile. Two rows: the
 * server's RSS 30 s after every reader has gone against its RSS before they came (what the load
 * left behind must not stay: ≤ 1.3×; the figure 5 s after is in the note), and `/healthz`'s p99
 * during the load (< 100 ms: a page watching many agents must not make the harness look dead).
 */
import { type BenchCase, LatencyHistogram, row, sleep } from "../measure.ts";
import { runSse } from "../sse_run.ts";
import type { JsonChild } from "../child.ts";

/** When RSS is read first after the readers left, in ms. */
const SOON_MS = 5_000;
/** When it is read for the row: past V8's collection of what the readers left. */
const SETTLED_MS = 30_000;

/** The readers case. */
export const readersCase: BenchCase = {
  name: "readers",
  async run(context) {
    const quick = context.quick;
    const readers = quick ? 20 : 1000;
    const count = quick ? 500 : 20_000;
    const rate = quick ? 500 : 2_000;
    const seconds = count / rate + 5;
    // Quick mode judges nothing: it only runs the case, so it reads RSS at once.
    const soonMs = quick ? 250 : SOON_MS;
    const settledMs = quick ? 500 : SETTLED_MS;
    const health = new LatencyHistogram();
    let healthFailures = 0;
    let rssAfter = 0;
    let rssSoon = 0;
    let afterUsage: Record<string, unknown> = {};
    let port = 0;
    const result = await runSse(context, {
      mode: "harness",
      clients: readers,
      rate,
      seconds,
      count,
      mix: "mix",
      during: async (server) => {
        port = await serverPort(server);
        const until = performance.now() + (count / rate) * 1000;
        while (performance.now() < until) {
          const started = performance.now();
          try {
            const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
              signal: AbortSignal.timeout(10_000),
            });
            await response.body?.cancel();
            if (response.ok) health.add(performance.now() - started);
            else healthFailures++;
          } catch {
            healthFailures++;
          }
          await sleep(50);
        }
      },
      after: async (server) => {
        // The readers are gone. What they held is garbage V8 collects when it sees the process
        // idle (its memory reducer), 10-20 s later: read RSS soon and again once that is past.
        const rssAt = async (ms: number) => {
          await sleep(ms);
          await server.send({ cmd: "rss" });
          return await server.next("rss", 10_000);
        };
        rssSoon = (await rssAt(soonMs)).rss as number;
        afterUsage = await rssAt(settledMs - soonMs);
        rssAfter = afterUsage.rss as number;
      },
    });
    const before = result.readyRss;
    const ratio = rssAfter / before;
    const mb = (bytes: number) => bytes / 1024 / 1024;
    const peak = result.server.rssMax as number;
    const p99 = health.percentile(99);
    return [
      row(context, {
        name: `readers: RSS ${
          settledMs / 1000
        } s after ${readers} SSE readers left`,
        figure: mb(rssAfter),
        unit: "MB",
        baseline: mb(before),
        target: "≤ 1.3×",
        pass: ratio <= 1.3 && result.clientsReported && result.missing === 0,
        note: `before ${mb(before).toFixed(1)} MB, peak ${
          mb(peak).toFixed(1)
        } MB during ${result.published} events; ${
          !result.clientsReported
            ? "the readers NEVER REPORTED"
            : result.missing === 0
            ? "no gap in what each reader got"
            : `${result.missing} MISSING`
        }; ${(rssSoon / before).toFixed(2)}× ${soonMs / 1000} s after`,
        details: { samples: result.server.samples, afterUsage, before },
      }),
      row(context, {
        name: `readers: /healthz p99 during ${readers} readers`,
        figure: p99,
        unit: "ms",
        baseline: null,
        target: "< 100 ms",
        pass: p99 < 100 && healthFailures === 0 && health.count > 0,
        note: `p50 ${
          health.percentile(50).toFixed(1)
        } ms, ${health.count} asked${
          healthFailures === 0 ? "" : `, ${healthFailures} FAILED`
        }; ${
          Number(result.server.cutOffs ?? 0)
        } readers cut off for falling 4 MiB behind (${result.closedEarly} saw their stream end early)`,
        details: { healthFailures, count: health.count },
      }),
    ];
  },
};

/** The port the server listens on (`runSse` took its `ready` line). */
async function serverPort(server: JsonChild): Promise<number> {
  await server.send({ cmd: "port" });
  return (await server.next("port", 10_000)).port as number;
}
