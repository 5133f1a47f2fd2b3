/**
 * @module One claude invocation, start to exit: build its argv and environment, feed the prompt,
 * pump every stdout line to the bus (`stream`, or a `note` for what is not a JSON object or too
 * long), stderr to notes, let the {@linkcode TurnObserver} read the stream, and stop it for real
 * on cancel. Returns what the turn loop needs to classify and record the turn.
 */
import { type LiveEvent, streamEvent } from "../wire/events.ts";
import { noteEvent } from "../events/note_event.ts";
import type { Logger } from "../log.ts";
import type { RuntimeFiles } from "../claude/runtime_files.ts";
import { TurnObserver, type TurnSignal } from "./turn_observer.ts";
import { openEnding, type TurnEnding } from "../stats/turn_stats_row.ts";
import type { StdoutItem } from "../claude/claude_process.ts";
import { errorMessage } from "../error_message.ts";
import { MAX_LINE_TEXT } from "../io/line_reader.ts";

/** One item of claude's stdout (re-exported for fakes in tests). */
export type { StdoutItem };

/** A running claude child. */
export interface ClaudeChild {
  /** Its pid, where the spawner knows it. */
  pid?: number;
  lines: AsyncIterable<StdoutItem>;
  stderrLines: AsyncIterable<string>;
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Ask it to stop, then kill it and every descendant after the grace period. */
  stop(options?: { graceMs?: number }): Promise<unknown>;
  /** Write one JSON line to its stdin (a warm claude: `--input-format stream-json`). */
  send?(message: Record<string, unknown>): Promise<void>;
  /** Close its stdin: a warm claude then finishes and exits by itself. */
  endInput?(): Promise<void>;
  /** Ask it to stop the turn under way (the interrupt control request) without ending. */
  interrupt?(): Promise<void>;
}

/** What a spawner is given. */
export interface SpawnRequest {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdinText: string;
  /** Keep stdin open after `stdinText` (a warm claude fed one JSON line per turn). */
  keepStdinOpen?: boolean;
}

/** Starts claude; throws when the binary cannot be started. */
export type SpawnClaude = (request: SpawnRequest) => ClaudeChild;

/** What one invocation is asked to do. */
export interface InvocationRequest {
  command: string;
  prompt: string;
  model: string;
  continueSession: boolean;
  cwd: string;
  env: Record<string, string>;
  files: RuntimeFiles;
  allowedTools: readonly string[];
  /** What is left of today's budget: passed as `--max-budget-usd` so one turn cannot run far over. */
  maxBudgetUsd?: number | null;
  /**
   * The cap and UTC day `maxBudgetUsd` was measured against (null without a budget). The CLI
   * counts `--max-budget-usd` over a process's whole life, so a warm claude's cap stays true
   * only while this does not change.
   */
  budgetPeriod?: string | null;
}

/** What came of one invocation. */
export interface InvocationResult {
  ending: TurnEnding;
  observer: TurnObserver;
  durationMs: number;
}

/** Options for {@linkcode runInvocation}. */
export interface InvocationOptions {
  spawn: SpawnClaude;
  emit: (event: LiveEvent) => unknown;
  log: Logger;
  /** Called for each signal as soon as the stream carries it. */
  onSignal?: (signal: TurnSignal) => void;
  /** Aborting it cancels the turn. */
  cancel?: AbortSignal;
  graceMs?: number;
  monotonic?: () => number;
  /** Told of the child once it runs (the cold runner shows it in `/api/state.claude`). */
  onSpawned?: (child: ClaudeChild) => void;
}

/** The argv of one turn (SPEC §4.3). */
export function claudeArgs(
  request: Omit<InvocationRequest, "command" | "prompt" | "cwd" | "env">,
): string[] {
  return [
    "--print",
    "--verbose",
    "--output-format",
    "stream-json",
    "--model",
    request.model,
    ...(request.continueSession ? ["--continue"] : []),
    "--settings",
    request.files.settings,
    "--system-prompt-file",
    request.files.systemPrompt,
    "--mcp-config",
    request.files.mcpConfig,
    "--strict-mcp-config",
    `--allowedTools=${request.allowedTools.join(",")}`,
    // The CLI refuses a cap of 0; the run gate holds a turn with nothing left anyway.
    ...(request.maxBudgetUsd != null && request.maxBudgetUsd > 0
      ? ["--max-budget-usd", String(request.maxBudgetUsd)]
      : []),
  ];
}

