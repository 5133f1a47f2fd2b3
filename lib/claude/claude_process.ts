/**
 * @module One claude child process (SPEC §4.3–§4.6): spawned with an explicit environment, its
 * stdout read as capped stream-json lines and its stderr as text lines (both pumped at once, so
 * neither pipe can fill and stall it), and a `stop()` that really stops: ask nicely, wait a
 * grace period, then freeze and kill claude with every process it started, tools included.
 */

import type { Logger } from "../log.ts";
import { createLogger } from "../log.ts";
import {
  type LineBuffer,
  type LineItem,
  readLines,
} from "../io/line_reader.ts";
import { parseStreamLine } from "./stream_json.ts";
import { freezeAndKill, ProcessTreeWatch } from "./process_tree.ts";
import { settlesWithin } from "../timeout.ts";

/** The variable, set to a fresh id per spawn, that marks every process of one claude run. */
export const PROCESS_MARKER_ENV = "HIVE_HARNESS_PROCESS_TAG";

/** How long `stop()` waits for claude to end by itself before killing. */
export const DEFAULT_STOP_GRACE_MS = 5000;

/** stderr lines longer than this are cut: they only ever become notes. */
const STDERR_MAX_LINE_BYTES = 1024 * 1024;
/** Stdout items buffered unread before reading pauses (only once someone reads `lines`). */
const STDOUT_HIGH_WATER = 16384;
/** How often the tree is looked at again during the grace period, to know who to kill. */
const TREE_POLL_MS = 200;
/** After claude and its leftovers are gone, how long output may take to reach EOF. */
const DRAIN_MS = 2000;

/** One stdout line: a stream-json object, other text, or a line over the cap. */
export type StdoutItem =
  | { kind: "object"; value: Record<string, unknown>; partial: boolean }
  | { kind: "not_json"; text: string; partial: boolean }
  | { kind: "oversize"; bytes: number; head: string; partial: boolean };

/** How claude ended: an exit code, or the signal that killed it (then `code` is null). */
export interface ClaudeExit {
  code: number | null;
  signal: string | null;
}

/** What `stop()` did: `forced` when the grace ran out; `leftovers` killed after claude ended. */
export interface StopResult extends ClaudeExit {
  forced: boolean;
  leftovers: number;
}

/** Options for {@linkcode spawnClaude}. */
export interface SpawnClaudeOptions {
  /** The CLI's path (or a name looked up on `env.PATH`). */
  command: string;
  args?: string[];
  cwd?: string;
  /** The whole environment: nothing of the harness's own leaks in. */
  env: Record<string, string>;
  /** The prompt, written to stdin, which is then closed. */
  stdinText?: string;
  /** Keep stdin open for `--input-format stream-json` (see `send`). */
  keepStdinOpen?: boolean;
  /** Aborting stops claude as `stop()` does. */
  signal?: AbortSignal;
  /** Grace for `stop()` and the abort signal; {@linkcode DEFAULT_STOP_GRACE_MS} by default. */
  graceMs?: number;
  /** Stdout lines over this many bytes become `oversize` items; 16 MiB by default. */
  maxLineBytes?: number;
  log?: Logger;
  /**
   * Prefix of the environment marker every process of this turn carries, naming its owner (the
   * harness's state dir), so a later harness can find what a dead one left running.
   */
  markerOwner?: string;
}

/** A running claude; disposing of it stops it at once (`await using`). */
export interface ClaudeProcess extends AsyncDisposable {
  readonly pid: number;
  /** Stdout, line by line; read it (once), or claude stalls when the buffer is full. */
  readonly lines: AsyncIterable<StdoutItem>;
  /** Stderr, line by line; drained whether read or not. */
  readonly stderrLines: AsyncIterable<string>;
  /** Claude exited, every leftover process is gone, and its output has ended. */
  readonly exited: Promise<ClaudeExit>;
  /** Write one JSON line to stdin (stream-json input mode). */
  send(message: Record<string, unknown>): Promise<void>;
  /** Close stdin: in stream-json input mode, claude finishes and exits. */
  endInput(): Promise<void>;
  /** Ask claude to stop the turn: the interrupt control request when stdin is open, else SIGINT. */
  interrupt(): Promise<void>;
  /** Ask (control request and SIGINT), wait up to `graceMs`, then kill claude and every descendant. */
  stop(options?: { graceMs?: number }): Promise<StopResult>;
}

