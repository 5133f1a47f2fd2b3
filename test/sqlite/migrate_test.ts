import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import {
  hasColumn,
  migrate,
  type Migration,
  SchemaTooNewError,
  schemaVersion,
} from "../../lib/sqlite/migrate.ts";
import { openDatabase } from "../../lib/sqlite/open.ts";

async function withDb(
  fn: (db: DatabaseSync, path: string) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "test.sqlite");
  const db = new DatabaseSync(path);
  try {
    await fn(db, path);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function tables(db: DatabaseSync): string[] {
  return (db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
  ).all() as { name: string }[])
    .map((row) => row.name);
}

const STEPS: Migration[] = [
  {
    version: 1,
    name: "create a",
    sql: "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT)",
  },
  {
    version: 2,
    name: "create b",
    sql:
      "CREATE TABLE b (id INTEGER PRIMARY KEY); INSERT INTO a (x) VALUES ('from 2')",
  },
  {
    version: 3,
    name: "add a.y",
    sql: "ALTER TABLE a ADD COLUMN y INTEGER NOT NULL DEFAULT 0",
  },
];

Deno.test("migrate() applies every step in order and counts them in user_version", async () => {
  await withDb((db) => {
    // Step 2 inserts into step 1's table and step 3 alters it: any other order fails.
    assert.deepEqual(migrate(db, STEPS), [1, 2, 3]);
    assert.equal(schemaVersion(db), 3);
    assert.deepEqual(tables(db), ["a", "b"]);
    assert.equal(hasColumn(db, "a", "y"), true);
  });
});

Deno.test("migrate() a second time applies nothing", async () => {
  await withDb((db) => {
    migrate(db, STEPS);
    assert.deepEqual(migrate(db, STEPS), []);
    assert.equal(
      (db.prepare("SELECT count(*) AS n FROM a").get() as { n: number }).n,
      1,
    );
  });
});

Deno.test("migrate() on a file at version 1 applies only the newer steps", async () => {
  await withDb((db) => {
    migrate(db, STEPS.slice(0, 1));
    assert.equal(schemaVersion(db), 1);
    assert.deepEqual(migrate(db, STEPS), [2, 3]);
    assert.equal(schemaVersion(db), 3);
  });
});

Deno.test("migrate() refuses a database newer than the code and leaves it untouched", async () => {
  await withDb((db) => {
    db.exec("CREATE TABLE future (x); PRAGMA user_version = 5");
    assert.throws(() => migrate(db, STEPS), (error: unknown) => {
      assert.ok(error instanceof SchemaTooNewError);
      assert.equal(error.name, "SchemaTooNewError");
      assert.match(
        error.message,
        /schema version 5 is newer than this harness knows \(3\)/,
      );
      return true;
    });
    assert.equal(schemaVersion(db), 5);
    assert.deepEqual(tables(db), ["future"]);
  });
});

Deno.test("migrate() refuses a step list that is not numbered 1..n, before touching the file", async (t) => {
  const cases: [string, Migration[]][] = [
    ["starts at 0", [{ version: 0, name: "zero", sql: "CREATE TABLE z (x)" }]],
    ["gap", [STEPS[0]!, { ...STEPS[2]! }]],
    ["out of order", [STEPS[1]!, STEPS[0]!]],
    ["duplicate", [STEPS[0]!, { ...STEPS[0]!, version: 1 }]],
  ];
  for (const [name, steps] of cases) {
    await t.step(name, async () => {
      await withDb((db) => {
        assert.throws(() => migrate(db, steps), RangeError);
        assert.equal(schemaVersion(db), 0);
        assert.deepEqual(tables(db), []);
      });
    });
  }
});

Deno.test("migrate() rolls a failing step back whole, keeps the steps before it, and names the step", async (t) => {
  const cases: [string, Migration["sql"]][] = [
    [
      "sql fails midway",
      "CREATE TABLE b (id INTEGER PRIMARY KEY); INSERT INTO a (x) VALUES ('half'); CREATE TABLE a (x)",
    ],
    ["a later statement fails", [
      "CREATE TABLE b (id INTEGER PRIMARY KEY)",
      "INSERT INTO a (x) VALUES ('half')",
      { table: "nope", column: "z", sql: "ALTER TABLE nope ADD COLUMN z" },
    ]],
  ];
  for (const [name, sql] of cases) {
    await t.step(name, async () => {
      await withDb((db) => {
        const failing: Migration[] = [STEPS[0]!, {
          version: 2,
          name: "create b",
          sql,
        }, STEPS[2]!];
        assert.throws(() => migrate(db, failing), (error: unknown) => {
          assert.ok(error instanceof Error);
          assert.match(
            error.message,
            /^Cannot migrate to version 2 \(create b\): /,
          );
          assert.ok(error.cause instanceof Error, "the cause is kept");
          return true;
        });
        assert.equal(
          schemaVersion(db),
          1,
          "step 1 stays applied, step 2 is not counted",
        );
        assert.deepEqual(
          tables(db),
          ["a"],
          "table b of the failed step was rolled back",
        );
        assert.equal(
          (db.prepare("SELECT count(*) AS n FROM a").get() as { n: number }).n,
          0,
        );
        assert.equal(
          hasColumn(db, "a", "y"),
          false,
          "no step after the failing one ran",
        );
        assert.equal(
          db.isTransaction,
          false,
          "the connection is not left inside a transaction",
        );
        // The fixed list then migrates the same file.
        assert.deepEqual(migrate(db, STEPS), [2, 3]);
      });
    });
  }
});

