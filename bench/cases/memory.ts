/**
 * @module Memory, measured in processes of their own so the bench's heap pollutes nothing: the
 * harness idle (served, one request answered, settled) against a bare Deno.serve + Hono + open
 * sqlite file; then the harness carrying a million events to 10 SSE clients, its RSS once warm
 * (a tenth of the way) against its RSS at the end. A leak, an unbounded queue or a ring that
 * keeps more than it should shows as growth.
 */
import { JsonChild, productV8Flags } from "../child.ts";
import {
  type BenchCase,
  type BenchContext,
  median,
  row,
  sleep,
} from "../measure.ts";
import { runSse } from "../sse_run.ts";

/** The memory case. */
export const memoryCase: BenchCase = {
  name: "memory",
  async run(context) {
    const rounds = context.quick ? 1 : 3;
    const ours: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < rounds; round++) {
      bare.push(await idleRss(context, "bare"));
      ours.push(await idleRss(context, "harness"));
    }
    const idle = median(ours);
    const baseline = median(bare);
    const events = context.quick ? 5_000 : 1_000_000;
    const load = await runSse(context, {
      mode: "harness",
      clients: 10,
      rate: 0,
      seconds: context.quick ? 5 : 120,
      count: events,
      mix: "small",
    });
    const samples = load.server.samples as { events: number; rss: number }[];
    const warm = samples.find((s) => s.events >= events / 10) ?? samples[0];
    const end = load.server.rssEnd as number;
    const warmRss = warm?.rss ?? (load.server.rssStart as number);
    const growth = end / warmRss - 1;
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    return [
      row(context, {
        name: "memory: RSS idle",
        figure: idle / 1024 / 1024,
        unit: "MB",
        baseline: baseline / 1024 / 1024,
        target: "≤ 1.3×",
        pass: idle / baseline <= 1.3,
        note: `Deno.serve + Hono + sqlite ${
          mb(baseline)
        } MB; median of ${rounds}`,
        details: { ours, bare },
      }),
      row(context, {
        name: `memory: RSS after ${load.published / 1e6} M events, 10 clients`,
        figure: end / 1024 / 1024,
        unit: "MB",
        baseline: warmRss / 1024 / 1024,
        target: "growth < 10 %",
        pass: growth < 0.1 && load.published >= events && load.missing === 0,
        note: `${(growth * 100).toFixed(1)} % over RSS at ${
          warm?.events ?? 0
        } events; ${Math.round(load.published / load.publishSeconds)} events/s${
          load.missing === 0 ? "" : `; ${load.missing} MISSING`
        }`,
        details: { samples, idle },
      }),
    ];
  },
};

/** RSS of a fresh server process, served, asked once, settled. */
async function idleRss(
  context: BenchContext,
  mode: "bare" | "harness",
): Promise<number> {
  const stateDir = await Deno.makeTempDir({
    dir: context.tmp,
    prefix: "idle-",
  });
  const server = JsonChild.start(
    context.root,
    "bench/fixtures/event_server.ts",
    [mode, stateDir],
    { denoFlags: productV8Flags(context.root) },
  );
  try {
    const ready = await server.next("ready", 60_000);
    const response = await fetch(`http://127.0.0.1:${ready.port}/healthz`);
    await response.body?.cancel();
    await sleep(context.quick ? 200 : 1500);
    await server.send({ cmd: "rss" });
    return (await server.next("rss", 10_000)).rss as number;
  } finally {
    await server.close(5000);
  }
}
