/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module Loose ends: questions the agent asked (the operator answers them here, picking options
 * or typing) and reminders it set (cancel them here).
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type {
  LooseEnds,
  OpenQuestion,
  PendingReminder,
} from "../../lib/wire/broker_shapes.ts";
import { formatRelative } from "./format.ts";

/** Props of {@linkcode LooseEndsView}. */
export interface LooseEndsViewProps {
  looseEnds: LooseEnds;
  nowMs: number;
  answer: (id: number, answer: string) => Promise<string | null>;
  cancel: (kind: "question" | "reminder", id: number) => Promise<string | null>;
}

/** The loose-ends panel. */
export function LooseEndsView(
  { looseEnds, nowMs, answer, cancel }: LooseEndsViewProps,
): JSX.Element {
  const { questions, reminders } = looseEnds;
  return (
    <section class="panel loose-ends" aria-labelledby="loose-ends-title">
      <h2 id="loose-ends-title">
        Questions & reminders{" "}
        <span class="dim">{questions.length + reminders.length || ""}</span>
      </h2>
      {questions.length === 0 && reminders.length === 0 && (
        <p class="dim">No loose ends.</p>
      )}
      {questions.map((question) => (
        <QuestionCard
          key={question.id}
          question={question}
          nowMs={nowMs}
          answer={answer}
          cancel={cancel}
        />
      ))}
      {reminders.length > 0 && (
        <ul class="reminders">
          {reminders.map((reminder) => (
            <ReminderItem
              key={reminder.id}
              reminder={reminder}
              nowMs={nowMs}
              cancel={cancel}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function QuestionCard(
  { question, nowMs, answer, cancel }:
    & { question: OpenQuestion }
    & Omit<LooseEndsViewProps, "looseEnds">,
): JSX.Element {
  const [picked, setPicked] = useState<string[]>([]);
  const [free, setFree] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputId = `answer-${question.id}`;
  const send = async (text: string) => {
    if (text.trim() === "") return setError("pick an option or type an answer");
    setBusy(true);
    const failure = await answer(question.id, text);
    setBusy(false);
    setError(failure);
  };
  const toggle = (option: string) =>
    setPicked(
      picked.includes(option)
        ? picked.filter((other) => other !== option)
        : [...picked, option],
    );
  return (
    <article
      class="question"
      data-question-id={question.id}
      aria-label={`question from ${question.asker}`}
    >
      <div class="meta">
        <strong>{question.asker}</strong> asks {question.target}{" "}
        <time class="dim">{formatRelative(question.asked_at, nowMs)}</time>
        {question.deadline !== null && (
          <span class="dim">
            · expires {formatRelative(question.deadline, nowMs)}
          </span>
        )}
      </div>
      <p class="prose-text">{question.question}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          send([...picked, free.trim()].filter(Boolean).join(", "));
        }}
      >
        {question.options.length > 0 && (
          <div class="options" role="group" aria-label="options">
            {question.options.map((option) =>
              question.multi
                ? (
                  <label key={option} class="option">
                    <input
                      type="checkbox"
                      checked={picked.includes(option)}
                      onChange={() => toggle(option)}
                    />{" "}
                    {option}
                  </label>
                )
                : (
                  <button
                    key={option}
                    type="button"
                    class="option"
                    disabled={busy}
                    onClick={() => send(option)}
                  >
                    {option}
                  </button>
                )
            )}
          </div>
        )}
        <label for={inputId} class="visually-hidden">
          answer to {question.question}
        </label>
        <div class="inline-form">
          <input
            id={inputId}
            value={free}
            placeholder="type an answer"
            onInput={(event) => setFree(event.currentTarget.value)}
          />
          <button type="submit" disabled={busy}>Answer</button>
          <button
            type="button"
            class="link"
            disabled={busy}
            onClick={async () =>
              setError(await cancel("question", question.id))}
          >
            cancel question
          </button>
        </div>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
    </article>
  );
}

function ReminderItem(
  { reminder, nowMs, cancel }: {
    reminder: PendingReminder;
    nowMs: number;
    cancel: LooseEndsViewProps["cancel"];
  },
): JSX.Element {
  const [error, setError] = useState<string | null>(null);
  return (
    <li class="reminder" data-reminder-id={reminder.id}>
      <span aria-hidden="true">◷</span>{" "}
      <span class="prose-text">{reminder.message}</span>{" "}
      <time class="dim">due {formatRelative(reminder.due_at, nowMs)}</time>{" "}
      <button
        type="button"
        class="link"
        onClick={async () => setError(await cancel("reminder", reminder.id))}
        aria-label={`cancel reminder ${reminder.message}`}
      >
        cancel
      </button>
      {error && <span class="error" role="alert">{error}</span>}
    </li>
  );
}