Deno.test("migrate() holds the write lock per step: three processes racing on a new file apply each step once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "race.sqlite");
    const sqliteModule =
      new URL("../../lib/sqlite/open.ts", import.meta.url).href;
    // Each step takes a while and records which process ran it; step 1 fails if run twice.
    const code = `
      import { openDatabase } from ${JSON.stringify(sqliteModule)};
      // A recursive count keeps each step busy for a while inside its transaction.
      const slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT count(*) FROM n";
      const step = (version, sql) => ({ version, name: "step " + version, sql: [
        slow,
        sql,
        "INSERT INTO ran (version) VALUES (" + version + ")",
      ] });
      const steps = [
        step(1, "CREATE TABLE ran (version INTEGER); CREATE TABLE t (x)"),
        step(2, "ALTER TABLE t ADD COLUMN y"),
        step(3, "CREATE TABLE u (x)"),
      ];
      const db = openDatabase(${
      JSON.stringify(path)
    }, steps, { busyTimeoutMs: 10000 });
      db.close();
    `;
    const runs = Array.from(
      { length: 3 },
      () =>
        new Deno.Command(Deno.execPath(), {
          args: ["eval", code],
          stdout: "piped",
          stderr: "piped",
        }).output(),
    );
    const outputs = await Promise.all(runs);
    for (const output of outputs) {
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    }
    const db = new DatabaseSync(path);
    try {
      assert.equal(schemaVersion(db), 3);
      const ran = db.prepare("SELECT version FROM ran ORDER BY version")
        .all() as { version: number }[];
      assert.deepEqual(ran.map((row) => row.version), [1, 2, 3]);
      assert.equal(hasColumn(db, "t", "y"), true);
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDatabase() refuses a newer file naming its path, in WAL mode otherwise", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "sub", "x.sqlite");
    const db = openDatabase(path, STEPS);
    assert.equal(
      (db.prepare("PRAGMA journal_mode").get() as { journal_mode: string })
        .journal_mode,
      "wal",
    );
    assert.equal(schemaVersion(db), 3);
    db.exec("PRAGMA user_version = 9");
    db.close();
    assert.throws(() => openDatabase(path, STEPS), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.ok(
        error.message.startsWith(`Cannot open database "${path}": `),
        error.message,
      );
      assert.ok(error.cause instanceof SchemaTooNewError);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hasColumn() reads a table's columns", async () => {
  await withDb((db) => {
    migrate(db, STEPS);
    assert.equal(hasColumn(db, "a", "x"), true);
    assert.equal(hasColumn(db, "a", "nope"), false);
    assert.equal(hasColumn(db, "missing", "x"), false);
  });
});

Deno.test("migrate() adds a step's conditional column only where the table lacks it", async (t) => {
  const adopt: Migration[] = [{
    version: 1,
    name: "adopt a",
    sql: [
      "CREATE TABLE IF NOT EXISTS a (id INTEGER PRIMARY KEY, x TEXT, y INTEGER)",
      { table: "a", column: "y", sql: "ALTER TABLE a ADD COLUMN y INTEGER" },
    ],
  }];
  await t.step("a fresh file gets the column from CREATE TABLE", async () => {
    await withDb((db) => {
      assert.deepEqual(migrate(db, adopt), [1]);
      assert.equal(hasColumn(db, "a", "y"), true);
    });
  });
  await t.step(
    "an older file without it gets it added, rows kept",
    async () => {
      await withDb((db) => {
        db.exec("CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT)");
        db.exec("INSERT INTO a (x) VALUES ('old')");
        assert.deepEqual(migrate(db, adopt), [1]);
        assert.equal(hasColumn(db, "a", "y"), true);
        assert.deepEqual(
          { ...db.prepare("SELECT x, y FROM a").get() },
          { x: "old", y: null },
        );
      });
    },
  );
});
