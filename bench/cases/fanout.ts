/**
 * @module SSE fan-out: the harness's `/events/stream` (bus → hub → Deno.serve) against a raw
 * `Deno.serve` stream that encodes each event once and enqueues it to every client, with the same
 * raw-socket clients in another process: 50 clients at 2,000 events/s and 200 at 1,000 events/s
 * (delivered/s, every event delivered, publish→receive p50/p99), then both saturated (as fast as
 * the slowest client acknowledges) for delivered/s.
 */
import {
  type BenchCase,
  type BenchContext,
  type BenchRow,
  row,
} from "../measure.ts";
import { runSse, type SseRunResult } from "../sse_run.ts";

/** The fan-out case. */
export const fanoutCase: BenchCase = {
  name: "SSE fan-out",
  async run(context) {
    const quick = context.quick;
    const seconds = quick ? 0.5 : 10;
    const rows: BenchRow[] = [];
    for (
      const [clients, rate, p99Target] of quick
        ? [[5, 200, 50], [10, 100, 250]]
        : [[50, 2000, 50], [200, 1000, 250]]
    ) {
      const ours = await runSse(context, {
        mode: "harness",
        clients: clients!,
        rate: rate!,
        seconds,
      });
      const raw = await runSse(context, {
        mode: "raw",
        clients: clients!,
        rate: rate!,
        seconds,
      });
      context.progress(
        `  ${clients} @ ${rate}/s: ${describe(ours)} | raw ${describe(raw)}`,
      );
      const delivered = ours.missing === 0 && ours.clientsDone;
      rows.push(row(context, {
        name: `fan-out ${clients} clients @ ${rate}/s`,
        figure: ours.deliveredPerSecond,
        unit: "deliveries/s",
        baseline: raw.deliveredPerSecond,
        target: `all delivered, p99 < ${p99Target} ms`,
        pass: delivered && ours.p99Ms < p99Target!,
        note: `p50 ${ms(ours.p50Ms)} / p99 ${ms(ours.p99Ms)} ms (raw ${
          ms(raw.p50Ms)
        } / ${ms(raw.p99Ms)})${delivered ? "" : `; MISSED ${ours.missing}`}`,
        details: { ours: strip(ours), raw: strip(raw) },
      }));
    }
    rows.push(await saturated(context, quick ? 5 : 50, quick ? 0.5 : 4));
    return rows;
  },
};

async function saturated(
  context: BenchContext,
  clients: number,
  seconds: number,
): Promise<BenchRow> {
  const ours = await runSse(context, {
    mode: "harness",
    clients,
    rate: 0,
    seconds,
  });
  const raw = await runSse(context, { mode: "raw", clients, rate: 0, seconds });
  context.progress(
    `  saturated ${clients}: ${describe(ours)} | raw ${describe(raw)}`,
  );
  return row(context, {
    name: `fan-out saturated, ${clients} clients`,
    figure: ours.deliveredPerSecond,
    unit: "deliveries/s",
    baseline: raw.deliveredPerSecond,
    target: "≥ 0.5×",
    pass: ours.deliveredPerSecond / raw.deliveredPerSecond >= 0.5 &&
      ours.missing === 0,
    note: `p99 ${ms(ours.p99Ms)} ms (raw ${ms(raw.p99Ms)}); server CPU ${
      ours.serverCpuUsPerFrame.toFixed(2)
    } µs/frame (raw ${raw.serverCpuUsPerFrame.toFixed(2)})`,
    details: { ours: strip(ours), raw: strip(raw) },
  });
}

function describe(result: SseRunResult): string {
  return `${Math.round(result.deliveredPerSecond)}/s p50 ${
    ms(result.p50Ms)
  } p99 ${ms(result.p99Ms)} missing ${result.missing}, server ${
    result.serverCpuUsPerFrame.toFixed(2)
  } µs CPU/frame`;
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(1) : value.toFixed(0);
}

function strip(result: SseRunResult): Record<string, unknown> {
  const { server, ...rest } = result;
  return { ...rest, rssStart: server.rssStart, rssMax: server.rssMax };
}
