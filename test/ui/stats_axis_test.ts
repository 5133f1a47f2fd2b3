import assert from "node:assert/strict";
import {
  bucketTitle,
  niceCeiling,
  tickIndexes,
  tickLabel,
} from "../../ui/src/stats_axis.ts";

const HOUR = 3600;
const DAY = 24 * HOUR;

Deno.test("niceCeiling() rounds up to 1, 2, 2.5 or 5 × 10ⁿ; counts stay whole", () => {
  const cases: [number, boolean, number | null][] = [
    [0, false, null],
    [-3, false, null],
    [Number.NaN, false, null],
    [1, true, 1],
    [3, true, 5],
    [2.1, true, 3],
    [7, true, 10],
    [0.0071, false, 0.01],
    [0.0023, false, 0.0025],
    [0.3, false, 0.5],
    [0.30000000000000004, false, 0.5],
    [950_000, false, 1_000_000],
    [120_000, false, 200_000],
    [40_000, false, 50_000],
  ];
  for (const [value, integer, expected] of cases) {
    assert.equal(niceCeiling(value, integer), expected, `${value}`);
  }
});

Deno.test("tickLabel() writes hours for hourly buckets and UTC days for daily ones", () => {
  const monday = Date.UTC(2026, 0, 12) / 1000;
  assert.match(tickLabel(monday + 14 * HOUR, HOUR, 24), /^\d\d:00$/);
  assert.equal(tickLabel(monday, DAY, 7), "Mon 12");
  assert.equal(tickLabel(monday, DAY, 30), "Jan 12");
  assert.equal(bucketTitle(monday, DAY), "Mon, Jan 12 (UTC day)");
  assert.match(
    bucketTitle(monday + 14 * HOUR, HOUR),
    /^\w{3} \d\d:00–\d\d:00$/,
  );
});

Deno.test("tickIndexes() labels as many buckets as fit, always the newest day", () => {
  const days = Array.from({ length: 30 }, (_, i) => i * DAY);
  const wide = tickIndexes(days, DAY, 1000);
  assert.deepEqual(wide.slice(-3), [25, 27, 29]);
  const narrow = tickIndexes(days, DAY, 250);
  assert.ok(narrow.length <= 4 && narrow.at(-1) === 29, `${narrow}`);
  const week = tickIndexes(days.slice(0, 7), DAY, 400);
  assert.deepEqual(week, [0, 1, 2, 3, 4, 5, 6]);
  // Hours land on round local hours: every label is a multiple of the step.
  const start = Date.UTC(2026, 0, 12) / 1000;
  const hours = Array.from({ length: 24 }, (_, i) => start + i * HOUR);
  const labelled = tickIndexes(hours, HOUR, 300);
  assert.ok(labelled.length >= 2 && labelled.length <= 6, `${labelled}`);
  const hourOf = (i: number) => new Date(hours[i]! * 1000).getHours();
  const step = hourOf(labelled[1]!) - hourOf(labelled[0]!);
  assert.ok(labelled.every((i) => hourOf(i) % step === 0), `${labelled}`);
});
