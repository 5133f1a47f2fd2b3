/**
 * @module Broker memory under pipelining: 24 connections to one agent's socket each start a long
 * `recv` and pipeline 1 MiB request lines behind it without reading answers (the load that once
 * took the hive to 1.8 GB and kept it there). The hive runs in a process of its own; its RSS is
 * read from /proc before the load, at the load's peak, and after the load is gone (watched for up
 * to a minute: V8 collects an idle process's garbage on its own schedule). Target: RSS after ≤
 * 1.3× RSS before.
 */
import { JsonChild, productV8Flags } from "../child.ts";
import {
  type BenchCase,
  type BenchContext,
  type BenchRow,
  row,
  sleep,
} from "../measure.ts";

/** The broker-memory case. */
export const brokerMemoryCase: BenchCase = {
  name: "broker-memory",
  async run(context) {
    const connections = context.quick ? 2 : 24;
    const linesEach = context.quick ? 2 : 32;
    const recvSeconds = context.quick ? 1 : 3;
    const dir = await Deno.makeTempDir({ dir: context.tmp, prefix: "hive-" });
    const hive = JsonChild.start(
      context.root,
      "bench/fixtures/hive_server.ts",
      [dir, "a"],
      { denoFlags: productV8Flags(context.root) },
    );
    try {
      const ready = await hive.next("ready", 60_000);
      const path = (ready.sockets as Record<string, string>).a!;
      await sleep(context.quick ? 200 : 1500);
      const before = rssOf(hive.pid);
      const peak = await pipeline(context, path, {
        connections,
        linesEach,
        recvSeconds,
        pid: hive.pid,
      });
      // The long recvs end and their connections go; what they held is garbage then, and V8
      // collects an idle process's garbage on its own schedule (its memory reducer, 20-40 s
      // here): watch until RSS is back within the target or a minute is over.
      const left = performance.now();
      const settleMs = context.quick ? 1000 : 60_000;
      let after = rssOf(hive.pid);
      while (after / before > 1.3 && performance.now() - left < settleMs) {
        await sleep(500);
        after = rssOf(hive.pid);
      }
      const settledS = (performance.now() - left) / 1000;
      const rows: BenchRow[] = [
        row(context, {
          name:
            `broker: hive RSS after ${connections} pipelining connections left`,
          figure: after / 1e6,
          unit: "MB",
          baseline: before / 1e6,
          target: "≤ 1.3×",
          pass: after / before <= 1.3,
          note: `peak ${
            (peak / 1e6).toFixed(0)
          } MB while ${connections} × ${linesEach} lines of 1 MiB were pipelined behind a ${recvSeconds} s recv; RSS read ${
            settledS.toFixed(0)
          } s after they left; baseline = RSS before`,
          details: { before, peak, after, settledS, connections, linesEach },
        }),
      ];
      return rows;
    } finally {
      await hive.close(5000);
    }
  },
};

function rssOf(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}

/** Open the connections, pipeline behind a recv each, return the peak RSS seen; then close. */
async function pipeline(
  context: BenchContext,
  path: string,
  load: {
    connections: number;
    linesEach: number;
    recvSeconds: number;
    pid: number;
  },
): Promise<number> {
  const encoder = new TextEncoder();
  const recv = encoder.encode(
    JSON.stringify({ cmd: "recv", "wait_seconds": load.recvSeconds }) + "\n",
  );
  const pad = "x".repeat(1024 * 1024 - 64);
  const big = encoder.encode(JSON.stringify({ cmd: "status", pad }) + "\n");
  const conns: Deno.UnixConn[] = [];
  const writing: Promise<void>[] = [];
  for (let i = 0; i < load.connections; i++) {
    const conn = await Deno.connect({ transport: "unix", path });
    conns.push(conn);
    writing.push((async () => {
      try {
        await writeAll(conn, recv);
        for (let line = 0; line < load.linesEach; line++) {
          await writeAll(conn, big);
        }
      } catch {
        // Closed under a blocked write: the load is over.
      }
    })());
  }
  let peak = 0;
  const until = performance.now() + (context.quick ? 500 : 2500);
  while (performance.now() < until) {
    peak = Math.max(peak, rssOf(load.pid));
    await sleep(100);
  }
  context.progress(`   peak RSS ${(peak / 1e6).toFixed(0)} MB; closing`);
  for (const conn of conns) {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
  await Promise.all(writing);
  return peak;
}

async function writeAll(conn: Deno.UnixConn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) {
    offset += await conn.write(bytes.subarray(offset));
  }
}
