/**
 * @module A real harness for the cases that measure it whole: `startHarness` on a temp state dir
 * (embedded broker, real stores), a logger that keeps only what the bench asks about, and the
 * wrapper script that makes `bench/fixtures/fake_claude.ts` look like a `claude` binary (the
 * harness runs claude with a cleared environment, so the deno path and line count are baked in).
 */
import { join } from "node:path";
import { type Harness, startHarness } from "../lib/harness.ts";
import type { Logger } from "../lib/log.ts";
import { initLine, resultLine, streamLine } from "./fixtures/stream_mix.ts";

/** A logger that counts warnings, keeps errors, and drops the rest. */
export interface BenchLogger extends Logger {
  readonly warnings: string[];
  readonly errors: string[];
}

/** A logger for harnesses under measurement: nothing is written while the clock runs. */
export function benchLogger(): BenchLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  const keep = (list: string[]) => (message: string, fields?: unknown) => {
    // Bounded: a case that warns per event must not turn into a memory benchmark.
    if (list.length < 1000) list.push(`${message} ${JSON.stringify(fields)}`);
  };
  return {
    warnings,
    errors,
    debug: () => {},
    info: () => {},
    warn: keep(warnings),
    error: keep(errors),
  };
}

/** Options for {@linkcode startBenchHarness}. */
export interface BenchHarnessOptions {
  stateDir: string;
  /** The claude to run; a path with nothing behind it when no turn is wanted. */
  claude?: string;
  log: Logger;
}

/** Start a harness as `main.ts` would, minus serving (the caller serves `app.fetch`). */
export function startBenchHarness(
  options: BenchHarnessOptions,
): Promise<Harness> {
  const { stateDir, log } = options;
  return startHarness({
    agent: "bench",
    role: "agent",
    stateDir,
    hiveSocket: undefined,
    claude: options.claude ?? join(stateDir, "no-claude-here"),
    cwd: undefined,
    model: undefined,
    allowedTools: undefined,
    version: "bench",
    self: { command: "true", args: [] },
    uiToken: undefined,
    // The bench's fake claudes print one turn and exit: cold turns, as `--keep-warm 0` runs them.
    // The warm-turn case starts its own harnesses to measure warm ones.
    keepWarmSeconds: 0,
  }, {
    log,
    environment: {
      env: () => undefined,
      hostname: () => "bench-host",
      isWritableDir: () => false,
      cwd: () => stateDir,
    },
    baseEnv: { PATH: "/usr/bin:/bin" },
  });
}

/** Write an executable `claude` into `dir` that prints `lines` lines of the mix; its path. */
export async function writeFakeClaude(
  root: string,
  dir: string,
  lines: number,
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, `claude-${lines}`);
  const env = Object.entries({
    BENCH_LINES: String(lines),
    HOME: Deno.env.get("HOME") ?? "/tmp",
    DENO_DIR: Deno.env.get("DENO_DIR") ?? "",
    DENO_NO_UPDATE_CHECK: "1",
  }).filter(([, value]) => value !== "").map(([key, value]) =>
    `${key}=${quote(value)}`
  ).join(" ");
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec env ${env} ${quote(Deno.execPath())} run --quiet ` +
      `--no-config --no-lock --allow-env --allow-read ` +
      `${quote(join(root, "bench", "fixtures", "fake_claude.ts"))}\n`,
    { mode: 0o755 },
  );
  return path;
}

/**
 * Write a `claude` that is a shell script printing `lines` lines of the mix from a file: it
 * starts in a millisecond, where the deno one takes tens to hundreds under load, so a few ms of
 * harness overhead are not lost in its noise.
 */
export async function writeShellClaude(
  dir: string,
  lines: number,
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const output = join(dir, `lines-${lines}.jsonl`);
  const body = [initLine()];
  for (let i = 0; i < lines; i++) body.push(streamLine(i));
  body.push(resultLine(lines));
  await Deno.writeTextFile(output, body.join("\n") + "\n");
  const path = join(dir, `claude-sh-${lines}`);
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\ncat >/dev/null\nexec cat ${quote(output)}\n`,
    { mode: 0o755 },
  );
  return path;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Resolves with the first event of the bus that `match` accepts (or rejects after `ms`). */
export function waitForEvent(
  harness: Harness,
  match: (event: { kind: string } & Record<string, unknown>) => boolean,
  ms: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`Cannot see the awaited event within ${ms} ms`));
    }, ms);
    const unsubscribe = harness.parts.bus.subscribe((event) => {
      if (!match(event as { kind: string } & Record<string, unknown>)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(performance.now());
    });
  });
}
