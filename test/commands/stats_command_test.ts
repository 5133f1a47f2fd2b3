import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { turnStatsRow } from "../fixtures/turn_stats_row.ts";
import { join } from "node:path";
import { schemaVersion } from "../../lib/sqlite/migrate.ts";
import { openDatabase } from "../../lib/sqlite/open.ts";
import {
  parseStatsArgs,
  runStats,
  type StatsOptions,
} from "../../lib/commands/stats_command.ts";
import type { TurnStatsRow } from "../../lib/stats/turn_stats_row.ts";
import {
  TURN_STATS_MIGRATIONS,
  TurnStatsStore,
} from "../../lib/stats/turn_stats_store.ts";
import { UsageError } from "../../lib/commands/flags.ts";

const DAY1 = Date.UTC(2026, 0, 10, 12) / 1000;
const DAY2 = Date.UTC(2026, 0, 11, 12) / 1000;

function row(overrides: Partial<TurnStatsRow> = {}): TurnStatsRow {
  return turnStatsRow({
    started_at: DAY1 - 10,
    ended_at: DAY1,
    duration_ms: 10_000,
    input_tokens: 100,
    output_tokens: 1000,
    cache_read_input_tokens: 5000,
    cache_creation_input_tokens: 700,
    last_input_tokens: 1,
    last_output_tokens: 2,
    last_cache_read_input_tokens: 3,
    last_cache_creation_input_tokens: 4,
    cost_usd: 0.5,
    num_turns: 1,
    tool_call_count: 2,
    tool_call_breakdown_json: '{"Bash":2}',
    ...overrides,
  });
}

/** A host with four agents: two stores (one Rust-written), one without, one corrupt. */
function makeHost(): { root: string; dispose: () => void } {
  const root = Deno.makeTempDirSync({ prefix: "stats_command_" });
  for (const name of ["alice", "bob", "carol", "dave"]) {
    Deno.mkdirSync(join(root, name));
  }
  const db = openDatabase(
    join(root, "alice", "hyperhive-turn-stats.sqlite"),
    TURN_STATS_MIGRATIONS,
  );
  const store = new TurnStatsStore(db);
  store.record(row());
  store.record(
    row({
      result_kind: "failed",
      duration_ms: 30_000,
      tool_call_breakdown_json: '{"Read":1}',
    }),
  );
  store.record(row({ ended_at: DAY2, model: "sonnet", cost_usd: 1.25 }));
  db.close();
  const rust = new DatabaseSync(
    join(root, "bob", "hyperhive-turn-stats.sqlite"),
  );
  rust.exec(
    `CREATE TABLE turn_stats (id INTEGER PRIMARY KEY, agent TEXT, role TEXT, model TEXT,
    wake_from TEXT, result_kind TEXT, started_at INTEGER, ended_at INTEGER, duration_ms INTEGER,
    input_tokens INTEGER, output_tokens INTEGER, cache_read_input_tokens INTEGER,
    cache_creation_input_tokens INTEGER, cost_usd REAL, num_turns INTEGER, session_id TEXT,
    tool_call_count INTEGER, tool_call_breakdown_json TEXT, open_threads_count INTEGER,
    open_reminders_count INTEGER, note TEXT)`,
  );
  rust.exec(
    `INSERT INTO turn_stats VALUES (1, 'bob', 'manager', 'opus', 'alice', 'prompt_too_long',
    ${
      DAY2 - 5
    }, ${DAY2}, 5000, 1, 2, 3, 4, NULL, NULL, NULL, 0, '{}', NULL, NULL, 'Prompt is too long')`,
  );
  rust.close();
  Deno.writeTextFileSync(
    join(root, "dave", "hyperhive-turn-stats.sqlite"),
    "not sqlite ".repeat(400),
  );
  return { root, dispose: () => Deno.removeSync(root, { recursive: true }) };
}

async function run(
  options: StatsOptions,
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runStats(options, {
    write: (text) => void (out += text),
    writeError: (text) => void (err += text),
    now: () => DAY2 * 1000,
  });
  return { code, out, err };
}

Deno.test("stats --json adds up every readable store and names the missing and bad ones", async () => {
  const { root, dispose } = makeHost();
  try {
    const options = parseStatsArgs([
      join(root, "*"),
      join(root, "nobody-*"),
      "--by",
      "agent",
      "--json",
    ]);
    const { code, out, err } = await run(options);
    assert.equal(code, 1);
    const report = JSON.parse(out);
    assert.deepEqual(
      report.dirs.map((
        d: { dir: string; status: string; rows: number },
      ) => [d.dir, d.status, d.rows]),
      [
        [join(root, "alice"), "ok", 3],
        [join(root, "bob"), "ok", 1],
        [join(root, "carol"), "missing", 0],
        [join(root, "dave"), "bad", 0],
        [join(root, "nobody-*"), "missing", 0],
      ],
    );
    assert.deepEqual(
      report.groups.map((
        g: { key: string; turns: number },
      ) => [g.key, g.turns]),
      [
        ["alice", 3],
        ["bob", 1],
      ],
    );
    assert.deepEqual(report.total.result, {
      ok: 2,
      failed: 1,
      prompt_too_long: 1,
    });
    assert.deepEqual(report.total.tokens, {
      input: 301,
      output: 3002,
      cache_read: 15003,
      cache_creation: 2104,
    });
    assert.equal(report.total.cost_usd, 2.25);
    assert.deepEqual(report.total.top_tools, [{ tool: "Bash", calls: 4 }, {
      tool: "Read",
      calls: 1,
    }]);
    assert.match(err, /carol: no store/);
    assert.match(err, /dave: cannot read .*not a database/);
    assert.match(err, /nobody-\*: no directory matches/);
  } finally {
    dispose();
  }
});

