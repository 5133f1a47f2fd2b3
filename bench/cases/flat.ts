/**
 * @module Flat over time: the pump for millions of events through the 2000-row window, the
 * throughput of the first tenth of the stream events against the last tenth. A store that slows
 * as it trims, a ring or queue that grows, or a leak that makes GC work harder shows here. The
 * details keep each hundredth's time, this process's heap and the WAL's size.
 */
import { type BenchCase, median, row } from "../measure.ts";
import { runPumpTurn } from "../pump_run.ts";

/** The flat-over-time case. */
export const flatCase: BenchCase = {
  name: "flat over time",
  async run(context) {
    const lines = context.quick ? 20_000 : 2_000_000;
    const turn = await runPumpTurn(context, lines);
    const marks = turn.marks;
    // Events/s of each hundredth; a tenth's figure is the median of its ten hundredths, so a
    // second of load from elsewhere on the machine does not decide the verdict.
    const rates: number[] = [];
    for (let i = 1; i < marks.length; i++) {
      rates.push(
        (marks[i]!.count - marks[i - 1]!.count) /
          ((marks[i]!.at - marks[i - 1]!.at) / 1000),
      );
    }
    const firstRate = median(rates.slice(0, 10));
    const lastRate = median(rates.slice(-10));
    const first = marks[0]!;
    const delivered = turn.missing === 0
      ? ""
      : `; the SSE client missed ${turn.missing}`;
    return [row(context, {
      name: `flat: last 10 % vs first 10 % of ${lines / 1e6} M`,
      figure: lastRate,
      unit: "events/s",
      baseline: firstRate,
      target: "≥ 0.9×",
      pass: lastRate / firstRate >= 0.9 && turn.missing === 0,
      note: `whole run ${Math.round(turn.linesPerSecond)} lines/s${delivered}`,
      details: {
        marks: marks.filter((_, i) => i % 10 === 0).map((m) => ({
          events: m.count,
          ms: Math.round(m.at - first.at),
          heapMb: +(m.heapUsed / 1024 / 1024).toFixed(1),
          walMb: +(m.walBytes / 1024 / 1024).toFixed(1),
        })),
      },
    })];
  },
};
