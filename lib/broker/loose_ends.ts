/**
 * @module The rules of questions and reminders (SPEC §8): who may answer or cancel what, what
 * the other party is told, and when a reminder falls due. Each rule returns the agents whose
 * inbox it wrote to, so the broker wakes exactly their long-polls.
 */
import type { LooseEnds } from "./broker.ts";
import {
  BrokerError,
  type NewQuestion,
  type ReminderDue,
} from "./broker_api.ts";
import type { BrokerDb } from "./broker_db.ts";
import type { InboxStore } from "./inbox_store.ts";
import type { LooseEndStore } from "./loose_end_store.ts";
import {
  questionAnswered,
  questionCancelled,
  questionForTarget,
} from "./notices.ts";

/** What the rules work on. */
export interface LooseEndDeps {
  db: BrokerDb;
  inbox: InboxStore;
  store: LooseEndStore;
  /** Wall clock in ms. */
  nowMs: number;
  isKnown: (name: string) => boolean;
}

/** `agent`'s open questions (asked by it or of it) and pending reminders. */
export function looseEndsOf(store: LooseEndStore, agent: string): LooseEnds {
  return {
    questions: store.openQuestions(agent).map(({ state: _, ...question }) =>
      question
    ),
    reminders: store.pendingReminders(agent),
  };
}

/** Ask a question of the operator or of another agent, who is told at once. */
export function askQuestion(
  deps: LooseEndDeps,
  asker: string,
  question: NewQuestion,
): { id: number; woken: string[] } {
  const { target, ttlSeconds } = question;
  if (question.question.trim() === "") {
    throw new BrokerError("Cannot ask: the question is empty", "invalid");
  }
  if (target === asker) {
    throw new BrokerError("Cannot ask: an agent cannot ask itself", "invalid");
  }
  if (target !== "operator" && !deps.isKnown(target)) {
    throw new BrokerError(`Cannot ask: unknown agent "${target}"`, "not_found");
  }
  const now = Math.floor(deps.nowMs / 1000);
  const row = {
    asker,
    target,
    question: question.question,
    options: question.options,
    multi: question.multi,
    "asked_at": now,
    deadline: ttlSeconds === null
      ? null
      : Math.ceil(deps.nowMs / 1000 + ttlSeconds),
  };
  const id = deps.db.transaction(() => {
    const id = deps.store.insertQuestion(row);
    if (target !== "operator") {
      deps.inbox.insert(
        "system",
        target,
        questionForTarget({ ...row, id }),
        now,
      );
    }
    return id;
  });
  return { id, woken: target === "operator" ? [] : [target] };
}

/**
 * Answer question `id`: as its target, or `asOperator` (then `agent` must be the asker, or null
 * for the manager relaying the operator). The asker gets the answer as a `system` message.
 */
export function answerQuestion(
  deps: LooseEndDeps,
  answer: {
    agent: string | null;
    id: number;
    text: string;
    asOperator: boolean;
  },
): string[] {
  const { agent, id, text, asOperator } = answer;
  const question = deps.store.question(id);
  if (!question) {
    throw new BrokerError(
      `Cannot answer question ${id}: no such question`,
      "not_found",
    );
  }
  const allowed = asOperator
    ? agent === null ||
      (question.asker === agent && question.target === "operator")
    : question.target === agent;
  if (!allowed) {
    throw new BrokerError(
      `Cannot answer question ${id}: it is not asked of "${agent}"`,
      "forbidden",
    );
  }
  if (question.state !== "open") {
    throw new BrokerError(
      `Cannot answer question ${id}: it is ${question.state}`,
      "conflict",
    );
  }
  if (text.trim() === "") {
    throw new BrokerError(
      `Cannot answer question ${id}: the answer is empty`,
      "invalid",
    );
  }
  const body = questionAnswered(
    question,
    text,
    asOperator ? "operator" : agent!,
  );
  const now = Math.floor(deps.nowMs / 1000);
  if (
    !deps.store.closeQuestion(id, {
      state: "answered",
      answer: text,
      now,
      notice: { to: question.asker, body },
    })
  ) {
    throw new BrokerError(
      `Cannot answer question ${id}: it was closed meanwhile`,
      "conflict",
    );
  }
  return [question.asker];
}

/** Cancel a question asked by or of `agent`, or a pending reminder of `agent`. */
export function cancelLooseEnd(
  deps: LooseEndDeps,
  agent: string,
  kind: "question" | "reminder",
  id: number,
): string[] {
  const now = Math.floor(deps.nowMs / 1000);
  if (kind === "reminder") {
    const result = deps.store.cancelReminder(agent, id, now);
    if (result === "missing") {
      throw new BrokerError(
        `Cannot cancel reminder ${id}: no such reminder of "${agent}"`,
        "not_found",
      );
    }
    if (result === "closed") {
      throw new BrokerError(
        `Cannot cancel reminder ${id}: it already fired or was cancelled`,
        "conflict",
      );
    }
    return [];
  }
  const question = deps.store.question(id);
  if (!question || (question.asker !== agent && question.target !== agent)) {
    throw new BrokerError(
      `Cannot cancel question ${id}: no such question of "${agent}"`,
      "not_found",
    );
  }
  // The other party hears of it when it is an agent (the operator sees it leave the page).
  const other = question.asker === agent ? question.target : question.asker;
  const notice = other === "operator"
    ? undefined
    : { to: other, body: questionCancelled(question, agent) };
  if (
    !deps.store.closeQuestion(id, {
      state: "cancelled",
      now,
      ...(notice ? { notice } : {}),
    })
  ) {
    throw new BrokerError(
      `Cannot cancel question ${id}: it is ${question.state}`,
      "conflict",
    );
  }
  return notice ? [other] : [];
}

/** Schedule a reminder; its due time is rounded up, so it may come late but never early. */
export function addReminder(
  deps: LooseEndDeps,
  agent: string,
  reminder: { message: string; due: ReminderDue },
): { id: number; due_at: number } {
  const { message, due } = reminder;
  if (message.trim() === "") {
    throw new BrokerError("Cannot remind: the message is empty", "invalid");
  }
  const dueAt = "atUnix" in due
    ? due.atUnix
    : deps.nowMs / 1000 + due.delaySeconds;
  if (!Number.isFinite(dueAt)) {
    throw new BrokerError(
      "Cannot remind: the due time is not a number",
      "invalid",
    );
  }
  const dueAtSeconds = Math.ceil(dueAt);
  const id = deps.store.insertReminder(
    agent,
    message,
    dueAtSeconds,
    Math.floor(deps.nowMs / 1000),
  );
  return { id, due_at: dueAtSeconds };
}
