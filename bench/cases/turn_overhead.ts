/**
 * @module Turn overhead: the time the harness adds to a turn, where it is on the critical path:
 * wake-up sent → first stream line seen on the bus, and `result` line seen → turn-stats row
 * committed (`turn_stats_recorded`). The baseline is the same fake claude spawned directly:
 * spawn → first line read, result line read → child exited and its output closed. The fake is
 * a shell script (`cat` of the mix), so its own start-up noise does not swamp a few ms.
 */
import { join } from "node:path";
import type { BusEvent } from "../../lib/wire/events.ts";
import {
  benchLogger,
  startBenchHarness,
  writeShellClaude,
} from "../harness_setup.ts";
import { type BenchCase, median, row, sleep } from "../measure.ts";

/** Body lines of the fake claude's turn (between init and result). */
const LINES = 4;

/** The turn-overhead case. */
export const turnOverheadCase: BenchCase = {
  name: "turn overhead",
  async run(context) {
    const turns = context.quick ? 2 : 25;
    const claude = await writeShellClaude(join(context.tmp, "bin"), LINES);
    const direct: number[] = [];
    const harnessed: number[] = [];
    const split: [number, number][] = [];
    const stateDir = await Deno.makeTempDir({
      dir: context.tmp,
      prefix: "turns-",
    });
    const log = benchLogger();
    const harness = await startBenchHarness({ stateDir, claude, log });
    try {
      for (let turn = 0; turn < turns; turn++) {
        direct.push(await directTurn(claude));
        const [start, end] = await harnessTurn(harness);
        harnessed.push(start + end);
        split.push([start, end]);
        await sleep(20);
      }
    } finally {
      await harness.stop();
    }
    if (log.errors.length > 0) {
      context.progress(
        `  harness errors: ${log.errors.slice(0, 3).join("; ")}`,
      );
    }
    const figure = median(harnessed);
    const baseline = median(direct);
    return [row(context, {
      name: "turn overhead: critical path per turn",
      figure,
      unit: "ms",
      baseline,
      target: "adds ≤ 20 ms",
      pass: figure - baseline <= 20,
      note: `adds ${(figure - baseline).toFixed(1)} ms (start ${
        median(split.map(([s]) => s)).toFixed(1)
      } + end ${
        median(split.map(([, e]) => e)).toFixed(1)
      } ms); median of ${turns}`,
      details: { direct, harnessed, split },
    })];
  },
};

type Harness = Awaited<ReturnType<typeof startBenchHarness>>;

/** One turn through the harness: [sent → first line, result line → row committed] in ms. */
async function harnessTurn(harness: Harness): Promise<[number, number]> {
  let first = 0;
  let result = 0;
  let recorded = 0;
  const done = Promise.withResolvers<void>();
  const unsubscribe = harness.parts.bus.subscribe((event: BusEvent) => {
    const now = performance.now();
    if (event.kind === "stream") {
      if (first === 0) first = now;
      if ((event as Record<string, unknown>).type === "result") result = now;
    } else if (event.kind === "turn_stats_recorded") {
      recorded = now;
      done.resolve();
    }
  });
  const timer = setTimeout(
    () => done.reject(new Error("Cannot finish a turn within 30 s")),
    30_000,
  );
  try {
    const sent = performance.now();
    const response = await harness.app.request(
      new Request("http://127.0.0.1/api/send", {
        method: "POST",
        body: JSON.stringify({ body: "go" }),
        headers: { "content-type": "application/json", host: "127.0.0.1" },
      }),
    );
    await response.body?.cancel();
    await done.promise;
    // Let the loop mark the wake-up delivered and go idle before the next one.
    while (harness.parts.state.turnState !== "idle") await sleep(1);
    return [first - sent, recorded - result];
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}

/** The same claude spawned directly: spawn → first line, result line → exited and closed. */
export async function directTurn(claude: string): Promise<number> {
  const started = performance.now();
  const child = new Deno.Command(claude, {
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("Message from operator:\n\ngo"));
  await writer.close();
  const stderr = child.stderr.pipeTo(new WritableStream());
  let first = 0;
  let result = 0;
  let text = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    if (first === 0 && chunk.includes("\n")) first = performance.now();
    text += chunk;
    if (result === 0 && text.includes('"type":"result"')) {
      result = performance.now();
    }
  }
  await child.status;
  await stderr;
  const ended = performance.now();
  return first - started + (ended - result);
}
