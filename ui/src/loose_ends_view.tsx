/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module Loose ends: questions the agent asked (the operator answers them here, picking options
 * or typing) and reminders it set (cancel them here).
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { isRecord } from "../../lib/wire/events.ts";
import { formatRelative } from "./format.ts";

/** An open question. */
export interface Question {
  id: number;
  asker: string;
  target: string;
  question: string;
  options: string[];
  multi: boolean;
  askedAt: number;
  deadline: number | null;
}

/** A pending reminder. */
export interface Reminder {
  id: number;
  message: string;
  dueAt: number;
}

/** Both lists. */
export interface LooseEnds {
  questions: Question[];
  reminders: Reminder[];
}

/** Read `/api/loose-ends`. */
export function readLooseEnds(value: unknown): LooseEnds {
  const body = isRecord(value) ? value : {};
  const list = (key: string) =>
    Array.isArray(body[key]) ? (body[key] as unknown[]).filter(isRecord) : [];
  const num = (v: unknown) => typeof v === "number" ? v : 0;
  return {
    questions: list("questions").map((q) => ({
      id: num(q.id),
      asker: String(q.asker ?? "?"),
      target: String(q.target ?? "operator"),
      question: String(q.question ?? ""),
      options: Array.isArray(q.options) ? q.options.map(String) : [],
      multi: q.multi === true,
      askedAt: num(q.asked_at),
      deadline: typeof q.deadline === "number" ? q.deadline : null,
    })),
    reminders: list("reminders").map((r) => ({
      id: num(r.id),
      message: String(r.message ?? ""),
      dueAt: num(r.due_at),
    })),
  };
}

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
    & { question: Question }
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
        <time class="dim">{formatRelative(question.askedAt, nowMs)}</time>
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
    reminder: Reminder;
    nowMs: number;
    cancel: LooseEndsViewProps["cancel"];
  },
): JSX.Element {
  const [error, setError] = useState<string | null>(null);
  return (
    <li class="reminder" data-reminder-id={reminder.id}>
      <span aria-hidden="true">◷</span>{" "}
      <span class="prose-text">{reminder.message}</span>{" "}
      <time class="dim">due {formatRelative(reminder.dueAt, nowMs)}</time>{" "}
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
