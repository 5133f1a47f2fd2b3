/**
 * @module The SQL of questions and reminders, an agent's loose ends. Whatever closes one (an
 * answer, an expiry, a fired reminder) writes its inbox message in the same transaction, so
 * the message exists exactly when the row says it was sent: once, even across processes and
 * restarts.
 */
import type { OpenQuestion, PendingReminder } from "./broker.ts";
import type { BrokerDb } from "./broker_db.ts";
import type { InboxStore } from "./inbox_store.ts";

/** A question row, whatever its state. */
export interface QuestionRow extends OpenQuestion {
  state: "open" | "answered" | "expired" | "cancelled";
}

/** How {@linkcode LooseEndStore.closeQuestion} closes a question. */
export interface QuestionClose {
  state: "answered" | "cancelled";
  answer?: string;
  now: number;
  /** A `system` message written in the same transaction. */
  notice?: { to: string; body: string };
}

const QUESTION_COLUMNS =
  `id, asker, target, question, options, multi, asked_at, deadline, state`;
const REMINDER_COLUMNS = `id, agent, message, due_at, created_at`;
const PENDING = `fired_at IS NULL AND cancelled_at IS NULL`;

/** Reads and writes questions and reminders. */
export class LooseEndStore {
  #db: BrokerDb;
  #inbox: InboxStore;

  constructor(db: BrokerDb, inbox: InboxStore) {
    this.#db = db;
    this.#inbox = inbox;
  }

  insertQuestion(question: Omit<OpenQuestion, "id">): number {
    const {
      asker,
      target,
      question: text,
      options,
      multi,
      asked_at,
      deadline,
    } = question;
    const sql =
      `INSERT INTO questions (asker, target, question, options, multi, asked_at, deadline)
      VALUES (?, ?, ?, ?, ?, ?, ?)`;
    return this.#db.run(
      sql,
      asker,
      target,
      text,
      JSON.stringify(options),
      multi ? 1 : 0,
      asked_at,
      deadline,
    ).id;
  }

  question(id: number): QuestionRow | null {
    const row = this.#db.get<RawQuestion>(
      `SELECT ${QUESTION_COLUMNS} FROM questions WHERE id = ?`,
      id,
    );
    return row ? toQuestion(row) : null;
  }

  /** Close an open question, writing `change.notice` in the same transaction; false if not open. */
  closeQuestion(id: number, change: QuestionClose): boolean {
    const { state, answer = null, now, notice } = change;
    return this.#db.transaction(() => {
      const sql =
        `UPDATE questions SET state = ?, answer = ?, answered_at = ? WHERE id = ? AND state = 'open'`;
      if (this.#db.run(sql, state, answer, now, id).changes === 0) return false;
      if (notice) this.#inbox.insert("system", notice.to, notice.body, now);
      return true;
    });
  }

  /** Open questions asked by `agent` or of it. */
  openQuestions(agent: string): QuestionRow[] {
    const sql = `SELECT ${QUESTION_COLUMNS} FROM questions WHERE state = 'open'
      AND (asker = ?1 OR target = ?1) ORDER BY id`;
    return this.#db.all<RawQuestion>(sql, agent).map(toQuestion);
  }

  countOpenQuestions(agent: string): number {
    const sql =
      `SELECT count(*) AS n FROM questions WHERE state = 'open' AND (asker = ?1 OR target = ?1)`;
    return this.#db.get<{ n: number }>(sql, agent)!.n;
  }

  /** Open questions plus pending reminders: the turn-stats `open_threads_count`. */
  countLooseEnds(agent: string): number {
    return this.countOpenQuestions(agent) + this.countPendingReminders(agent);
  }

  insertReminder(
    agent: string,
    message: string,
    dueAt: number,
    now: number,
  ): number {
    const sql =
      `INSERT INTO reminders (agent, message, due_at, created_at) VALUES (?, ?, ?, ?)`;
    return this.#db.run(sql, agent, message, dueAt, now).id;
  }

  /** Cancel `agent`'s pending reminder: `missing` if not its, `closed` if no longer pending. */
  cancelReminder(
    agent: string,
    id: number,
    now: number,
  ): "cancelled" | "closed" | "missing" {
    const sql =
      `UPDATE reminders SET cancelled_at = ? WHERE id = ? AND agent = ? AND ${PENDING}`;
    if (this.#db.run(sql, now, id, agent).changes > 0) return "cancelled";
    const found = this.#db.get(
      `SELECT 1 FROM reminders WHERE id = ? AND agent = ?`,
      id,
      agent,
    );
    return found ? "closed" : "missing";
  }

  pendingReminders(agent: string): PendingReminder[] {
    const sql =
      `SELECT ${REMINDER_COLUMNS} FROM reminders WHERE agent = ? AND ${PENDING} ORDER BY due_at, id`;
    return this.#db.all<PendingReminder>(sql, agent);
  }

  countPendingReminders(agent: string): number {
    const sql =
      `SELECT count(*) AS n FROM reminders WHERE agent = ? AND ${PENDING}`;
    return this.#db.get<{ n: number }>(sql, agent)!.n;
  }

  /**
   * Fire every due reminder as a message from `reminder` and expire every overdue question with
   * a `system` message to its asker, in one transaction. Returns who got a message.
   */
  fireDue(
    now: number,
    expiredBody: (question: QuestionRow) => string,
  ): string[] {
    return this.#db.transaction(() => {
      const woken: string[] = [];
      const due = this.#db.all<PendingReminder>(
        `SELECT ${REMINDER_COLUMNS} FROM reminders WHERE ${PENDING} AND due_at <= ? ORDER BY due_at, id`,
        now,
      );
      for (const reminder of due) {
        this.#db.run(
          `UPDATE reminders SET fired_at = ? WHERE id = ?`,
          now,
          reminder.id,
        );
        this.#inbox.insert("reminder", reminder.agent, reminder.message, now);
        woken.push(reminder.agent);
      }
      const sql =
        `SELECT ${QUESTION_COLUMNS} FROM questions WHERE state = 'open' AND deadline <= ? ORDER BY id`;
      for (
        const question of this.#db.all<RawQuestion>(sql, now).map(toQuestion)
      ) {
        this.#db.run(
          `UPDATE questions SET state = 'expired', answered_at = ? WHERE id = ?`,
          now,
          question.id,
        );
        this.#inbox.insert(
          "system",
          question.asker,
          expiredBody(question),
          now,
        );
        woken.push(question.asker);
      }
      return woken;
    });
  }

  /** The earliest pending reminder or open question deadline, in unix seconds. */
  nextDue(): number | null {
    const sql =
      `SELECT min(t) AS t FROM (SELECT min(due_at) AS t FROM reminders WHERE ${PENDING}
      UNION ALL SELECT min(deadline) FROM questions WHERE state = 'open')`;
    return this.#db.get<{ t: number | null }>(sql)!.t;
  }
}

interface RawQuestion extends Omit<QuestionRow, "options" | "multi"> {
  options: string;
  multi: number;
}

function toQuestion(row: RawQuestion): QuestionRow {
  let options: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.options);
    if (Array.isArray(parsed)) options = parsed.map(String);
  } catch {
    // A hand-edited or foreign row: show the question without options rather than fail.
  }
  return { ...row, options, multi: row.multi !== 0 };
}