Deno.test("stats prints a table by day with totals, filtered by --since and --until", async () => {
  const { root, dispose } = makeHost();
  try {
    const all = await run(
      parseStatsArgs([join(root, "alice"), join(root, "bob")]),
    );
    assert.equal(all.code, 0);
    assert.equal(all.err, "");
    const lines = all.out.split("\n");
    assert.match(lines[0]!, /^Turn stats by day over 2 of 2 state dir\(s\)$/);
    assert.match(
      lines[2]!,
      /^day\s+turns\s+ok\s+failed\s+too long\s+input\s+output/,
    );
    assert.match(
      all.out,
      /^2026-01-10\s+2\s+1\s+1\s+0\s+200\s+2,000\s+10,000\s+1,400\s+1\.00\s+10\.0s\s+30\.0s\s+Bash 2, Read 1$/m,
    );
    assert.match(all.out, /^2026-01-11\s+2\s+1\s+0\s+1\s+/m);
    assert.match(
      all.out,
      /^total\s+4\s+2\s+1\s+1\s+301\s+3,002\s+15,003\s+2,104\s+2\.25\s/m,
    );

    const day2 = await run(
      parseStatsArgs([join(root, "alice"), "--since", "2026-01-11"]),
    );
    assert.match(day2.out, /^total\s+1\s+1\s+0\s+0\s/m);
    const day1 = await run(
      parseStatsArgs([join(root, "alice"), "--until", "2026-01-10"]),
    );
    assert.match(day1.out, /^total\s+2\s+1\s+1\s+0\s/m);
  } finally {
    dispose();
  }
});

Deno.test("stats reads without writing: a Rust file stays unmigrated, a locked store is still read", async () => {
  const { root, dispose } = makeHost();
  try {
    const bobPath = join(root, "bob", "hyperhive-turn-stats.sqlite");
    const before = Deno.readFileSync(bobPath);
    const writer = new DatabaseSync(
      join(root, "alice", "hyperhive-turn-stats.sqlite"),
    );
    writer.exec("BEGIN IMMEDIATE");
    try {
      const { code, out } = await run(
        parseStatsArgs([join(root, "alice"), join(root, "bob"), "--json"]),
      );
      assert.equal(code, 0);
      assert.equal(JSON.parse(out).total.turns, 4);
    } finally {
      writer.exec("ROLLBACK");
      writer.close();
    }
    assert.deepEqual(Deno.readFileSync(bobPath), before);
    const bob = new DatabaseSync(bobPath, { readOnly: true });
    assert.equal(schemaVersion(bob), 0);
    bob.close();
  } finally {
    dispose();
  }
});

Deno.test("parseStatsArgs() reads flags and rejects bad ones naming the flag", async (t) => {
  assert.deepEqual(parseStatsArgs([]), {
    dirs: [],
    since: null,
    until: null,
    by: "day",
    json: false,
  });
  assert.deepEqual(
    parseStatsArgs([
      "a",
      "b/*",
      "--since",
      "2026-01-10",
      "--until",
      "2026-01-10",
      "--by",
      "model",
    ]),
    {
      dirs: ["a", "b/*"],
      since: DAY1 - 12 * 3600,
      until: DAY1 + 12 * 3600,
      by: "model",
      json: false,
    },
  );
  assert.equal(parseStatsArgs(["--since", "2026-01-10T12:00:00Z"]).since, DAY1);
  const cases: [string[], string][] = [
    [["--by", "week"], "--by"],
    [["--since", "yesterday"], "--since"],
    [["--since", "2026-02-31"], "--since"],
    [["--until", "2026-13-01"], "--until"],
    [["--since", "2026-01-11", "--until", "2026-01-10"], "--until"],
    [["--nope"], "--nope"],
    [["--since"], "--since"],
  ];
  for (const [args, flag] of cases) {
    await t.step(args.join(" "), () => {
      assert.throws(() => parseStatsArgs(args), (error) => {
        assert.ok(error instanceof UsageError);
        assert.equal(error.flag, flag);
        assert.ok(error.message.includes(flag), error.message);
        return true;
      });
    });
  }
});
