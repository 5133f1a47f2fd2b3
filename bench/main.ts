// deno-lint-ignore-file no-console
/**
 * @module `deno task bench [--quick] [--only NAME,…]`: every case of issue 7, each measured
 * beside its baseline in the same run, printed as a table and written to `bench/results.json`.
 * `--quick` runs every case at a tiny size in seconds (CI): it proves the cases run and judges
 * nothing about time. A case that throws is reported as a miss (and fails a quick run).
 */
import { parseArgs } from "node:util";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brokerCase } from "./cases/broker.ts";
import { brokerMemoryCase } from "./cases/broker_memory.ts";
import { fanoutCase } from "./cases/fanout.ts";
import { flatCase } from "./cases/flat.ts";
import { historyCase } from "./cases/history.ts";
import { memoryCase } from "./cases/memory.ts";
import { pumpCase } from "./cases/pump.ts";
import { readersCase } from "./cases/readers.ts";
import { slowClientCase } from "./cases/slow_client.ts";
import { statsRowCase } from "./cases/stats_row.ts";
import { turnOverheadCase } from "./cases/turn_overhead.ts";
import { warmTurnCase } from "./cases/warm_turn.ts";
import { type BenchCase, type BenchRow, machineInfo } from "./measure.ts";
import { type BenchResults, formatTable } from "./report.ts";

const CASES: BenchCase[] = [
  pumpCase,
  flatCase,
  fanoutCase,
  slowClientCase,
  historyCase,
  turnOverheadCase,
  statsRowCase,
  memoryCase,
  readersCase,
  brokerCase,
  brokerMemoryCase,
  warmTurnCase,
];

const { values } = parseArgs({
  args: Deno.args,
  strict: true,
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
  },
});
const quick = values.quick ?? false;
const only = values.only?.split(",").map((name) => name.trim().toLowerCase());
const selected = CASES.filter((c) =>
  !only || only.some((name) => c.name.toLowerCase().includes(name))
);
if (selected.length === 0) {
  console.error(`no case matches --only ${values.only}`);
  Deno.exit(2);
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tmp = await Deno.makeTempDir({ prefix: "hive-bench-" });
const startedAt = new Date();
const started = performance.now();
const rows: BenchRow[] = [];
let failed = 0;
try {
  for (const benchCase of selected) {
    console.error(`== ${benchCase.name}${quick ? " (quick)" : ""}`);
    const caseStarted = performance.now();
    try {
      rows.push(
        ...await benchCase.run({
          quick,
          root,
          tmp,
          progress: (message) => console.error(message),
        }),
      );
    } catch (error) {
      failed++;
      console.error(`   ${benchCase.name} failed:`, error);
      rows.push({
        name: benchCase.name,
        figure: NaN,
        unit: "",
        baseline: null,
        ratio: null,
        target: "runs",
        pass: false,
        note: `failed: ${error instanceof Error ? error.message : error}`
          .slice(0, 300),
      });
    }
    console.error(
      `   ${((performance.now() - caseStarted) / 1000).toFixed(1)} s`,
    );
  }
} finally {
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
}

const results: BenchResults = {
  command: `deno task bench${quick ? " --quick" : ""}${
    values.only ? ` --only ${values.only}` : ""
  }`,
  quick,
  startedAt: startedAt.toISOString(),
  seconds: (performance.now() - started) / 1000,
  deno: Deno.version,
  machine: machineInfo(),
  rows,
};
const table = formatTable(rows);
console.log(table);
console.log(
  `\n${results.command}: ${
    results.seconds.toFixed(0)
  } s, deno ${Deno.version.deno}, ${results.machine.cpu} × ${results.machine.cores}, ${results.machine.memoryMb} MB, load ${
    results.machine.loadAverage.map((n) => n.toFixed(1)).join(" ")
  }`,
);
await Deno.writeTextFile(
  join(root, "bench", "results.json"),
  JSON.stringify(results, null, 2) + "\n",
);
// A quick run is CI's proof that every case runs; time is never judged there.
if (failed > 0) Deno.exit(1);
