import assert from "node:assert/strict";
import { cardCost, exactCost, exactCount } from "../../ui/src/stats_format.ts";

Deno.test("cardCost() keeps small sums' detail and writes larger ones to the cent", () => {
  const cases: [number, string][] = [
    [0, "$0"],
    [0.0071, "$0.0071"],
    [0.01834, "$0.0183"],
    [0.0999, "$0.0999"],
    [0.5912, "$0.59"],
    [1.2345, "$1.23"],
    [1.2416, "$1.24"],
    [250.4, "$250"],
  ];
  for (const [usd, text] of cases) assert.equal(cardCost(usd), text, `${usd}`);
});

Deno.test("exactCost() and exactCount() write a tooltip's figures in full", () => {
  assert.equal(exactCost(0.0071), "$0.0071");
  assert.equal(exactCost(0.000018), "$0.000018");
  assert.equal(exactCost(0.0000001), "<$0.000001");
  assert.equal(exactCost(0.5912), "$0.591");
  assert.equal(exactCost(12.5), "$12.50");
  assert.equal(exactCost(Number.NaN), "$0");
  assert.equal(exactCount(21934), "21,934");
  assert.equal(exactCount(3700.4), "3,700");
});
