/**
 * @module Bench helper processes (load clients, servers measured alone): a deno script spawned
 * with the checkout's config, talked to in JSON lines on stdin and stdout. Its `progress` lines
 * go to a callback; the rest wait in a queue for `next()`. Every wait has a timeout, and `close()`
 * kills what is still running, so no case can hang the run or leave a process behind.
 */
import { join } from "node:path";

type Message = Record<string, unknown>;

/**
 * The `--v8-flags=…` of the product's `start` task in deno.json, so the server processes measured
 * here run as the harness does (none today; a young-generation cap is the candidate, see README).
 */
export function productV8Flags(root: string): string[] {
  const config = JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));
  const start = String(config?.tasks?.start ?? "");
  return start.split(/\s+/).filter((token) => token.startsWith("--v8-flags="));
}

/** Options for {@linkcode JsonChild.start}. */
export interface JsonChildOptions {
  /** Extra `deno run` flags (e.g. V8 flags). */
  denoFlags?: string[];
  /** Told of each `{"type":"progress"}` line. */
  onProgress?: (message: Message) => void;
}

/** A running helper process speaking JSON lines. */
export class JsonChild {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #queue: Message[] = [];
  #waiters = new Set<() => void>();
  #ended = false;
  #stderrTail = "";
  readonly #onProgress: (message: Message) => void;
  readonly #reading: Promise<void>;
  readonly status: Promise<Deno.CommandStatus>;

  /** Use {@linkcode JsonChild.start}. */
  constructor(child: Deno.ChildProcess, options: JsonChildOptions) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#onProgress = options.onProgress ?? (() => {});
    this.status = child.status;
    this.#reading = Promise.all([this.#readStdout(), this.#readStderr()])
      .then(() => {});
  }

  /** Start `script` (relative to `root`) with `args`. */
  static start(
    root: string,
    script: string,
    args: string[],
    options: JsonChildOptions = {},
  ): JsonChild {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--frozen",
        "--config",
        join(root, "deno.json"),
        ...(options.denoFlags ?? []),
        join(root, script),
        ...args,
      ],
      cwd: root,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new JsonChild(child, options);
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** Send one JSON line. */
  async send(message: Message): Promise<void> {
    await this.#writer.write(
      new TextEncoder().encode(JSON.stringify(message) + "\n"),
    );
  }

  /** The next line (of `type`, when given); rejects after `timeoutMs` or when the child ends. */
  async next(type: string | null, timeoutMs: number): Promise<Message> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const index = this.#queue.findIndex((m) =>
        type === null || m.type === type
      );
      if (index >= 0) return this.#queue.splice(index, 1)[0]!;
      const left = deadline - performance.now();
      if (this.#ended || left <= 0) {
        throw new Error(
          `Cannot get ${type ?? "a line"} from bench child ${this.pid}: ${
            this.#ended ? "it ended" : `no answer in ${timeoutMs} ms`
          }; stderr: ${this.#stderrTail.slice(-2000)}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      let waiter: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        waiter = resolve;
        this.#waiters.add(resolve);
        timer = setTimeout(resolve, left);
      });
      this.#waiters.delete(waiter!);
      clearTimeout(timer);
    }
  }

  /** The last stderr output, for error messages. */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  /** Close stdin, give it `graceMs` to exit, then kill it; true when it had to be killed. */
  async close(graceMs = 2000): Promise<boolean> {
    await this.#writer.close().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.status.then(() => true),
      new Promise<false>((resolve) =>
        timer = setTimeout(() => resolve(false), graceMs)
      ),
    ]);
    clearTimeout(timer);
    if (!exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // It exited meanwhile.
      }
    }
    await this.status;
    await this.#reading;
    return !exited;
  }

  async #readStdout(): Promise<void> {
    let buffered = "";
    try {
      for await (
        const text of this.#child.stdout.pipeThrough(new TextDecoderStream())
      ) {
        buffered += text;
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          this.#take(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf("\n");
        }
      }
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #take(line: string): void {
    if (line.trim() === "") return;
    let message: Message;
    try {
      message = JSON.parse(line);
    } catch {
      this.#stderrTail += `[stdout] ${line}\n`;
      return;
    }
    if (message.type === "progress") {
      this.#onProgress(message);
      return;
    }
    this.#queue.push(message);
    this.#wake();
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
    this.#waiters.clear();
  }

  async #readStderr(): Promise<void> {
    for await (
      const text of this.#child.stderr.pipeThrough(new TextDecoderStream())
    ) {
      this.#stderrTail = (this.#stderrTail + text).slice(-8000);
    }
  }
}
