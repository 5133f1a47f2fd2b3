/**
 * @module One long-lived claude (`--input-format stream-json`, SPEC §10): its stdout and stderr
 * are read from start to exit by one pump each, and every line goes to whoever listens now — the
 * turn under way — or, between turns, to a stray handler (a background task's notification is
 * kept as an event, never dropped). It knows its model, when it started, how many turns it ran,
 * and whether it has ended; stopping it is its child's stop, which kills the whole tree.
 */
import type { ClaudeChild, StdoutItem } from "./turn_runner.ts";
import type { ClaudeExit } from "../claude/claude_process.ts";
import { errorMessage } from "../error_message.ts";

/** A claude child that takes JSON lines on stdin. */
export interface WarmChild extends ClaudeChild {
  pid: number;
  send(message: Record<string, unknown>): Promise<void>;
  endInput(): Promise<void>;
}

/** Whether a spawned child can serve warm turns. */
export function isWarmChild(child: ClaudeChild): child is WarmChild {
  return typeof child.pid === "number" && typeof child.send === "function" &&
    typeof child.endInput === "function";
}

/** Where lines go while a turn listens. */
export interface WarmListener {
  stdout(item: StdoutItem): void;
  stderr(line: string): void;
}

/** Options for {@linkcode WarmClaude}. */
export interface WarmClaudeOptions {
  model: string;
  /** What must match for a turn to reuse this process (command, env, files, tools). */
  configKey: string;
  /** Unix seconds. */
  startedAt: number;
  /** Lines printed while no turn listens. */
  stray: WarmListener;
  /** Called once when the process has exited and its output ended. */
  onExit: (exit: ClaudeExit) => void;
}

/** A running warm claude. */
export class WarmClaude {
  readonly child: WarmChild;
  readonly pid: number;
  readonly configKey: string;
  readonly startedAt: number;
  /** The model it runs now (`set_model` changes it between turns). */
  model: string;
  /** Turns it has run, the one under way included. */
  turns = 0;
  /** Set once it exited and its output ended. */
  exit: ClaudeExit | null = null;
  /** Resolves when stdout has ended (claude exited or closed it). */
  readonly outputEnded: Promise<void>;
  /** Resolves with the exit once the process and its leftovers are gone. */
  readonly exited: Promise<ClaudeExit>;
  #listener: WarmListener | null = null;
  #stray: WarmListener;

  constructor(child: WarmChild, options: WarmClaudeOptions) {
    this.child = child;
    this.pid = child.pid;
    this.configKey = options.configKey;
    this.startedAt = options.startedAt;
    this.model = options.model;
    this.#stray = options.stray;
    this.outputEnded = this.#pumpStdout();
    const stderrEnded = this.#pumpStderr();
    this.exited = Promise.all([child.exited, this.outputEnded, stderrEnded])
      .then(([exit]) => {
        this.exit = exit;
        options.onExit(exit);
        return exit;
      });
  }

  /** Whether it still runs. */
  get alive(): boolean {
    return this.exit === null;
  }

  /** Route lines to `listener` until {@linkcode detach}. */
  attach(listener: WarmListener): void {
    this.#listener = listener;
  }

  /** Lines go to the stray handler again. */
  detach(): void {
    this.#listener = null;
  }

  async #pumpStdout(): Promise<void> {
    try {
      for await (const item of this.child.lines) {
        (this.#listener ?? this.#stray).stdout(item);
      }
    } catch (error) {
      (this.#listener ?? this.#stray).stderr(
        `harness lost claude's output: ${errorMessage(error)}`,
      );
    }
  }

  async #pumpStderr(): Promise<void> {
    try {
      for await (const line of this.child.stderrLines) {
        (this.#listener ?? this.#stray).stderr(line);
      }
    } catch {
      // stderr only ever becomes notes: losing its tail loses no turn.
    }
  }
}
