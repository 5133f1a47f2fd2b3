import assert from "node:assert/strict";
import {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  renderExposition,
} from "../../lib/stats/prometheus.ts";

Deno.test("escapeLabelValue() escapes backslash, double quote and line feed only", () => {
  assert.equal(escapeLabelValue('a\\b"c\nd\te'), 'a\\\\b\\"c\\nd\te');
});

Deno.test("escapeHelp() escapes backslash and line feed but not quotes", () => {
  assert.equal(escapeHelp('say "hi"\\\nbye'), 'say "hi"\\\\\\nbye');
});

Deno.test("formatValue() spells infinities and NaN as the format does", () => {
  assert.deepEqual(
    [Infinity, -Infinity, NaN, 0.25, 3].map(formatValue),
    ["+Inf", "-Inf", "NaN", "0.25", "3"],
  );
});

Deno.test("renderExposition() writes cumulative histogram buckets, sum and count", () => {
  const text = renderExposition([
    {
      name: "up",
      help: "Up",
      type: "gauge",
      samples: [{ labels: {}, value: 1 }],
    },
    {
      name: "d_seconds",
      help: "D",
      type: "histogram",
      bounds: [1, 5],
      samples: [{ labels: { a: "x" }, counts: [2, 0, 1], sum: 9.5, count: 3 }],
    },
  ]);
  assert.equal(
    text,
    [
      "# HELP up Up",
      "# TYPE up gauge",
      "up 1",
      "# HELP d_seconds D",
      "# TYPE d_seconds histogram",
      'd_seconds_bucket{a="x",le="1"} 2',
      'd_seconds_bucket{a="x",le="5"} 2',
      'd_seconds_bucket{a="x",le="+Inf"} 3',
      'd_seconds_sum{a="x"} 9.5',
      'd_seconds_count{a="x"} 3',
      "",
    ].join("\n"),
  );
});
