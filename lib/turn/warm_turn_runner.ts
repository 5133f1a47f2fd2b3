/**
 * @module Warm turns (SPEC §10): one claude per agent kept alive between turns, each wake-up one
 * user line on its stdin, the turn ending on its `result` line. A model switch is a `set_model`
 * control request before the next turn's line; cancel is the interrupt control request, and only
 * a claude that ignores it past the grace is killed (with its tree). A claude that died, hung
 * (no line within the answer timeout) or printed a line that is not JSON is killed: the turn
 * fails with a `fault` the loop re-runs once on a fresh claude. Idle `keepWarmMs`, it is closed;
 * the next turn starts cold with `--continue`. A changed environment (a new credential) or a new
 * session ends it too.
 *
 * With a daily budget, a claude starts with what is left of it as `--max-budget-usd`. The CLI
 * counts that cap against everything the process spends in its life (not this turn, not the
 * session's saved total), which is exactly today's remaining budget as long as the cap and the
 * day stay the same: so a claude is replaced when the budget is changed or a UTC day begins.
 */
import { type LiveEvent, streamEvent } from "../wire/events.ts";
import { noteEvent } from "../events/note_event.ts";
import type { Logger } from "../log.ts";
import { openEnding, type TurnEnding } from "../stats/turn_stats_row.ts";
import { TurnObserver } from "./turn_observer.ts";
import {
  claudeArgs,
  handleStdoutItem,
  type InvocationOptions,
  type InvocationRequest,
} from "./turn_runner.ts";
import type { ClaudeSnapshot, TurnRun, TurnRunner } from "./claude_runner.ts";
import type { CostLedger, ProcessCost } from "./turn_cost.ts";
import { isWarmChild, WarmClaude } from "./warm_claude.ts";
import { TreeRssReader } from "../claude/process_memory.ts";
import { errorMessage } from "../error_message.ts";
import { settlesWithin } from "../timeout.ts";
import { MAX_LINE_TEXT } from "../io/line_reader.ts";

/** How long a warm claude may take to print anything for a wake-up before it counts as hung. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;
/** The same for a claude just started, which first starts its MCP servers. */
export const DEFAULT_FIRST_ANSWER_TIMEOUT_MS = 120_000;
/** How long a closed warm claude may take to exit by itself before it is killed. */
const CLOSE_GRACE_MS = 5000;
/** Garbage quoted in a note is cut here. */
const QUOTE_MAX = 200;

/** Options for {@linkcode WarmTurnRunner}. */
export interface WarmTurnRunnerOptions {
  /** Idle this long, the process is closed. */
  keepWarmMs: number;
  costs: CostLedger;
  /** Where lines printed between turns go. */
  emit: (event: LiveEvent) => unknown;
  log: Logger;
  now?: () => number;
  answerTimeoutMs?: number;
  firstAnswerTimeoutMs?: number;
}

interface Running {
  warm: WarmClaude;
  cost: ProcessCost;
  /** Why it is being ended, once it is. */
  retiring: string | null;
  /** The budget period its `--max-budget-usd` was measured in. */
  budgetPeriod: string | null;
}

/** Keeps one claude warm and runs every turn on it. */
export class WarmTurnRunner implements TurnRunner {
  #options: WarmTurnRunnerOptions;
  #now: () => number;
  #running: Running | null = null;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #inTurn = false;
  #endAfterTurn = false;
  #closed = false;
  #rss = new TreeRssReader();
  /** The last turn's signal handler: a line between turns can still say "rate limited". */
  #onSignal: InvocationOptions["onSignal"];

  constructor(options: WarmTurnRunnerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  snapshot(): ClaudeSnapshot | null {
    const running = this.#running;
    if (running === null || !running.warm.alive) return null;
    return {
      pid: running.warm.pid,
      warm: true,
      "started_at": running.warm.startedAt,
      turns: running.warm.turns,
      "rss_bytes": this.#rss.read(running.warm.pid),
    };
  }

  async endSession(): Promise<void> {
    if (this.#inTurn) {
      this.#endAfterTurn = true;
      return;
    }
    await this.#retire("the operator started a new session");
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    await this.#retire(null);
  }

  async run(
    request: InvocationRequest,
    options: InvocationOptions,
  ): Promise<TurnRun> {
    const { emit, monotonic = () => performance.now() } = options;
    clearTimeout(this.#idleTimer);
    this.#inTurn = true;
    this.#onSignal = options.onSignal;
    const started = monotonic();
    const observer = new TurnObserver();
    const ending: TurnEnding = openEnding();
    try {
      const key = configKey(request);
      const current = this.#running;
      if (current !== null && !current.warm.alive) this.#running = null;
      else if (current !== null && current.warm.configKey !== key) {
        await this.#retire("its settings or credentials changed");
      } else if (
        current !== null &&
        current.budgetPeriod !== (request.budgetPeriod ?? null)
      ) {
        await this.#retire("the daily budget or its day changed");
      } else if (current !== null && !request.continueSession) {
        await this.#retire("a new session starts");
      }
      let running = this.#running;
      const reused = running !== null;
      if (running === null) {
        try {
          running = this.#start(request, options, key);
        } catch (error) {
          ending.spawnError = error instanceof Error
            ? error.message
            : String(error);
          emit(noteEvent(ending.spawnError));
          return finish(ending, observer, null, null);
        }
      }
      const outcome = await this.#turn(running, request, options, {
        observer,
        ending,
        reused,
      });
      return finish(ending, observer, outcome.costUsd, outcome.fault);
    } finally {
      this.#inTurn = false;
      await this.#afterTurn();
    }

    function finish(
      ending: TurnEnding,
      observer: TurnObserver,
      costUsd: number | null,
      fault: string | null,
    ): TurnRun {
      ending.result = observer.result;
      ending.apiErrorText = observer.apiErrorText;
      ending.compactFailed = observer.compactFailed;
      return {
        ending,
        observer,
        durationMs: monotonic() - started,
        costUsd,
        fault,
      };
    }
  }

