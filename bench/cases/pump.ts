/**
 * @module Pump end to end: lines/s from a fake claude child (the realistic mix) through split →
 * parse → seq → event store → one live SSE client, beside (a) the design it replaces, one
 * autocommit INSERT per event with the default journal, and (b) the machine's limit, the same
 * lines split, parsed and inserted in 256-row WAL transactions and nothing else. Runs alternate
 * (b, pump, b, pump, …) so load from elsewhere hits both alike; medians are reported.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { LineSplitter } from "../../lib/io/line_reader.ts";
import { writeFakeClaude } from "../harness_setup.ts";
import { type BenchCase, type BenchContext, median, row } from "../measure.ts";
import { runPumpTurn } from "../pump_run.ts";

/** Rows per transaction of baseline (b). */
const BATCH = 256;

/** The pump case. */
export const pumpCase: BenchCase = {
  name: "pump end to end",
  async run(context) {
    const lines = context.quick ? 2_000 : 200_000;
    const rounds = context.quick ? 1 : 3;
    const pump: number[] = [];
    const limit: number[] = [];
    const old: number[] = [];
    let missing = 0;
    const warnings = new Set<string>();
    for (let round = 0; round < rounds; round++) {
      limit.push(await directInsert(context, lines, "wal-batched", Infinity));
      const turn = await runPumpTurn(context, lines);
      pump.push(turn.linesPerSecond);
      missing += turn.missing;
      for (const warning of turn.warnings) warnings.add(warning);
      old.push(
        await directInsert(
          context,
          lines,
          "autocommit",
          context.quick ? 300 : 3_000,
        ),
      );
      context.progress(
        `  round ${round + 1}: pump ${Math.round(turn.linesPerSecond)}/s, ` +
          `limit ${Math.round(limit.at(-1)!)}/s, old ${
            Math.round(old.at(-1)!)
          }/s`,
      );
    }
    const figure = median(pump);
    const details = {
      lines,
      pump,
      limit,
      old,
      missing,
      warnings: [...warnings],
    };
    const delivered = missing === 0 ? "" : `; the SSE client missed ${missing}`;
    return [
      row(context, {
        name: "pump vs (a) autocommit, default journal",
        figure,
        unit: "lines/s",
        baseline: median(old),
        target: "≥ 50×",
        pass: figure / median(old) >= 50 && missing === 0,
        note: `${lines} lines, median of ${rounds}${delivered}`,
        details,
      }),
      row(context, {
        name: "pump vs (b) split+parse+256-row WAL",
        figure,
        unit: "lines/s",
        baseline: median(limit),
        target: "≥ 0.5×",
        pass: figure / median(limit) >= 0.5 && missing === 0,
        note: `${lines} lines, median of ${rounds}${delivered}`,
      }),
    ];
  },
};

/**
 * Lines/s of the fake claude's output split, parsed and inserted straight into sqlite:
 * `wal-batched` = WAL, synchronous NORMAL, 256-row transactions (the limit); `autocommit` = the
 * default journal and one INSERT per line (the old design), stopped after `maxMs`.
 */
export async function directInsert(
  context: BenchContext,
  lines: number,
  style: "wal-batched" | "autocommit",
  maxMs: number,
): Promise<number> {
  const dir = await Deno.makeTempDir({ dir: context.tmp, prefix: "direct-" });
  const claude = await writeFakeClaude(
    context.root,
    join(context.tmp, "bin"),
    lines,
  );
  const db = new DatabaseSync(join(dir, "events.sqlite"));
  if (style === "wal-batched") {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
  }
  db.exec(
    "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, kind TEXT NOT NULL, payload_json TEXT NOT NULL)",
  );
  const insert = db.prepare(
    "INSERT INTO events (ts, kind, payload_json) VALUES (?, ?, ?)",
  );
  let started = performance.now();
  const child = new Deno.Command(claude, {
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const splitter = new LineSplitter();
  let rows = 0;
  let pending: string[] = [];
  const ts = Math.floor(Date.now() / 1000);
  const write = (texts: string[]) => {
    if (style === "wal-batched") db.exec("BEGIN");
    for (const text of texts) insert.run(ts, "stream", text);
    if (style === "wal-batched") db.exec("COMMIT");
    rows += texts.length;
  };
  const take = (text: string) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof value !== "object" || value === null) return;
    if (style === "autocommit") {
      // Its clock starts at the first row: it only runs a few seconds, spawning is not its cost.
      if (rows === 0) started = performance.now();
      write([text]);
      return;
    }
    pending.push(text);
    if (pending.length >= BATCH) {
      write(pending);
      pending = [];
    }
  };
  const reader = child.stdout.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        for (const item of splitter.flush()) {
          if (item.kind === "line") take(item.text);
        }
        break;
      }
      for (const item of splitter.push(value)) {
        if (item.kind === "line") take(item.text);
      }
      if (performance.now() - started > maxMs) break;
    }
    if (pending.length > 0) write(pending);
    const seconds = (performance.now() - started) / 1000;
    return rows / seconds;
  } finally {
    await reader.cancel().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await child.status;
    db.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
