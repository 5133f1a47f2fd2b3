import assert from "node:assert/strict";
import {
  createLogger,
  createMemoryLogger,
  type LogLevel,
  redactSecrets,
} from "../lib/log.ts";

const API_KEY = "sk-ant-api03-AbC123_xyz-" + "q".repeat(60) + "AA";
const OAUTH_TOKEN = "sk-ant-oat01-ZZtop_99-" + "w".repeat(60) + "AA";
const OTHER_KEY = "sk-proj-Abcdef123456";
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";

function captureLogger(
  level: LogLevel = "debug",
  base: Record<string, unknown> = {},
) {
  const lines: string[] = [];
  const log = createLogger({
    write: (line) => void lines.push(line),
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
    level,
    base,
  });
  return { log, lines };
}

Deno.test("redactSecrets() hides API keys, OAuth tokens and Bearer tokens", async (t) => {
  const cases: [string, string, string][] = [
    ["API key", `key is ${API_KEY}, ok`, "key is [redacted], ok"],
    [
      "OAuth token",
      `CLAUDE_CODE_OAUTH_TOKEN=${OAUTH_TOKEN}`,
      "CLAUDE_CODE_OAUTH_TOKEN=[redacted]",
    ],
    ["other sk- key", `OPENAI=${OTHER_KEY}`, "OPENAI=[redacted]"],
    [
      "Bearer header",
      `Authorization: Bearer ${JWT}`,
      "Authorization: Bearer [redacted]",
    ],
    [
      "lower-case bearer",
      `authorization: bearer abc.def_ghi~jk+l/m==`,
      "authorization: bearer [redacted]",
    ],
    [
      "two secrets",
      `${API_KEY} and Bearer ${JWT}`,
      "[redacted] and Bearer [redacted]",
    ],
    ["in JSON", JSON.stringify({ key: API_KEY }), '{"key":"[redacted]"}'],
    [
      "plain text",
      "nothing to see: sk- is short, Bearer",
      "nothing to see: sk- is short, Bearer",
    ],
  ];
  for (const [name, input, expected] of cases) {
    await t.step(name, () => assert.equal(redactSecrets(input), expected));
  }
});

Deno.test("a log line never carries a secret, whether in the message, a field, a nested field or an Error", () => {
  const { log, lines } = captureLogger();
  log.info(`Saved credential ${API_KEY}`);
  log.warn("Request", { headers: { authorization: `Bearer ${JWT}` } });
  log.error("claude failed", {
    error: new Error(`401 for token ${OAUTH_TOKEN}`),
    argv: ["claude", OTHER_KEY],
  });
  log.debug("env", {
    env: { ANTHROPIC_API_KEY: API_KEY, CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN },
  });
  assert.equal(lines.length, 4);
  for (const line of lines) {
    for (
      const secret of [
        API_KEY,
        OAUTH_TOKEN,
        OTHER_KEY,
        JWT,
        "sk-ant-api03",
        "sk-ant-oat01",
        "eyJhbGci",
      ]
    ) {
      assert.ok(
        !line.includes(secret),
        `${secret.slice(0, 12)}… leaked: ${line}`,
      );
    }
    JSON.parse(line);
  }
  assert.equal(JSON.parse(lines[2]!).error, "Error: 401 for token [redacted]");
});

Deno.test("a secret at the start of a line of a multi-line message is still redacted once JSON-escaped", () => {
  const { log, lines } = captureLogger();
  log.warn("claude stderr", {
    text: `Error:\n${API_KEY}\n\tBearer ${JWT}\n${OTHER_KEY}`,
  });
  assert.equal(
    JSON.parse(lines[0]!).text,
    "Error:\n[redacted]\n\tBearer [redacted]\n[redacted]",
  );
});

Deno.test("createLogger() writes one JSON object per record with ts, level, msg, base and fields", () => {
  const { log, lines } = captureLogger("debug", {
    agent: "alice",
    role: "agent",
  });
  log.info("Turn ended", { ok: true, seq: 3 });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes("\n"));
  assert.deepEqual(JSON.parse(lines[0]!), {
    ts: "2026-01-02T03:04:05.000Z",
    level: "info",
    msg: "Turn ended",
    agent: "alice",
    role: "agent",
    ok: true,
    seq: 3,
  });
});

Deno.test("createLogger() drops records below its level", async (t) => {
  const cases: [LogLevel, string[]][] = [
    ["debug", ["debug", "info", "warn", "error"]],
    ["info", ["info", "warn", "error"]],
    ["warn", ["warn", "error"]],
    ["error", ["error"]],
  ];
  for (const [level, expected] of cases) {
    await t.step(level, () => {
      const { log, lines } = captureLogger(level);
      log.debug("d");
      log.info("i");
      log.warn("w");
      log.error("e");
      assert.deepEqual(lines.map((line) => JSON.parse(line).level), expected);
    });
  }
});

Deno.test("createLogger() still logs a record whose fields cannot be serialized", () => {
  const { log, lines } = captureLogger();
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  log.error(`Broken ${API_KEY}`, { circular, big: 1n });
  assert.equal(lines.length, 1);
  const record = JSON.parse(lines[0]!);
  assert.equal(record.level, "error");
  assert.equal(record.msg, "Broken [redacted]");
  assert.equal(typeof record.log_error, "string");
});

Deno.test("createMemoryLogger() keeps every level as parsed, redacted records", () => {
  const log = createMemoryLogger();
  log.debug("one", { token: OAUTH_TOKEN });
  log.error("two");
  assert.deepEqual(log.records.map((record) => [record.level, record.msg]), [[
    "debug",
    "one",
  ], ["error", "two"]]);
  assert.equal(log.records[0]!.token, "[redacted]");
});

Deno.test("redactSecrets() leaves words that merely contain sk- alone", () => {
  assert.equal(
    redactSecrets("task-scheduler-and-more disk-usage-warning"),
    "task-scheduler-and-more disk-usage-warning",
  );
  assert.equal(
    redactSecrets('{"a":"x\\nsk-abcdefgh12345"}'),
    '{"a":"x\\n[redacted]"}',
  );
});
