/**
 * @module The broker's records as the page sees them (SPEC §6, §8): inbox messages
 * (`/api/inbox`, `/api/state.inbox`) and loose ends (`/api/loose-ends`: open questions and
 * pending reminders). Declared once here, with the tolerant readers the page parses answers
 * with, so the broker and the page cannot drift apart. Imports nothing outside `wire/`.
 */
import { isRecord } from "./events.ts";

/** A message as `recent` lists it (the inbox panel). */
export interface BrokerMessage {
  id: number;
  from: string;
  to: string;
  body: string;
  "sent_at": number;
  "delivered_at": number | null;
}

/** An open question, as loose ends list it. */
export interface OpenQuestion {
  id: number;
  asker: string;
  /** `operator` or an agent name. */
  target: string;
  question: string;
  options: string[];
  multi: boolean;
  "asked_at": number;
  deadline: number | null;
}

/** A pending reminder. */
export interface PendingReminder {
  id: number;
  agent: string;
  message: string;
  "due_at": number;
  "created_at": number;
}

/** An agent's loose ends: unanswered questions asked by it or of it, and pending reminders. */
export interface LooseEnds {
  questions: OpenQuestion[];
  reminders: PendingReminder[];
}

const numberOr = (value: unknown, fallback: number): number =>
  typeof value === "number" ? value : fallback;

/** Read a list of messages (`/api/inbox`'s `messages`, `/api/state.inbox`); bad entries get defaults. */
export function readBrokerMessages(value: unknown): BrokerMessage[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((message) => ({
    id: numberOr(message.id, 0),
    from: String(message.from ?? "?"),
    to: String(message.to ?? "?"),
    body: String(message.body ?? ""),
    "sent_at": numberOr(message.sent_at, 0),
    "delivered_at": typeof message.delivered_at === "number"
      ? message.delivered_at
      : null,
  }));
}

/** Read `/api/loose-ends`; a missing list is empty, bad fields get defaults. */
export function readLooseEnds(value: unknown): LooseEnds {
  const body = isRecord(value) ? value : {};
  const list = (key: string) =>
    Array.isArray(body[key]) ? (body[key] as unknown[]).filter(isRecord) : [];
  return {
    questions: list("questions").map((q) => ({
      id: numberOr(q.id, 0),
      asker: String(q.asker ?? "?"),
      target: String(q.target ?? "operator"),
      question: String(q.question ?? ""),
      options: Array.isArray(q.options) ? q.options.map(String) : [],
      multi: q.multi === true,
      "asked_at": numberOr(q.asked_at, 0),
      deadline: typeof q.deadline === "number" ? q.deadline : null,
    })),
    reminders: list("reminders").map((r) => ({
      id: numberOr(r.id, 0),
      agent: String(r.agent ?? "?"),
      message: String(r.message ?? ""),
      "due_at": numberOr(r.due_at, 0),
      "created_at": numberOr(r.created_at, 0),
    })),
  };
}