/** Run claude once and pump its output; never throws for claude's own failures. */
export async function runInvocation(
  request: InvocationRequest,
  options: InvocationOptions,
): Promise<InvocationResult> {
  const {
    emit,
    log,
    onSignal,
    cancel,
    graceMs = 5000,
    monotonic = () => performance.now(),
  } = options;
  const observer = new TurnObserver();
  const started = monotonic();
  const ending: TurnEnding = openEnding();
  let child: ClaudeChild;
  try {
    child = options.spawn({
      command: request.command,
      args: claudeArgs(request),
      cwd: request.cwd,
      env: request.env,
      stdinText: request.prompt,
    });
    options.onSpawned?.(child);
  } catch (error) {
    ending.spawnError = errorMessage(error);
    emit(noteEvent(ending.spawnError));
    return { ending, observer, durationMs: monotonic() - started };
  }
  const onCancel = () => {
    ending.cancelled = true;
    emit(noteEvent("cancel requested: stopping claude"));
    child.stop({ graceMs }).catch((error) =>
      log.error("Cannot stop claude", { error })
    );
  };
  if (cancel?.aborted) onCancel();
  else cancel?.addEventListener("abort", onCancel, { once: true });
  try {
    await Promise.all([
      pumpStdout(child.lines, observer, emit, onSignal),
      pumpStderr(child.stderrLines, emit),
    ]);
    const exit = await child.exited;
    ending.exitCode = exit.code;
    ending.signal = exit.signal;
  } catch (error) {
    log.error("Lost claude's output mid-turn", { error });
    emit(
      noteEvent(
        `harness lost claude's output: ${errorMessage(error)}`,
      ),
    );
    await child.stop({ graceMs: 0 }).catch(() => {});
    const exit = await child.exited.catch(() => ({ code: null, signal: null }));
    ending.exitCode = exit.code;
    ending.signal = exit.signal;
  } finally {
    cancel?.removeEventListener("abort", onCancel);
  }
  ending.result = observer.result;
  ending.apiErrorText = observer.apiErrorText;
  ending.compactFailed = observer.compactFailed;
  return { ending, observer, durationMs: monotonic() - started };
}

async function pumpStdout(
  lines: AsyncIterable<StdoutItem>,
  observer: TurnObserver,
  emit: (event: LiveEvent) => unknown,
  onSignal: ((signal: TurnSignal) => void) | undefined,
): Promise<void> {
  for await (const item of lines) {
    handleStdoutItem(item, observer, emit, onSignal);
  }
}

/** One stdout item of a turn: a `stream` event the observer reads, or a note. */
export function handleStdoutItem(
  item: StdoutItem,
  observer: TurnObserver,
  emit: (event: LiveEvent) => unknown,
  onSignal: ((signal: TurnSignal) => void) | undefined,
): void {
  switch (item.kind) {
    case "object": {
      emit(streamEvent(item.value));
      for (const signal of observer.observe(item.value)) onSignal?.(signal);
      break;
    }
    case "not_json":
      if (item.text.trim() !== "") {
        emit(
          noteEvent(
            `claude printed a line that is not a JSON object${
              item.partial ? " (cut off at exit)" : ""
            }: ${item.text}`,
          ),
        );
      }
      break;
    case "oversize":
      emit(
        noteEvent(
          `claude printed a ${item.bytes}-byte line, over the ${MAX_LINE_TEXT} limit; skipped. It began: ${item.head}`,
        ),
      );
      break;
    default: {
      const never: never = item;
      throw new TypeError(`Unknown stdout item: ${JSON.stringify(never)}`);
    }
  }
}

async function pumpStderr(
  lines: AsyncIterable<string>,
  emit: (event: LiveEvent) => unknown,
): Promise<void> {
  for await (const line of lines) {
    if (line.trim() !== "") emit(noteEvent(`claude stderr: ${line}`));
  }
}
