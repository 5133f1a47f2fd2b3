/**
 * @module Warm turns (SPEC §10), with the real Claude Code CLI against the scripted API and the
 * real `hive-harness mcp` server: (1) wake-up → `turn_end` of a trivial warm turn against the
 * same turn cold (`--keep-warm 0`: a fresh claude and MCP server per turn), target ≤ 1/10;
 * (2) the harness's overhead on a warm turn — wake-up → `turn_end` through the harness against
 * writing the user line to a warm claude directly and reading its `result` — target ≤ 10 ms;
 * (3) `hive-harness mcp` answering `initialize` against an empty `deno run`, target ≤ 4×.
 */
import { join } from "node:path";
import { type Harness, startHarness } from "../../lib/harness.ts";
import {
  type SelfCommand,
  writeRuntimeFiles,
} from "../../lib/claude/runtime_files.ts";
import { claudeArgs } from "../../lib/turn/turn_runner.ts";
import { DEFAULT_ALLOWED_TOOLS } from "../../lib/config.ts";
import { benchLogger, waitForEvent } from "../harness_setup.ts";
import { type BenchCase, median, row, sleep } from "../measure.ts";

/** The warm-turn case. */
export const warmTurnCase: BenchCase = {
  name: "warm turn",
  async run(context) {
    const samples = context.quick ? 2 : 15;
    const api = await startApiProcess(context.root);
    const claude = join(
      context.root,
      ".tools",
      "node_modules",
      ".bin",
      "claude",
    );
    const home = await Deno.makeTempDir({ dir: context.tmp, prefix: "home-" });
    const env = claudeEnv(api.url, home);
    const self = mcpCommand(context.root);
    try {
      context.progress("  cold turns (--keep-warm 0)");
      const cold = await harnessTurns(context, { claude, env, self }, 0, {
        samples: Math.max(2, Math.ceil(samples / 3)),
        warmUp: 1,
      });
      context.progress(
        "  warm turns, each beside one on a claude driven directly",
      );
      const directClaude = await startDirectWarm(context, {
        claude,
        env,
        self,
      });
      const direct: number[] = [];
      let warm: number[];
      try {
        warm = await harnessTurns(
          context,
          { claude, env, self },
          600,
          { samples, warmUp: 2 },
          async (sampled) => {
            const ms = await directClaude.turn();
            if (sampled) direct.push(ms);
          },
        );
      } finally {
        await directClaude.close();
      }
      context.progress("  MCP initialize vs empty deno run");
      const mcp = await mcpStarts(context, self, samples);
      context.progress(
        `  splits [sent→turn_start, →first line, →result, →turn_end]: ${
          JSON.stringify(splits.slice(-samples))
        }`,
      );
      const warmMs = median(warm);
      const ownSteps = median(
        splits.slice(-warm.length).map((split) => split[0]! + split[3]!),
      );
      const coldMs = median(cold);
      const directMs = median(direct);
      return [
        row(context, {
          name: "warm turn: wake-up → turn_end vs cold",
          figure: warmMs,
          unit: "ms",
          baseline: coldMs,
          target: "≤ 0.1× cold",
          pass: warmMs <= coldMs / 10,
          note: `warm ${warmMs.toFixed(0)} ms, cold ${
            coldMs.toFixed(0)
          } ms (medians of ${warm.length} / ${cold.length})`,
          details: { warm, cold },
        }),
        row(context, {
          name: "warm turn: harness vs claude driven directly",
          figure: warmMs,
          unit: "ms",
          baseline: directMs,
          target: "adds ≤ 10 ms",
          pass: warmMs - directMs <= 10,
          note: `adds ${
            (warmMs - directMs).toFixed(1)
          } ms; the harness's own steps ${
            ownSteps.toFixed(1)
          } ms (wake-up → turn_start + result → turn_end); medians of ${direct.length}, interleaved`,
          details: { warm, direct, splits },
        }),
        row(context, {
          name: "MCP server: initialize vs empty deno run",
          figure: median(mcp.server),
          unit: "ms",
          baseline: median(mcp.empty),
          target: "≤ 4×",
          pass: median(mcp.server) <= 4 * median(mcp.empty),
          note: `median of ${mcp.server.length}`,
          details: mcp,
        }),
      ];
    } finally {
      await api.close();
    }
  },
};

