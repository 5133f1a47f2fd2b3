/**
 * @module Flat over time: the pump for millions of events through the 2000-row window, the
 * throughput of the first tenth of the stream events against the last tenth. A store that slows
 * as it trims, a ring or queue that grows, or a leak that makes GC work harder shows here.
 */
import { type BenchCase, row } from "../measure.ts";
import { runPumpTurn } from "../pump_run.ts";

/** The flat-over-time case. */
export const flatCase: BenchCase = {
  name: "flat over time",
  async run(context) {
    const lines = context.quick ? 20_000 : 2_000_000;
    const turn = await runPumpTurn(context, lines);
    const marks = turn.marks;
    const step = marks[1]!.count;
    const first = marks[0]!;
    const tenth = marks[1]!;
    const last = marks[marks.length - 1]!;
    const lastButTenth = marks.find((mark) =>
      mark.count === last.count - step
    )!;
    const firstRate = (tenth.count - first.count) /
      ((tenth.at - first.at) / 1000);
    const lastRate = (last.count - lastButTenth.count) /
      ((last.at - lastButTenth.at) / 1000);
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
      details: { marks: marks.map((m) => [m.count, m.at - first.at]) },
    })];
  },
};
