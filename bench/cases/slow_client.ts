/**
 * @module The slow client: 50 clients read at 2,000 events/s while one stops reading. The
 * server's RSS must stay bounded (< 64 MB growth), the stalled client must be cut off once its
 * queue passes the hub's bound and get `reset` when it comes back with its `Last-Event-ID` (its
 * events are long out of the ring), and the 50 others must get every event on time. The same
 * 50 readers without a stalled client run first: what the server grows by anyway under that load
 * (V8 sizes its young generation to the allocation rate), beside what it grows by with one.
 */
import { type BenchCase, row, sleep } from "../measure.ts";
import { runSse } from "../sse_run.ts";

/** The slow-client case. */
export const slowClientCase: BenchCase = {
  name: "slow client",
  async run(context) {
    const quick = context.quick;
    const readers = quick ? 3 : 50;
    const seconds = quick ? 1.5 : 15;
    let cutOffAfterMs: number | null = null;
    let resumed: Record<string, unknown> | null = null;
    const unstalled = await runSse(context, {
      mode: "harness",
      clients: readers,
      rate: quick ? 500 : 2000,
      seconds,
    });
    const result = await runSse(context, {
      mode: "harness",
      clients: readers + 1,
      rate: quick ? 500 : 2000,
      seconds,
      stall: { index: readers, afterFrames: quick ? 20 : 200 },
      during: async (server, clients) => {
        const started = performance.now();
        // Wait for the hub to cut the stalled client off (it logs each cut-off).
        while (performance.now() - started < (seconds - 3) * 1000) {
          await sleep(500);
          await server.send({ cmd: "status" });
          const status = await server.next("status", 5000);
          if ((status.cutOffs as number) > 0) {
            cutOffAfterMs = performance.now() - started;
            break;
          }
        }
        await sleep(quick ? 100 : 1000);
        await clients.send({ cmd: "resume", drainMs: quick ? 300 : 10_000 });
        resumed = await clients.next("resumed", 30_000);
      },
    });
    const growthMb = ((result.server.rssMax as number) -
      (result.server.rssStart as number)) / 1024 / 1024;
    const baselineMb = ((unstalled.server.rssMax as number) -
      (unstalled.server.rssStart as number)) / 1024 / 1024;
    const back = resumed as Record<string, unknown> | null;
    const cutOff = cutOffAfterMs !== null && back?.cutOff === true;
    const reset = back?.returned === "reset";
    // Unaffected: nothing missing, and on time as the same readers are without a stalled one
    // (within 50 ms, or 1.5× their own p99 when the machine is too loaded for that).
    const othersOk = result.missing === 0 && result.clientsDone &&
      result.p99Ms <= Math.max(50, unstalled.p99Ms * 1.5);
    const cutAfter = cutOffAfterMs as number | null;
    return [row(context, {
      name: `slow client: server RSS growth, ${readers} others reading`,
      figure: growthMb,
      unit: "MB",
      baseline: baselineMb,
      target: "< 64 MB, cut off, reset, others unaffected",
      pass: growthMb < 64 && cutOff && reset && othersOk,
      note: `${
        cutOff
          ? `cut off after ${(cutAfter! / 1000).toFixed(1)} s`
          : "NOT cut off"
      }; on return: ${String(back?.returned ?? "no answer")}; others: ${
        result.missing === 0 ? "none missing" : `${result.missing} MISSING`
      }, p99 ${result.p99Ms.toFixed(1)} ms (${
        unstalled.p99Ms.toFixed(1)
      } with none stalled); baseline = RSS growth with none stalled`,
      details: {
        resumed: back,
        cutOffAfterMs: cutAfter,
        others: {
          deliveredPerSecond: result.deliveredPerSecond,
          p50Ms: result.p50Ms,
          p99Ms: result.p99Ms,
          missing: result.missing,
        },
        rss: result.server.samples,
        unstalledRss: unstalled.server.samples,
      },
    })];
  },
};