/** Claude cannot be run: no file at the path, or not executable. */
export class ClaudeMissingError extends Error {
  readonly path: string;
  readonly reason: "not_found" | "permission_denied";
  constructor(
    path: string,
    reason: "not_found" | "permission_denied",
    options?: ErrorOptions,
  ) {
    const detail = reason === "not_found"
      ? "not found"
      : "permission denied (is it executable?)";
    super(`Cannot run claude "${path}": ${detail}`, options);
    this.name = "ClaudeMissingError";
    this.path = path;
    this.reason = reason;
  }
}

/** Start claude; throws {@linkcode ClaudeMissingError} when the binary cannot be run. */
export function spawnClaude(options: SpawnClaudeOptions): ClaudeProcess {
  const marker = options.markerOwner === undefined
    ? crypto.randomUUID()
    : `${options.markerOwner}:${crypto.randomUUID()}`;
  const stdin = options.stdinText !== undefined || options.keepStdinOpen
    ? "piped"
    : "null";
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(options.command, {
      args: options.args ?? [],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: { ...options.env, [PROCESS_MARKER_ENV]: marker },
      clearEnv: true,
      // Its own session and group: a terminal's Ctrl-C does not reach it behind the harness's
      // back, and its group is its own to kill.
      detached: true,
      stdin,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    throw spawnError(error, options);
  }
  return new ClaudeChild(child, marker, stdin === "piped", options);
}

function spawnError(error: unknown, options: SpawnClaudeOptions): unknown {
  if (error instanceof Deno.errors.NotFound) {
    if (options.cwd !== undefined && !isDirectory(options.cwd)) {
      return new Deno.errors.NotFound(
        `Cannot start claude in "${options.cwd}": no such directory`,
        { cause: error },
      );
    }
    return new ClaudeMissingError(options.command, "not_found", {
      cause: error,
    });
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new ClaudeMissingError(options.command, "permission_denied", {
      cause: error,
    });
  }
  return error;
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

class ClaudeChild implements ClaudeProcess {
  readonly pid: number;
  readonly lines: LineBuffer<StdoutItem>;
  readonly stderrLines: LineBuffer<string>;
  readonly exited: Promise<ClaudeExit>;
  readonly #child: Deno.ChildProcess;
  readonly #tree: ProcessTreeWatch;
  readonly #log: Logger;
  readonly #graceMs: number;
  readonly #rawExit: Promise<ClaudeExit>;
  /** Leftovers killed once claude ended. */
  readonly #swept: Promise<number>;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #stopping: Promise<StopResult> | null = null;

  constructor(
    child: Deno.ChildProcess,
    marker: string,
    stdinPiped: boolean,
    options: SpawnClaudeOptions,
  ) {
    this.#child = child;
    this.pid = child.pid;
    this.#tree = new ProcessTreeWatch(child.pid, {
      name: PROCESS_MARKER_ENV,
      value: marker,
    });
    this.#log = options.log ?? createLogger();
    this.#graceMs = options.graceMs ?? DEFAULT_STOP_GRACE_MS;
    this.#log.debug("claude started", {
      pid: this.pid,
      command: options.command,
    });
    const onError = (error: unknown) =>
      this.#log.warn("cannot read claude output", { pid: this.pid, error });
    this.lines = readLines(child.stdout, {
      map: toStdoutItem,
      highWater: STDOUT_HIGH_WATER,
      onError,
      ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
    });
    this.stderrLines = readLines(child.stderr, {
      map: toStderrLine,
      maxLineBytes: STDERR_MAX_LINE_BYTES,
      onError,
    });
    if (stdinPiped) this.#openStdin(options);
    this.#rawExit = child.status.then((status) => ({
      code: status.signal ? null : status.code,
      signal: status.signal,
    }));
    this.#swept = this.#rawExit.then(() => this.#sweep());
    const onAbort = () => void this.stop();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    this.exited = this.#swept.then(async () => {
      options.signal?.removeEventListener("abort", onAbort);
      const outputs = Promise.all([this.lines.done, this.stderrLines.done]);
      if (!await settlesWithin(outputs, DRAIN_MS)) {
        // A process we could not find still holds the pipes: stop reading rather than hang.
        this.#log.warn("claude output still open after exit; closing it", {
          pid: this.pid,
        });
        await Promise.all([this.lines.cancel(), this.stderrLines.cancel()]);
        await outputs;
      }
      return this.#rawExit;
    });
  }

  async send(message: Record<string, unknown>): Promise<void> {
    if (!this.#writer) {
      throw new Error(`Cannot write to claude ${this.pid}: stdin is closed`);
    }
    await this.#writer.write(
      new TextEncoder().encode(JSON.stringify(message) + "\n"),
    );
  }

  endInput(): Promise<void> {
    return this.#closeStdin();
  }

  async interrupt(): Promise<void> {
    if (this.#writer) await this.#sendInterruptRequest();
    else this.#signal("SIGINT");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop({ graceMs: 0 });
    await this.exited;
  }

  stop(options: { graceMs?: number } = {}): Promise<StopResult> {
    this.#stopping ??= this.#stop(options.graceMs ?? this.#graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<StopResult> {
    // Look before asking: on SIGINT claude may exit at once and its children would be lost.
    this.#tree.look(true);
    if (this.#writer) await this.#sendInterruptRequest();
    this.#signal("SIGINT");
    const deadline = performance.now() + graceMs;
    let exited = false;
    for (;;) {
      const left = deadline - performance.now();
      exited = await settlesWithin(this.#rawExit, Math.min(TREE_POLL_MS, left));
      if (exited || left <= TREE_POLL_MS) break;
      this.#tree.look();
    }
    if (!exited) {
      const killed = await this.#tree.killAll();
      this.#log.warn("claude did not stop within the grace period; killed", {
        pid: this.pid,
        graceMs,
        killed: killed.length,
      });
    }
    const exit = await this.#rawExit;
    return { ...exit, forced: !exited, leftovers: await this.#swept };
  }

  /** Once claude has ended, kill whatever of its tree is left. */
  async #sweep(): Promise<number> {
    // Abort, not close: a pending write to a pipe nobody reads would never finish.
    const writer = this.#writer;
    this.#writer = null;
    writer?.abort().catch(() => {});
    const killed = await this.#tree.killAll();
    if (killed.length > 0) {
      this.#log.warn("killed processes left by claude", {
        pid: this.pid,
        pids: killed.map((p) => p.pid),
      });
    }
    return killed.length;
  }

  #signal(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch {
      // Already exited: nothing to ask.
    }
  }

  async #sendInterruptRequest(): Promise<void> {
    const request = {
      type: "control_request",
      "request_id": `interrupt_${crypto.randomUUID()}`,
      request: { subtype: "interrupt" },
    };
    await this.send(request).catch((error) =>
      this.#log.debug("cannot send interrupt to claude", { error })
    );
  }

  #openStdin(options: SpawnClaudeOptions): void {
    this.#writer = this.#child.stdin.getWriter();
    if (options.keepStdinOpen) {
      if (options.stdinText !== undefined) void this.#write(options.stdinText);
      return;
    }
    void this.#write(options.stdinText ?? "").then(() => this.#closeStdin());
  }

  async #write(text: string): Promise<void> {
    await this.#writer?.write(new TextEncoder().encode(text)).catch((error) =>
      this.#log.warn("cannot write the prompt to claude", {
        pid: this.pid,
        error,
      })
    );
  }

  async #closeStdin(): Promise<void> {
    const writer = this.#writer;
    this.#writer = null;
    await writer?.close().catch(() => {/* claude already closed its end */});
  }
}

