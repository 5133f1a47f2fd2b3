/**
 * @module The SQL of inboxes and of the agents that own them (registry, statuses). A message is
 * claimed (`claimed_at`) when a turn takes it and delivered (`delivered_at`) when that turn
 * ends, so a crash in between re-offers it; `recv` takes only what no turn has claimed. A
 * `recv` over a socket holds (`held_at`) what it takes until its answer is written: nobody else
 * takes a held message, and a hold left by a killed broker is released at the next start. The
 * registry knows every agent a message may be sent to.
 */
import {
  type AgentSummary,
  type BrokerMessage,
  type Wakeup,
  WAKEUP_BATCH_MAX_CHARS,
  WAKEUP_BATCH_MAX_MESSAGES,
  type WakeupFollowUp,
} from "./broker.ts";
import type { BrokerDb } from "./broker_db.ts";

// Named, not left to a planner without statistics: ("to", delivered_at, id) finds an inbox's
// pending messages without walking the agent's delivered history.
const INBOX = "messages INDEXED BY messages_inbox";
const COLUMNS = `id, "from", "to", body, sent_at, delivered_at`;

/** Reads and writes messages, statuses and the agent registry. */
export class InboxStore {
  #db: BrokerDb;
  #known = new Set<string>();

  constructor(db: BrokerDb) {
    this.#db = db;
  }

  insert(from: string, to: string, body: string, now: number): number {
    const sql =
      `INSERT INTO messages ("from", "to", body, sent_at) VALUES (?, ?, ?, ?)`;
    return this.#db.run(sql, from, to, body, now).id;
  }