/** The scripted API in its own process (see `bench/fixtures/scripted_api_server.ts`). */
async function startApiProcess(
  root: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--config",
      join(root, "deno.json"),
      "--frozen",
      join(root, "bench", "fixtures", "scripted_api_server.ts"),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("Cannot start the scripted API: it exited");
    text += value;
  }
  return {
    url: text.trim(),
    async close() {
      child.kill();
      await reader.cancel().catch(() => {});
      await child.status;
    },
  };
}

interface ClaudeSetup {
  claude: string;
  env: Record<string, string>;
  self: SelfCommand;
}

function claudeEnv(apiUrl: string, home: string): Record<string, string> {
  return {
    HOME: home,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    ANTHROPIC_BASE_URL: apiUrl,
    ANTHROPIC_API_KEY: "sk-test",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
  };
}

/** `hive-harness mcp` from source, as `main.ts` starts itself. */
function mcpCommand(root: string): SelfCommand {
  const home = Deno.env.get("HOME") ?? "/root";
  return {
    command: Deno.execPath(),
    args: [
      "run",
      "--allow-all",
      "--config",
      join(root, "deno.json"),
      `--lock=${join(root, "deno.runtime.lock")}`,
      "--frozen",
      join(root, "main.ts"),
    ],
    env: {
      DENO_DIR: Deno.env.get("DENO_DIR") ?? join(home, ".cache", "deno"),
    },
  };
}

/** Wake-up → `turn_end` of `samples` trivial turns through a harness (after `warmUp` turns). */
async function harnessTurns(
  context: { tmp: string },
  setup: ClaudeSetup,
  keepWarmSeconds: number,
  counts: { samples: number; warmUp: number },
  /** Run after each harnessed turn (the direct claude's turn, interleaved to share the noise). */
  after?: (sampled: boolean) => Promise<void>,
): Promise<number[]> {
  const stateDir = await Deno.makeTempDir({
    dir: context.tmp,
    prefix: "warm-",
  });
  const harness = await startHarness({
    agent: "bench",
    role: "agent",
    stateDir,
    hiveSocket: undefined,
    claude: setup.claude,
    // A work dir of its own, as the direct claude has: in the state dir (the default), claude ran
    // slower by tens of ms a turn while the harness's stores changed files in its cwd.
    cwd: await Deno.makeTempDir({ dir: context.tmp, prefix: "work-" }),
    model: undefined,
    allowedTools: undefined,
    keepWarmSeconds,
    version: "bench",
    self: setup.self,
    uiToken: undefined,
  }, {
    log: benchLogger(),
    environment: {
      env: () => undefined,
      hostname: () => "bench-host",
      isWritableDir: () => false,
      cwd: () => stateDir,
    },
    baseEnv: setup.env,
  });
  const times: number[] = [];
  try {
    for (let turn = 0; turn < counts.warmUp + counts.samples; turn++) {
      const ms = await oneTurn(harness);
      if (turn >= counts.warmUp) times.push(ms);
      await sleep(50);
      await after?.(turn >= counts.warmUp);
    }
  } finally {
    await harness.stop();
  }
  return times;
}

/** Where a harnessed turn's time went: sent → turn_start → first stream line, result → turn_end. */
const splits: number[][] = [];

