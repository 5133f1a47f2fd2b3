/**
 * @module One SSE load run, shared by the fan-out, slow-client and memory cases: an event server
 * process (the harness, or the raw baseline), a process of raw-socket clients, events published
 * at a rate (or as fast as the slowest client acknowledges), and what the clients saw.
 */
import { JsonChild, productV8Flags } from "./child.ts";
import { type BenchContext, LatencyHistogram, sleep } from "./measure.ts";

/** What one run is asked to do. */
export interface SseRunOptions {
  mode: "harness" | "raw";
  clients: number;
  /** Events per second; 0 = as fast as the clients take them. */
  rate: number;
  seconds: number;
  count?: number;
  /** Events allowed ahead of the slowest client when `rate` is 0. */
  window?: number;
  /** `small`: only short assistant lines (the memory run); `mix` otherwise. */
  mix?: "mix" | "small";
  stall?: { index: number; afterFrames: number };
  /** Runs while events flow (the slow-client case resumes its client here). */
  during?: (server: JsonChild, clients: JsonChild) => Promise<void>;
  /** Runs once every client has gone, before the server stops (RSS after the load). */
  after?: (server: JsonChild) => Promise<void>;
}

/** What one run measured. */
export interface SseRunResult {
  published: number;
  publishSeconds: number;
  /** Frames received by reading clients, per second of publishing. */
  deliveredPerSecond: number;
  /** The server's CPU time (user + system) per frame delivered, in µs. */
  serverCpuUsPerFrame: number;
  /** Frames every reading client should have had but did not (seq gaps). */
  missing: number;
  p50Ms: number;
  p99Ms: number;
  server: Record<string, unknown>;
  /** Every reading client saw the end marker. */
  clientsDone: boolean;
  /** The clients reported at all (each saw the end or was closed): `missing` means something. */
  clientsReported: boolean;
  /** Reading clients the server closed before the end marker. */
  closedEarly: number;
  /** The server's RSS when it was ready, before any client. */
  readyRss: number;
}

interface ClientReport {
  index: number;
  frames: number;
  gaps: number;
  duplicates: number;
  sawEnd: boolean;
  closedEarly: boolean;
}

/** Run one server/clients pair and tear both down. */
export async function runSse(
  context: BenchContext,
  options: SseRunOptions,
): Promise<SseRunResult> {
  const stateDir = await Deno.makeTempDir({ dir: context.tmp, prefix: "sse-" });
  // BENCH_PROFILE_DIR=dir writes a CPU profile of each server process there.
  const profileDir = Deno.env.get("BENCH_PROFILE_DIR");
  const server = JsonChild.start(
    context.root,
    "bench/fixtures/event_server.ts",
    [options.mode, stateDir, options.mix ?? "mix"],
    {
      denoFlags: [
        ...productV8Flags(context.root),
        ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
        // BENCH_SERVER_FLAGS="--v8-flags=--trace-gc": more flags for the server, to investigate.
        ...(Deno.env.get("BENCH_SERVER_FLAGS")?.split(" ").filter(Boolean) ??
          []),
      ],
    },
  );
  let clients: JsonChild | null = null;
  try {
    const ready = await server.next("ready", 60_000);
    let connected = 0;
    clients = JsonChild.start(context.root, "bench/fixtures/sse_clients.ts", [
      JSON.stringify({
        port: ready.port,
        clients: options.clients,
        endMarker: '"type":"bench_end"',
        timeoutMs: (options.seconds + 90) * 1000,
        ...(options.stall ? { stall: options.stall } : {}),
      }),
    ], {
      denoFlags: profileDir && Deno.env.get("BENCH_PROFILE_CLIENTS")
        ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]
        : [],
      onProgress: (message) => {
        connected = message.connected as number;
        if (options.rate === 0) {
          void server.send({ cmd: "ack", seq: message.minSeq }).catch(
            () => {},
          );
        }
      },
    });
    const connectDeadline = performance.now() + 30_000;
    while (connected < options.clients) {
      if (performance.now() > connectDeadline) {
        throw new Error(
          `Cannot connect ${options.clients} SSE clients: ${connected} after 30 s; ${clients.stderrTail}`,
        );
      }
      await sleep(20);
    }
    await server.send({
      cmd: "publish",
      rate: options.rate,
      seconds: options.seconds,
      count: options.count ?? 1e12,
      window: options.window ?? 2000,
    });
    const during = options.during?.(server, clients);
    const published = await server.next(
      "published",
      (options.seconds + 60) * 1000,
    );
    await during;
    let done: Record<string, unknown> | null = null;
    try {
      done = await clients.next("done", 60_000);
    } catch (error) {
      context.progress(`  clients did not finish: ${error}`);
    }
    await clients.close();
    await options.after?.(server);
    const latency = new LatencyHistogram();
    latency.merge((done?.latency ?? {}) as Record<string, number>);
    const reports = (done?.clients ?? []) as ClientReport[];
    const reading = reports.filter((c) => c.index !== options.stall?.index);
    const frames = reading.reduce((sum, c) => sum + c.frames, 0);
    const seconds = published.seconds as number;
    return {
      published: published.count as number,
      publishSeconds: seconds,
      deliveredPerSecond: frames / seconds,
      serverCpuUsPerFrame: ((published.cpuMs as number) * 1000) / frames,
      missing: reading.reduce((sum, c) => sum + c.gaps, 0),
      p50Ms: latency.percentile(50),
      p99Ms: latency.percentile(99),
      server: published,
      clientsDone: done !== null && reading.every((c) => c.sawEnd),
      clientsReported: done !== null,
      closedEarly: reading.filter((c) => c.closedEarly).length,
      readyRss: ready.rss as number,
    };
  } finally {
    await clients?.close();
    if (Deno.env.get("BENCH_SERVER_FLAGS")) context.progress(server.stderrTail);
    if (await server.close(5000)) {
      context.progress(
        `  the ${options.mode} server did not stop; killed: ${
          server.stderrTail.slice(-300)
        }`,
      );
    }
  }
}
