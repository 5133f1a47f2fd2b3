/**
 * @module The interactive login (SPEC §9, compat): run `claude /login` (or
 * `$HYPERHIVE_LOGIN_CMD`) over pipes, show the operator the first URL it prints, and write the
 * code they paste to its stdin. One flow at a time; its output is kept short and redacted.
 */
import { redactSecrets } from "../log.ts";
import { errorMessage } from "../error_message.ts";
import { settleWithin } from "../timeout.ts";

/** Where the flow is. */
export type LoginFlowState =
  | { phase: "idle" }
  | { phase: "running"; url: string | null; started_at: number }
  | { phase: "finished"; ok: boolean; message: string; finished_at: number };

/** Options for {@linkcode LoginFlow}. */
export interface LoginFlowOptions {
  /** argv of the login command. */
  command: string[];
  env: () => Record<string, string>;
  cwd: string;
  now?: () => number;
  /** How long `start()` waits for a URL before answering without one. */
  urlWaitMs?: number;
  /** How long the flow may run in all before it is stopped. */
  timeoutMs?: number;
  /**
   * Called when a flow the operator gave a code to ends, however it ended: the credential it
   * may have written is proved by the next turn, so the composition root pokes the loop here.
   */
  onCodeFlowEnded?: () => void;
}

// Only a URL followed by its terminator counts: a long URL may arrive in several reads, and
// showing the first half would send the operator to a broken link.
// deno-lint-ignore no-control-regex
const URL_PATTERN = /https:\/\/[^\s"'<>\u001b]+(?=[\s"'<>\u001b])/;
/** How long the output is still read after the command exits (a helper may hold it open). */
const DRAIN_AFTER_EXIT_MS = 200;
// deno-lint-ignore no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -\/]*[@-~]|\u001b\][^\u0007]*\u0007/g;
const OUTPUT_LIMIT = 8192;

/** Split `$HYPERHIVE_LOGIN_CMD` into argv (whitespace; quotes not interpreted). */
export function loginCommandFrom(
  envValue: string | undefined,
  claudePath: string,
): string[] {
  const words = envValue?.trim().split(/\s+/).filter((word) => word !== "") ??
    [];
  return words.length > 0 ? words : [claudePath, "/login"];
}

/** One interactive login at a time. */
export class LoginFlow {
  #options: LoginFlowOptions;
  #state: LoginFlowState = { phase: "idle" };
  #child: Deno.ChildProcess | null = null;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #output = "";
  #urlWaiters: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #done: Promise<void> = Promise.resolve();
  /** Whether the running flow was given a code. */
  #codeSubmitted = false;

  constructor(options: LoginFlowOptions) {
    this.#options = options;
  }

  /** The flow's state, for `/api/state` and the page. */
  get state(): LoginFlowState {
    return this.#state;
  }

  /** Start the login command (or return the running one's state) and wait briefly for its URL. */
  async start(): Promise<LoginFlowState> {
    if (this.#state.phase !== "running") this.#spawn();
    const state = this.#state;
    if (state.phase === "running" && state.url === null) {
      const urlSeen = new Promise<void>((resolve) =>
        this.#urlWaiters.push(resolve)
      );
      await settleWithin(urlSeen, this.#options.urlWaitMs ?? 10_000);
    }
    return this.#state;
  }

  /** Write the operator's code to the running flow. Throws when no flow runs. */
  async submitCode(code: string): Promise<void> {
    if (this.#state.phase !== "running" || this.#stdin === null) {
      throw new LoginNotRunningError();
    }
    await this.#stdin.write(new TextEncoder().encode(`${code.trim()}\n`));
    this.#codeSubmitted = true;
  }

  /** Wait for the running flow to end (tests, shutdown). */
  finished(): Promise<void> {
    return this.#done;
  }

  /** Stop a running flow. */
  stop(): void {
    try {
      this.#child?.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }

  #spawn(): void {
    const now = this.#options.now ?? Date.now;
    const [command, ...args] = this.#options.command;
    this.#output = "";
    this.#codeSubmitted = false;
    try {
      this.#child = new Deno.Command(command!, {
        args,
        cwd: this.#options.cwd,
        env: this.#options.env(),
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      const message = errorMessage(error);
      this.#state = {
        phase: "finished",
        ok: false,
        message: `Cannot start login command "${command}": ${message}`,
        finished_at: Math.floor(now() / 1000),
      };
      return;
    }
    this.#state = {
      phase: "running",
      url: null,
      started_at: Math.floor(now() / 1000),
    };
    this.#stdin = this.#child.stdin.getWriter();
    this.#timer = setTimeout(
      () => this.stop(),
      this.#options.timeoutMs ?? 600_000,
    );
    const child = this.#child;
    const reading = new AbortController();
    this.#done = (async () => {
      const read = Promise.all([
        this.#read(child.stdout, reading.signal),
        this.#read(child.stderr, reading.signal),
      ]);
      const status = await child.status;
      // A process the command started can keep the pipes open after it exits (or is killed by
      // stop()); take what is there, then stop reading so the flow ends.
      const drain = setTimeout(() => reading.abort(), DRAIN_AFTER_EXIT_MS);
      await read;
      clearTimeout(drain);
      clearTimeout(this.#timer);
      await this.#stdin?.close().catch(() => {});
      this.#stdin = null;
      this.#child = null;
      const tail = redactSecrets(this.#output.replace(ANSI, "").trim()).slice(
        -500,
      );
      this.#state = {
        phase: "finished",
        ok: status.success,
        message: status.success
          ? "login command finished"
          : `login command exited ${status.code}: ${tail}`,
        finished_at: Math.floor(now() / 1000),
      };
      for (const wake of this.#urlWaiters.splice(0)) wake();
      if (this.#codeSubmitted) this.#options.onCodeFlowEnded?.();
    })();
  }

  async #read(
    stream: ReadableStream<Uint8Array>,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      for await (
        const chunk of stream.pipeThrough(new TextDecoderStream(), { signal })
      ) {
        if (this.#output.length < OUTPUT_LIMIT) this.#output += chunk;
        const state = this.#state;
        if (state.phase === "running" && state.url === null) {
          const url = URL_PATTERN.exec(this.#output.replace(ANSI, ""))?.[0];
          if (url) {
            this.#state = { ...state, url };
            for (const wake of this.#urlWaiters.splice(0)) wake();
          }
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }
}

/** Raised when a code is posted with no login flow running. */
export class LoginNotRunningError extends Error {
  constructor() {
    super(
      "Cannot take a login code: no login is in progress (POST /api/login/start first)",
    );
    this.name = "LoginNotRunningError";
  }
}
