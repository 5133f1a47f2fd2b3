/**
 * The command line as an operator meets it: help, one-line errors naming the flag with exit 2,
 * refusing to listen beyond loopback without a token, and the one-shot subcommands.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DENO, ROOT } from "./fixtures/harness_process.ts";

async function hive(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
) {
  const child = new Deno.Command(DENO, {
    args: [
      "run",
      "--allow-all",
      "--config",
      join(ROOT, "deno.json"),
      "--frozen",
      join(ROOT, "main.ts"),
      ...args,
    ],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: options.env ?? {},
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

Deno.test("--help prints the usage of each subcommand and exits 0", async (t) => {
  for (
    const command of [
      "",
      "run",
      "hive",
      "mcp",
      "wake",
      "send",
      "stats",
      "vacuum",
    ]
  ) {
    await t.step(command || "(none)", async () => {
      const result = await hive([...(command ? [command] : []), "--help"]);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /Usage: hive-harness/);
    });
  }
});

Deno.test("a bad flag or value is one line naming the flag, exit 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--bogus"], /--bogus/],
    [["--port", "99999"], /--port/],
    [["--role", "boss"], /--role/],
    [["--model", "two words"], /--model/],
    [["wake", "--body", "x"], /--from/],
    [["send", "hello"], /--to/],
    [["hive"], /--socket-dir/],
    [["mcp"], /--agent/],
    [["stats", "--by", "color"], /--by/],
    [["vacuum", "--keep-days", "-1"], /--keep-days/],
    [["frobnicate"], /Unknown subcommand "frobnicate"/],
  ];
  for (const [args, flag] of cases) {
    await t.step(args.join(" "), async () => {
      const result = await hive(args);
      assert.equal(result.code, 2, result.stderr);
      const lines = result.stderr.trim().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, flag);
    });
  }
});

Deno.test("listening beyond loopback without a token is refused with exit 2", async () => {
  const stateDir = await Deno.makeTempDir();
  const result = await hive([
    "--host",
    "0.0.0.0",
    "--port",
    "0",
    "--state-dir",
    stateDir,
  ]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--ui-token/);
});

Deno.test("wake puts a message in the agent's inbox, body from stdin too", async () => {
  const stateDir = await Deno.makeTempDir();
  const first = await hive([
    "wake",
    "--name",
    "alice",
    "--create",
    "--state-dir",
    stateDir,
    "--from",
    "cron",
    "--body",
    "tick",
  ]);
  assert.equal(first.code, 0, first.stderr);
  const second = await hive([
    "wake",
    "--state-dir",
    stateDir,
    "--from",
    "ci",
    "--body",
    "-",
  ], {
    stdin: "build failed\nsee log",
  });
  assert.equal(second.code, 0, second.stderr);
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(join(stateDir, "hyperhive-broker.sqlite"), {
    readOnly: true,
  });
  try {
    const rows = db.prepare(
      'SELECT "from" AS sender, body FROM messages ORDER BY id',
    ).all();
    assert.deepEqual(rows.map((row) => [row.sender, row.body]), [[
      "cron",
      "tick",
    ], ["ci", "build failed\nsee log"]]);
  } finally {
    db.close();
  }
});

Deno.test("stats over a state dir with no store says so and goes on", async () => {
  const empty = await Deno.makeTempDir();
  const result = await hive(["stats", "--json", empty]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(JSON.parse(result.stdout));
});