  /**
   * Claim the oldest undelivered message (claimed before or not) and count the others; with
   * `batch`, also the same sender's later undelivered messages, within the batch bounds.
   */
  claimOldest(agent: string, now: number, batch = false): Wakeup | null {
    // Read first: most looks at an inbox find it empty, and a read takes no write lock.
    const row = this.#db.get<Omit<Wakeup, "unread">>(
      `SELECT id, "from", body, sent_at FROM ${INBOX} WHERE "to" = ? AND delivered_at IS NULL
       AND held_at IS NULL ORDER BY id LIMIT 1`,
      agent,
    );
    if (!row) return null;
    // Only the agent's own turn loop claims, so nobody can take the row in between.
    const more = batch ? this.#followUps(agent, row) : [];
    const ids = [row.id, ...more.map((message) => message.id)];
    this.#db.run(
      `UPDATE messages SET claimed_at = ? WHERE id IN (SELECT value FROM json_each(?))`,
      now,
      JSON.stringify(ids),
    );
    const unread = this.depth(agent) - ids.length;
    return more.length > 0 ? { ...row, unread, more } : { ...row, unread };
  }

  /** The sender's later undelivered messages that fit in one wake-up with `first`. */
  #followUps(
    agent: string,
    first: Omit<Wakeup, "unread">,
  ): WakeupFollowUp[] {
    const candidates = this.#db.all<WakeupFollowUp>(
      `SELECT id, body, sent_at FROM ${INBOX} WHERE "to" = ? AND delivered_at IS NULL
       AND held_at IS NULL AND "from" = ? AND id > ? ORDER BY id LIMIT ?`,
      agent,
      first.from,
      first.id,
      WAKEUP_BATCH_MAX_MESSAGES - 1,
    );
    const taken: WakeupFollowUp[] = [];
    let chars = first.body.length;
    for (const message of candidates) {
      chars += message.body.length;
      // In order only: a later message never goes ahead of one left for the next turn.
      if (chars > WAKEUP_BATCH_MAX_CHARS) break;
      taken.push(message);
    }
    return taken;
  }

  /** Mark delivered; `missing` when `id` is not a message to `agent`. */
  markDelivered(
    agent: string,
    id: number,
    now: number,
  ): "delivered" | "already" | "missing" {
    const sql =
      `UPDATE messages SET delivered_at = ? WHERE id = ? AND "to" = ? AND delivered_at IS NULL`;
    if (this.#db.run(sql, now, id, agent).changes > 0) return "delivered";
    const found = this.#db.get(
      `SELECT 1 FROM messages WHERE id = ? AND "to" = ?`,
      id,
      agent,
    );
    return found ? "already" : "missing";
  }

  /**
   * Take the oldest messages no turn has claimed and nobody holds: marked delivered now, or,
   * with `hold`, held until {@linkcode settleHeld} says whether they reached the client.
   */
  takeUnclaimed(
    agent: string,
    limit: number,
    now: number,
    hold = false,
  ): BrokerMessage[] {
    const waiting =
      `SELECT 1 FROM ${INBOX} WHERE "to" = ? AND delivered_at IS NULL AND claimed_at IS NULL
       AND held_at IS NULL`;
    if (!this.#db.get(waiting, agent)) return [];
    const column = hold ? "held_at" : "delivered_at";
    const rows = this.#db.all<BrokerMessage>(
      `UPDATE messages SET ${column} = ? WHERE id IN (SELECT id FROM ${INBOX} WHERE "to" = ?
         AND delivered_at IS NULL AND claimed_at IS NULL AND held_at IS NULL ORDER BY id LIMIT ?)
       RETURNING ${COLUMNS}`,
      now,
      agent,
      limit,
    );
    // RETURNING has no defined order; an inbox is read oldest first.
    const taken = rows.sort((a, b) => a.id - b.id);
    return hold ? taken.map((row) => ({ ...row, "delivered_at": now })) : taken;
  }

  /** Held messages reached their reader (marked delivered) or did not (offered again). */
  settleHeld(
    agent: string,
    ids: readonly number[],
    delivered: boolean,
    now: number,
  ): void {
    // One statement for any number of ids (statements are prepared once and kept).
    const where = `"to" = ? AND delivered_at IS NULL AND held_at IS NOT NULL
       AND id IN (SELECT value FROM json_each(?))`;
    const list = JSON.stringify(ids);
    if (delivered) {
      this.#db.run(
        `UPDATE messages SET delivered_at = ?, held_at = NULL WHERE ${where}`,
        now,
        agent,
        list,
      );
    } else {
      this.#db.run(
        `UPDATE messages SET held_at = NULL WHERE ${where}`,
        agent,
        list,
      );
    }
  }

  /** Release every hold: the broker that held them is gone. The number released. */
  releaseHeld(): number {
    return this.#db.run(
      `UPDATE messages SET held_at = NULL WHERE held_at IS NOT NULL AND delivered_at IS NULL`,
    ).changes;
  }

  /** Undelivered messages to `agent`, claimed or not. */
  depth(agent: string): number {
    const sql =
      `SELECT count(*) AS n FROM ${INBOX} WHERE "to" = ? AND delivered_at IS NULL`;
    return this.#db.get<{ n: number }>(sql, agent)!.n;
  }

  /** The newest messages to or from `agent`, newest first. */
  recent(agent: string, limit: number): BrokerMessage[] {
    const sql = `SELECT ${COLUMNS} FROM messages WHERE id IN (
        SELECT id FROM messages WHERE "to" = ?1 UNION SELECT id FROM messages WHERE "from" = ?1
      ) ORDER BY id DESC LIMIT ?2`;
    return this.#db.all<BrokerMessage>(sql, agent, limit);
  }

  setStatus(agent: string, text: string, now: number): void {
    this.#db.run(
      `INSERT INTO statuses (agent, text, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (agent) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`,
      agent,
      text,
      now,
    );
  }

  /** Register an agent (idempotent; remembered, so acting agents cost no write). */
  register(name: string, now: number): void {
    if (this.#known.has(name)) return;
    this.#db.run(
      `INSERT OR IGNORE INTO agents (name, added_at) VALUES (?, ?)`,
      name,
      now,
    );
    this.#known.add(name);
  }

  isKnown(name: string): boolean {
    if (this.#known.has(name)) return true;
    // Another process (the hive, another harness) may have registered it.
    const found =
      this.#db.get(`SELECT 1 FROM agents WHERE name = ?`, name) !== undefined;
    if (found) this.#known.add(name);
    return found;
  }

  /** Every registered agent with its status, unread messages and pending reminders. */
  agents(): AgentSummary[] {
    return this.#db.all<AgentSummary>(`SELECT name,
        (SELECT text FROM statuses WHERE agent = name) AS status,
        (SELECT count(*) FROM ${INBOX} WHERE "to" = name AND delivered_at IS NULL) AS unread,
        (SELECT count(*) FROM reminders WHERE agent = name AND fired_at IS NULL
          AND cancelled_at IS NULL) AS pending_reminders
      FROM agents ORDER BY name`);
  }
}