function toStdoutItem(item: LineItem): StdoutItem | null {
  if (item.kind === "oversize") return item;
  // Blank lines carry nothing and stream-json never prints them: not worth a note each.
  if (item.text.trim() === "") return null;
  const parsed = parseStreamLine(item.text);
  return parsed.kind === "object"
    ? { kind: "object", value: parsed.value, partial: item.partial }
    : { kind: "not_json", text: parsed.text, partial: item.partial };
}

function toStderrLine(item: LineItem): string | null {
  if (item.kind === "oversize") {
    return `${item.head}… [stderr line of ${item.bytes} bytes cut]`;
  }
  return item.text.trim() === "" ? null : item.text;
}

/**
 * Kill every process an earlier harness of the same owner left running: a harness killed with
 * SIGKILL cannot stop its turn, and claude (in a session of its own) and its tools run on.
 * Returns how many were killed.
 */
export async function killLeftovers(owner: string): Promise<number> {
  // No root: only the marker scan finds them, since their harness is gone.
  const killed = await freezeAndKill(NO_ROOT, {
    marker: { name: PROCESS_MARKER_ENV, value: `${owner}:` },
  });
  return killed.length;
}

/** A pid no process has (above the kernel's pid_max), for a sweep by marker alone. */
const NO_ROOT = 2 ** 31 - 1;
