/**
 * @module Structured logging: one JSON line per record on stderr. `lib/` never calls `console`;
 * it is handed a {@linkcode Logger}. Secrets are redacted here as a last line of defence, so a
 * token that slips into a message or field never reaches the log.
 */
import type { SecretValues } from "./security/secret_values.ts";

/** Severity of a log record. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Fields attached to a record. */
export type LogFields = Record<string, unknown>;

/** The logging surface every module receives. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Where each JSON line goes; stderr by default. */
  write?: (line: string) => void;
  now?: () => number;
  /** Records below this level are dropped. */
  level?: LogLevel;
  /** Fields added to every record (agent name, role). */
  base?: LogFields;
  /** Known secret values, replaced in every line besides what looks like a key. */
  secrets?: SecretValues;
}

const LEVEL_ORDER: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
};

const SECRET_PATTERNS: RegExp[] = [
  /sk-ant-[A-Za-z0-9_-]+/g,
  // Other `sk-` keys only at a word start ("task-scheduler" is no key); `\n` before one, as in
  // escaped JSON, still counts as a start.
  /(?:(?<![A-Za-z0-9])|(?<=\\[nrt]))sk-[A-Za-z0-9_-]{8,}/g,
  /(bearer\s+)[A-Za-z0-9._~+/-]+=*/gi,
];

/** Replace anything that looks like an API key or OAuth token with `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(
      pattern,
      (_match, prefix) =>
        typeof prefix === "string" ? `${prefix}[redacted]` : "[redacted]",
    );
  }
  return out;
}

function writeStderr(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

/** A logger writing one JSON object per line. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { write = writeStderr, now = Date.now, level = "info", base = {} } =
    options;
  const { secrets } = options;
  const threshold = LEVEL_ORDER[level];
  function emit(
    recordLevel: LogLevel,
    message: string,
    fields: LogFields = {},
  ): void {
    if (LEVEL_ORDER[recordLevel] < threshold) return;
    const record = {
      ts: new Date(now()).toISOString(),
      level: recordLevel,
      msg: message,
      ...base,
      ...fields,
    };
    let line: string;
    try {
      line = JSON.stringify(
        record,
        (_key, value) =>
          value instanceof Error ? `${value.name}: ${value.message}` : value,
      );
    } catch (error) {
      line = JSON.stringify({
        ts: record.ts,
        level: recordLevel,
        msg: message,
        log_error: String(error),
      });
    }
    write(redactSecrets(secrets ? secrets.redact(line) : line));
  }
  return {
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
  };
}

/**
 * A logger that keeps records in memory. Only tests (and bench fixtures) use it; it stays here,
 * beside {@linkcode createLogger}, because it runs the real path (serialization, Error fields,
 * redaction) and parses the lines back, so a test sees exactly what would reach stderr.
 */
export function createMemoryLogger(): Logger & {
  records: (LogFields & { level: LogLevel; msg: string })[];
} {
  const records: (LogFields & { level: LogLevel; msg: string })[] = [];
  const logger = createLogger({
    level: "debug",
    write: (line) => void records.push(JSON.parse(line)),
  });
  return Object.assign(logger, { records });
}