async function oneTurn(harness: Harness): Promise<number> {
  const ended = waitForEvent(
    harness,
    (event) => event.kind === "turn_end",
    120_000,
  );
  const marks: Record<string, number> = {};
  const unsubscribe = harness.parts.bus.subscribe((event) => {
    const now = performance.now();
    const record = event as Record<string, unknown>;
    if (event.kind === "turn_start") marks.start ??= now;
    if (event.kind === "stream") marks.first ??= now;
    if (event.kind === "stream" && record.type === "result") marks.result = now;
  });
  const sent = performance.now();
  const response = await harness.app.request(
    new Request("http://127.0.0.1/api/send", {
      method: "POST",
      body: JSON.stringify({ body: "say ok" }),
      headers: { "content-type": "application/json", host: "127.0.0.1" },
    }),
  );
  await response.body?.cancel();
  const end = await ended;
  unsubscribe();
  splits.push([
    (marks.start ?? NaN) - sent,
    (marks.first ?? NaN) - (marks.start ?? NaN),
    (marks.result ?? NaN) - (marks.first ?? NaN),
    end - (marks.result ?? NaN),
  ].map((ms) => Math.round(ms * 10) / 10));
  while (harness.parts.state.turnState !== "idle") await sleep(1);
  return end - sent;
}

/** A warm claude with the harness's own argv, driven directly: user line → `result` line. */
async function startDirectWarm(
  context: { tmp: string },
  setup: ClaudeSetup,
): Promise<{ turn(): Promise<number>; close(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ dir: context.tmp, prefix: "direct-" });
  // The harness's own files and argv: only the harness itself differs.
  const files = await writeRuntimeFiles({
    runtimeDir: join(dir, "runtime"),
    agent: "bench",
    role: "agent",
    self: setup.self,
    stateDir: dir,
    broker: { db: join(dir, "broker.sqlite") },
  });
  const child = new Deno.Command(setup.claude, {
    args: [
      ...claudeArgs({
        model: "haiku",
        continueSession: false,
        files,
        allowedTools: DEFAULT_ALLOWED_TOOLS,
        maxBudgetUsd: null,
      }),
      "--input-format",
      "stream-json",
    ],
    cwd: dir,
    env: { ...setup.env, DISABLE_AUTO_COMPACT: "1" },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const nextResult = async () => {
    for (;;) {
      const newline = buffer.indexOf("\n");
      if (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.includes('"type":"result"')) return;
        continue;
      }
      const { value, done } = await lines.read();
      if (done) throw new Error("Cannot read a result: claude ended");
      buffer += value;
    }
  };
  return {
    async turn() {
      const sent = performance.now();
      await writer.write(
        new TextEncoder().encode(
          JSON.stringify({
            type: "user",
            message: {
              role: "user",
              content: "Message from operator:\n\nsay ok",
            },
          }) + "\n",
        ),
      );
      await nextResult();
      const ms = performance.now() - sent;
      await sleep(50);
      return ms;
    },
    async close() {
      await writer.close().catch(() => {});
      await lines.cancel().catch(() => {});
      await child.status;
    },
  };
}

/** Spawn → `initialize` answered, for the MCP server and for an empty `deno run`. */
async function mcpStarts(
  context: { tmp: string },
  self: SelfCommand,
  samples: number,
): Promise<{ server: number[]; empty: number[] }> {
  const dir = await Deno.makeTempDir({ dir: context.tmp, prefix: "mcp-" });
  const empty = join(dir, "empty.ts");
  await Deno.writeTextFile(empty, "");
  const server: number[] = [];
  const emptyRuns: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-config", "--no-lock", empty],
      stdout: "null",
      stderr: "null",
    }).output();
    emptyRuns.push(performance.now() - started);
    server.push(await mcpInitialize(self, join(dir, `broker-${i}.sqlite`)));
  }
  return { server, empty: emptyRuns };
}

async function mcpInitialize(
  self: SelfCommand,
  brokerDb: string,
): Promise<number> {
  const started = performance.now();
  const child = new Deno.Command(self.command, {
    args: [...self.args, "mcp", "--agent", "bench", "--broker-db", brokerDb],
    env: self.env ?? {},
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "bench", version: "1" },
        },
      }) + "\n",
    ),
  );
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const ms = performance.now() - started;
  if (!text.includes('"result"')) {
    throw new Error(`Cannot initialize the MCP server: ${text.slice(0, 200)}`);
  }
  await writer.close().catch(() => {});
  await reader.cancel().catch(() => {});
  await child.status;
  return ms;
}
