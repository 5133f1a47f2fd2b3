/**
 * @module One turn through the whole pump, shared by the pump and flat-over-time cases: a real
 * harness (in this process) served on 127.0.0.1, one live SSE client (in another process, raw
 * socket), and a fake claude printing `lines` lines. Timed from the wake-up sent to the client
 * having seen `turn_end`; the client checks that no seq is missing on the way.
 */
import { join } from "node:path";
import { JsonChild } from "./child.ts";
import {
  benchLogger,
  startBenchHarness,
  writeFakeClaude,
} from "./harness_setup.ts";
import { type BenchContext, sleep } from "./measure.ts";
import type { BusEvent } from "../lib/wire/events.ts";

/** How many `stream` events the bus had emitted at a moment (`performance.now()`). */
export interface PumpMark {
  count: number;
  at: number;
  /** This process's JS heap in use, and the events file's WAL, at that moment (bytes). */
  heapUsed: number;
  walBytes: number;
}

/** What one pump turn measured. */
export interface PumpTurn {
  lines: number;
  /** Wake-up sent → the SSE client saw `turn_end`, in ms. */
  ms: number;
  linesPerSecond: number;
  /** Frames the client got, and seqs it missed. */
  frames: number;
  missing: number;
  /** `stream` events of the bus, timed at the first and every hundredth (flat over time). */
  marks: PumpMark[];
  warnings: string[];
}

/** Run one turn of `lines` lines through a fresh harness and client. */
export async function runPumpTurn(
  context: BenchContext,
  lines: number,
): Promise<PumpTurn> {
  const stateDir = await Deno.makeTempDir({
    dir: context.tmp,
    prefix: "pump-",
  });
  const claude = await writeFakeClaude(
    context.root,
    join(context.tmp, "bin"),
    lines,
  );
  const log = benchLogger();
  const harness = await startBenchHarness({ stateDir, claude, log });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    harness.app.fetch,
  );
  let connected = 0;
  const client = JsonChild.start(
    context.root,
    "bench/fixtures/sse_clients.ts",
    [
      JSON.stringify({
        port: server.addr.port,
        clients: 1,
        endMarker: '"kind":"turn_end"',
        timeoutMs: 600_000,
      }),
    ],
    { onProgress: (message) => connected = message.connected as number },
  );
  // The stream events' count and time at the first and at every hundredth, as the bus sees them.
  const marks: PumpMark[] = [];
  const step = Math.max(1, Math.floor(lines / 100));
  let streamed = 0;
  const unsubscribe = harness.parts.bus.subscribe((event: BusEvent) => {
    if (event.kind !== "stream") return;
    streamed++;
    if (streamed === 1 || streamed % step === 0) {
      marks.push({
        count: streamed,
        at: performance.now(),
        heapUsed: Deno.memoryUsage().heapUsed,
        walBytes: fileSize(`${harness.parts.paths.eventsDb}-wal`),
      });
    }
  });
  try {
    const connectDeadline = performance.now() + 30_000;
    while (connected < 1) {
      if (performance.now() > connectDeadline) {
        throw new Error(`Cannot connect the SSE client: ${client.stderrTail}`);
      }
      await sleep(10);
    }
    const started = performance.now();
    const response = await harness.app.request(
      new Request("http://127.0.0.1/api/send", {
        method: "POST",
        body: JSON.stringify({ body: "go" }),
        headers: { "content-type": "application/json", host: "127.0.0.1" },
      }),
    );
    if (response.status !== 200) {
      throw new Error(`Cannot send the wake-up: ${await response.text()}`);
    }
    const done = await client.next("done", 600_000);
    const ms = performance.now() - started;
    const seen = (done.clients as { frames: number; gaps: number }[])[0]!;
    return {
      lines,
      ms,
      linesPerSecond: lines / (ms / 1000),
      frames: seen.frames,
      missing: seen.gaps,
      marks,
      warnings: [...log.warnings, ...log.errors],
    };
  } finally {
    unsubscribe();
    await client.close();
    await harness.stop();
    await server.shutdown();
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  }
}

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}
