/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The composer: Enter sends, Shift+Enter breaks the line, `/` starts a command that Tab
 * completes, ↑ in an empty box brings back the last message. The box grows with its text and
 * keeps its draft across reloads. Cancel, compact and new-session are buttons too, disabled when
 * they would only be refused. What the server refused shows right under the box until the
 * operator types again; a success note fades after a few seconds.
 */
import type { JSX } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  COMMANDS,
  completeCommand,
  type ComposerAction,
  parseComposerInput,
} from "./commands.ts";

/** Props of {@linkcode ComposerView}. */
export interface ComposerViewProps {
  /** Whether a turn is running (or compacting). */
  busy: boolean;
  /** A new session was asked for and the next turn has not started yet. */
  newSessionPending: boolean;
  /** Carry out an action; resolves to an error text or null. */
  run: (
    action: Exclude<ComposerAction, { kind: "empty" | "invalid" | "help" }>,
  ) => Promise<string | null>;
  /** Where the draft and the last message are kept across reloads, if anywhere. */
  storage?: Storage | null;
}

const DRAFT_KEY = "hive.composer.draft";
const LAST_KEY = "hive.composer.last";
/** How long a success note stays. */
const INFO_MS = 4000;
/** The tallest the box grows before it scrolls, in px. */
const MAX_BOX_PX = 320;

/** The message box and its buttons. */
export function ComposerView(
  { busy, newSessionPending, run, storage = null }: ComposerViewProps,
): JSX.Element {
  const [text, setTextState] = useState(() => read(storage, DRAFT_KEY) ?? "");
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  // What the box holds now, for an action that finishes after the user typed on.
  const latest = useRef(text);
  const setText = (value: string) => {
    latest.current = value;
    setTextState(value);
    write(storage, DRAFT_KEY, value);
  };

  // The box grows with its text, up to a limit.
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${
      Math.min(element.scrollHeight + 2, MAX_BOX_PX)
    }px`;
  }, [text]);

  // A success note is news only for a moment.
  useEffect(() => {
    if (info === null) return;
    const timer = setTimeout(() => setInfo(null), INFO_MS);
    return () => clearTimeout(timer);
  }, [info]);
  const [candidates, setCandidates] = useState<string[]>([]);
  const [help, setHelp] = useState(false);
  const [pending, setPending] = useState(false);

  const act = async (
    action: Parameters<ComposerViewProps["run"]>[0],
    /** The composer text the action came from (cleared once it worked); null for a button. */
    submitted: string | null,
  ) => {
    setPending(true);
    setError(null);
    setInfo(null);
    const failure = await run(action);
    setPending(false);
    if (failure !== null) return setError(failure);
    // Only what was sent goes: a line typed while the request was on its way stays.
    if (submitted !== null && latest.current === submitted) setText("");
    if (action.kind === "send") write(storage, LAST_KEY, action.body);
    setInfo(
      action.kind === "send"
        ? "sent"
        : action.kind === "model"
        ? `model: ${action.model}`
        : action.kind === "login"
        ? "login panel opened"
        : `${action.kind}: done`,
    );
  };

  const submit = () => {
    const action = parseComposerInput(text);
    setCandidates([]);
    switch (action.kind) {
      case "empty":
        return;
      case "invalid":
        return setError(action.message);
      case "help":
        setHelp(true);
        setError(null);
        return setText("");
      default:
        return act(action, text);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "ArrowUp" && text === "") {
      const last = read(storage, LAST_KEY);
      if (last) {
        event.preventDefault();
        setText(last);
      }
    } else if (
      event.key === "Tab" && text.startsWith("/") && !text.includes("\n")
    ) {
      event.preventDefault();
      const completion = completeCommand(text);
      setText(completion.text);
      setCandidates(completion.candidates);
    } else if (event.key === "Escape") {
      setCandidates([]);
      setHelp(false);
    }
  };

  return (
    <form
      class="composer"
      aria-label="message the agent"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <label for="composer-input" class="visually-hidden">
        Message to the agent
      </label>
      <textarea
        id="composer-input"
        ref={box}
        rows={2}
        value={text}
        placeholder="Message the agent — Enter sends, Shift+Enter new line, ↑ last message, / for commands"
        onInput={(event) => {
          setText(event.currentTarget.value);
          setCandidates([]);
          // What was refused is about the old text.
          setError(null);
        }}
        onKeyDown={onKeyDown}
        aria-describedby="composer-feedback"
      />
      {candidates.length > 0 && (
        <ul class="candidates" aria-label="completions">
          {candidates.map((name) => <li key={name} class="mono">{name}</li>)}
        </ul>
      )}
      {help && (
        <dl class="help" aria-label="commands">
          {COMMANDS.map((
            command,
          ) => [
            <dt key={`${command.name}-t`} class="mono">{command.usage}</dt>,
            <dd key={`${command.name}-d`}>{command.summary}</dd>,
          ])}
        </dl>
      )}
      <div class="composer-actions">
        <button
          type="submit"
          class="primary"
          disabled={pending || text.trim() === ""}
        >
          Send
        </button>
        <button
          type="button"
          disabled={!busy}
          onClick={() => act({ kind: "cancel" }, null)}
          title="stop the running turn"
        >
          Cancel turn
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => act({ kind: "compact" }, null)}
          title="compact the context (when idle)"
        >
          Compact
        </button>
        <button
          type="button"
          disabled={newSessionPending}
          onClick={() => act({ kind: "new-session" }, null)}
          title="run the next turn without --continue"
        >
          {newSessionPending ? "New session next" : "New session"}
        </button>
        <span id="composer-feedback" class="feedback" role="status">
          {error
            ? <span class="error" role="alert">{error}</span>
            : info
            ? <span class="dim">{info}</span>
            : null}
        </span>
      </div>
    </form>
  );
}

function read(storage: Storage | null, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(storage: Storage | null, key: string, value: string): void {
  try {
    if (value === "") storage?.removeItem(key);
    else storage?.setItem(key, value);
  } catch {
    // Storage full or refused: the draft lives only in the page then.
  }
}