  #start(
    request: InvocationRequest,
    options: InvocationOptions,
    key: string,
  ): Running {
    const child = options.spawn({
      command: request.command,
      // Today's remainder as the cap of the process's whole life: see the module doc.
      args: [
        ...claudeArgs(request),
        "--input-format",
        "stream-json",
      ],
      cwd: request.cwd,
      env: request.env,
      stdinText: "",
      keepStdinOpen: true,
    });
    if (!isWarmChild(child)) {
      void child.stop({ graceMs: 0 });
      throw new TypeError(
        "Cannot keep claude warm: the spawner gave a child without stdin",
      );
    }
    const cost = this.#options.costs.processStarted();
    const { emit, log } = this.#options;
    const running: Running = {
      warm: undefined as unknown as WarmClaude,
      cost,
      retiring: null,
      budgetPeriod: request.budgetPeriod ?? null,
    };
    running.warm = new WarmClaude(child, {
      model: request.model,
      configKey: key,
      startedAt: Math.floor(this.#now() / 1000),
      stray: {
        stdout: (item) => this.#onStray(running, item),
        stderr: (line) => emit(noteEvent(`claude stderr: ${line}`)),
      },
      onExit: (exit) => {
        cost.ended(exit.signal === null && exit.code !== null);
        if (this.#running === running) this.#running = null;
        if (running.retiring === null && !this.#inTurnOn(running)) {
          const how = exit.signal
            ? `killed by ${exit.signal}`
            : `exited ${exit.code}`;
          log.warn("warm claude ended between turns", { pid: child.pid, how });
          emit(noteEvent(
            `warm claude (pid ${child.pid}) ${how} between turns; the next turn starts a new one`,
          ));
        }
      },
    });
    this.#running = running;
    log.info("warm claude started", { pid: child.pid, model: request.model });
    return running;
  }

  #inTurnOn(running: Running): boolean {
    return this.#inTurn && this.#running === running;
  }

  async #turn(
    running: Running,
    request: InvocationRequest,
    options: InvocationOptions,
    turn: { observer: TurnObserver; ending: TurnEnding; reused: boolean },
  ): Promise<{ costUsd: number | null; fault: string | null }> {
    const { emit, onSignal, cancel, graceMs = 5000 } = options;
    const { observer, ending } = turn;
    const warm = running.warm;
    warm.turns++;
    let fault: string | null = null;
    let answered = false;
    let interruptIgnored = false;
    let costUsd: number | null = null;
    let settle = () => {};
    const done = new Promise<void>((resolve) => settle = resolve);
    warm.attach({
      stdout: (item) => {
        if (item.kind === "not_json" && item.text.trim() !== "") {
          fault ??= `warm claude printed a line that is not JSON: ${
            quote(item.text)
          }`;
          settle();
        }
        if (item.kind === "object") answered = true;
        handleStdoutItem(item, observer, emit, onSignal);
        if (item.kind === "object" && item.value.type === "result") {
          costUsd = running.cost.turnCost(item.value);
          settle();
        }
      },
      stderr: (line) => emit(noteEvent(`claude stderr: ${line}`)),
    });
    void warm.outputEnded.then(settle);
    const timers: ReturnType<typeof setTimeout>[] = [];
    {
      // A new claude first starts its MCP servers: it gets longer, but not forever (a CLI that
      // ignores --input-format would wait for the end of its stdin).
      const answerMs = turn.reused
        ? this.#options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS
        : this.#options.firstAnswerTimeoutMs ?? DEFAULT_FIRST_ANSWER_TIMEOUT_MS;
      timers.push(setTimeout(() => {
        if (answered) return;
        fault ??= `${
          turn.reused ? "warm" : "new"
        } claude did not answer within ${
          answerMs >= 1000
            ? `${Math.round(answerMs / 1000)} s`
            : `${answerMs} ms`
        }`;
        settle();
      }, answerMs));
    }
    const onCancel = () => {
      ending.cancelled = true;
      emit(noteEvent("cancel requested: interrupting claude"));
      warm.child.interrupt?.().catch(() => {});
      timers.push(setTimeout(() => {
        interruptIgnored = true;
        settle();
      }, graceMs));
    };
    try {
      if (warm.model !== request.model) {
        await warm.child.send({
          type: "control_request",
          "request_id": `set_model_${crypto.randomUUID()}`,
          request: { subtype: "set_model", model: request.model },
        });
        warm.model = request.model;
      }
      await warm.child.send({
        type: "user",
        message: { role: "user", content: request.prompt },
      });
    } catch (error) {
      fault ??= `cannot write to warm claude: ${errorMessage(error)}`;
      settle();
    }
    if (cancel?.aborted) onCancel();
    else cancel?.addEventListener("abort", onCancel, { once: true });
    await done;
    cancel?.removeEventListener("abort", onCancel);
    for (const timer of timers) clearTimeout(timer);
    warm.detach();
    const resultSeen = observer.result !== null && fault === null &&
      !interruptIgnored;
    if (resultSeen && warm.alive) {
      // The process lives on: the turn ended as a clean exit would have.
      ending.exitCode = 0;
      return { costUsd, fault: null };
    }
    if (interruptIgnored) {
      emit(noteEvent(
        `claude ignored the interrupt for ${graceMs} ms; killing it and its processes (the next turn starts a new one)`,
      ));
    } else if (fault === null && !ending.cancelled) {
      fault = "warm claude exited mid-turn";
    }
    if (fault !== null) emit(noteEvent(`${fault}; killing it`));
    running.retiring = fault ?? "it ignored the interrupt";
    if (this.#running === running) this.#running = null;
    await warm.child.stop({ graceMs: 0 });
    const exit = await warm.exited;
    ending.exitCode = exit.code;
    ending.signal = exit.signal;
    if (fault === "warm claude exited mid-turn") {
      const how = exit.signal
        ? `killed by ${exit.signal}`
        : `exited ${exit.code}`;
      fault = `warm claude ${how} mid-turn`;
    }
    return { costUsd, fault };
  }

  #onStray(running: Running, item: Parameters<typeof handleStdoutItem>[0]) {
    const { emit } = this.#options;
    switch (item.kind) {
      case "object":
        emit(streamEvent(item.value));
        // A background task's rate_limit_event or login failure still holds the next wake-up.
        for (const signal of new TurnObserver().observe(item.value)) {
          if (signal.kind !== "context_usage") this.#onSignal?.(signal);
        }
        return;
      case "oversize":
        emit(noteEvent(
          `claude printed a ${item.bytes}-byte line between turns, over the ${MAX_LINE_TEXT} limit; skipped`,
        ));
        return;
      case "not_json":
        if (item.text.trim() === "") return;
        emit(noteEvent(
          `warm claude printed a line that is not JSON between turns: ${
            quote(item.text)
          }; ending it (the next turn starts a new one)`,
        ));
        if (this.#running === running) {
          void this.#retire("it printed a line that is not JSON", true);
        }
        return;
      default: {
        const never: never = item;
        throw new TypeError(`Unknown stdout item: ${JSON.stringify(never)}`);
      }
    }
  }

  async #afterTurn(): Promise<void> {
    if (this.#endAfterTurn) {
      this.#endAfterTurn = false;
      await this.#retire("the operator started a new session");
      return;
    }
    if (this.#closed || this.#running === null) return;
    const keepMs = this.#options.keepWarmMs;
    this.#idleTimer = setTimeout(() => {
      if (this.#inTurn) return;
      void this.#retire(`it was idle for ${Math.round(keepMs / 1000)} s`);
    }, keepMs);
  }

  /** End the warm process: close its stdin so it saves its session, kill it if it lingers. */
  async #retire(reason: string | null, kill = false): Promise<void> {
    const running = this.#running;
    if (running === null) return;
    this.#running = null;
    running.retiring = reason ?? "the harness stops";
    clearTimeout(this.#idleTimer);
    if (reason !== null) {
      this.#options.log.info("ending warm claude", {
        pid: running.warm.pid,
        reason,
      });
      this.#options.emit(noteEvent(
        `warm claude (pid ${running.warm.pid}) ended: ${reason}`,
      ));
    }
    if (!kill) {
      await running.warm.child.endInput().catch(() => {});
      if (await settlesWithin(running.warm.exited, CLOSE_GRACE_MS)) return;
    }
    await running.warm.child.stop({ graceMs: 0 });
    await running.warm.exited;
  }
}

/** What a turn must share with the warm process to reuse it; the model is switched in place. */
function configKey(request: InvocationRequest): string {
  return JSON.stringify([
    request.command,
    request.cwd,
    request.files,
    request.allowedTools,
    Object.entries(request.env).sort(([a], [b]) => a.localeCompare(b)),
  ]);
}

function quote(text: string): string {
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
}
