/**
 * @module The broker itself, on an sqlite file (SPEC §8): what `run` embeds when it has no
 * `--hive-socket`, what `hive` serves on sockets, and what `mcp --broker-db` opens beside the
 * harness. Long-polls wake on this process's writes at once and on other processes' writes by
 * `PRAGMA data_version`; a {@linkcode DueScheduler} fires reminders and expires questions.
 */
import type { DatabaseSync } from "node:sqlite";
import { createLogger, type Logger } from "../log.ts";
import { openDatabase } from "../sqlite/open.ts";
import type {
  AgentSummary,
  BrokerMessage,
  LooseEnds,
  NextWakeupOptions,
  OpenQuestion,
  Wakeup,
} from "./broker.ts";
import {
  assertAgentName,
  type BrokerApi,
  BrokerError,
  type NewQuestion,
  type RecvOptions,
  type ReminderDue,
} from "./broker_api.ts";
import { BrokerDb } from "./broker_db.ts";
import { BROKER_MIGRATIONS } from "./broker_schema.ts";
import { DueScheduler } from "./due_scheduler.ts";
import { InboxSignal } from "./inbox_signal.ts";
import { InboxStore } from "./inbox_store.ts";
import { LooseEndStore } from "./loose_end_store.ts";
import { FleetStore } from "./fleet_store.ts";
import type {
  AgentControl,
  AgentReport,
  FleetRow,
  NewAgentControl,
} from "./fleet_report.ts";
import * as rules from "./loose_ends.ts";
import { questionExpired } from "./notices.ts";
import { writeStatusFile } from "./status_file.ts";

/** Options for {@linkcode EmbeddedBroker} and {@linkcode openEmbeddedBroker}. */
export interface EmbeddedBrokerOptions {
  log?: Logger;
  /** Wall clock in ms; stored times are its unix seconds. */
  now?: () => number;
  /** How often other processes' writes are looked for while a long-poll waits, in ms. */
  pollMs?: number;
  /** Longest sleep of the reminder scheduler, in ms. */
  tickMs?: number;
  /** Run the reminder and deadline scheduler (off for a second process on the same file). */
  schedule?: boolean;
  /** Where `setStatus` also writes the agent's `hyperhive-status` file, if anywhere. */
  statusFile?: (agent: string) => string | null;
  /** Most undelivered messages an agent's inbox holds; `send` past it is refused (`full`). */
  maxQueued?: number;
}

/** The default cap of undelivered messages per agent: each one is a paid turn. */
export const DEFAULT_MAX_QUEUED = 1000;

/** Open (creating and migrating) a broker store and start its scheduler. */
export function openEmbeddedBroker(
  path: string,
  options: EmbeddedBrokerOptions = {},
): EmbeddedBroker {
  const broker = new EmbeddedBroker(
    openDatabase(path, BROKER_MIGRATIONS),
    options,
  );
  broker.start();
  return broker;
}

/** The sqlite-backed broker serving any number of agents. */
export class EmbeddedBroker implements BrokerApi {
  #db: BrokerDb;
  #inbox: InboxStore;
  #looseEnds: LooseEndStore;
  #fleet: FleetStore;
  #log: Logger;
  #now: () => number;
  #statusFile: (agent: string) => string | null;
  #signal: InboxSignal;
  #scheduler: DueScheduler | null;
  #maxQueued: number;
  #lastStoreFailure: string | null = null;
  #closed = false;

  constructor(db: DatabaseSync, options: EmbeddedBrokerOptions = {}) {
    const {
      log = createLogger(),
      now = Date.now,
      pollMs,
      tickMs,
      schedule = true,
    } = options;
    this.#db = new BrokerDb(db);
    this.#inbox = new InboxStore(this.#db);
    this.#looseEnds = new LooseEndStore(this.#db, this.#inbox);
    this.#fleet = new FleetStore(this.#db);
    this.#log = log;
    this.#now = now;
    this.#statusFile = options.statusFile ?? (() => null);
    this.#maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    const onError = (error: unknown) =>
      log.error("Broker background step failed", { error });
    const readVersion = () => this.#db.dataVersion();
    this.#signal = new InboxSignal({
      readVersion,
      onError,
      ...(pollMs ? { pollMs } : {}),
    });
    this.#scheduler = schedule
      ? new DueScheduler({
        runDue: () =>
          this.#wake(this.#looseEnds.fireDue(this.#sec(), questionExpired)),
        nextDueMs: () => {
          const due = this.#looseEnds.nextDue();
          return due === null ? null : due * 1000;
        },
        now,
        onError,
        ...(tickMs ? { tickMs } : {}),
      })
      : null;
  }

  /** Start the scheduler: fires at once what fell due while no broker ran. */
  start(): void {
    this.#scheduler?.start();
  }

  nextWakeup(
    agent: string,
    options: NextWakeupOptions,
  ): Promise<Wakeup | null> {
    return this.#poll(
      agent,
      options,
      () => this.#inbox.claimOldest(agent, this.#sec(), options.batch),
    );
  }

  markDelivered(agent: string, id: number): Promise<void> {
    return this.#act(() => {
      if (this.#inbox.markDelivered(agent, id, this.#sec()) === "missing") {
        throw new BrokerError(
          `Cannot mark message ${id} delivered: no such message to "${agent}"`,
          "not_found",
        );
      }
    });
  }

  async recv(agent: string, options: RecvOptions): Promise<BrokerMessage[]> {
    const limit = options.limit ?? 100;
    const hold = options.hold ?? false;
    const taken = await this.#poll(agent, options, () => {
      const messages = this.#inbox.takeUnclaimed(
        agent,
        limit,
        this.#sec(),
        hold,
      );
      return messages.length > 0 ? messages : null;
    });
    return taken ?? [];
  }

  settleRecv(
    agent: string,
    ids: readonly number[],
    delivered: boolean,
  ): Promise<void> {
    return this.#act(() => {
      this.#inbox.settleHeld(agent, ids, delivered, this.#sec());
      // Messages offered again wake a waiting reader.
      if (!delivered) this.#signal.notify(agent);
    });
  }

  /** Release the holds a killed broker left (only the one broker serving sockets calls it). */
  releaseHeld(): Promise<number> {
    return this.#act(() => this.#inbox.releaseHeld());
  }

  send(from: string, to: string, body: string): Promise<{ id: number }> {
    return this.#act(() => {
      if (from.trim() === "") {
        throw new BrokerError("Cannot send: the sender is empty", "invalid");
      }
      if (body === "") {
        throw new BrokerError("Cannot send: the body is empty", "invalid");
      }
      if (to !== "operator" && !this.#inbox.isKnown(to)) {
        throw new BrokerError(
          `Cannot send: unknown agent "${to}"`,
          "not_found",
        );
      }
      if (to !== "operator" && this.#inbox.depth(to) >= this.#maxQueued) {
        throw new BrokerError(
          `Cannot send to "${to}": its inbox holds ${this.#maxQueued} undelivered messages, the most it queues; try again once it has worked through them`,
          "full",
        );
      }
      const id = this.#inbox.insert(from, to, body, this.#sec());
      this.#signal.notify(to);
      return { id };
    });
  }

  inboxDepth(agent: string): Promise<number> {
    return this.#act(() => this.#inbox.depth(agent));
  }

  recent(agent: string, limit: number): Promise<BrokerMessage[]> {
    return this.#act(() =>
      this.#inbox.recent(agent, Math.max(1, Math.min(1000, Math.floor(limit))))
    );
  }

  looseEnds(agent: string): Promise<LooseEnds> {
    return this.#act(() => rules.looseEndsOf(this.#looseEnds, agent));
  }

  countLooseEnds(agent: string): Promise<number> {
    return this.#act(() => this.#looseEnds.countLooseEnds(agent));
  }

  countPendingReminders(agent: string): Promise<number> {
    return this.#act(() => this.#looseEnds.countPendingReminders(agent));
  }

  ask(agent: string, question: NewQuestion): Promise<{ id: number }> {
    return this.#act((deps) => {
      this.#inbox.register(agent, this.#sec());
      const { id, woken } = rules.askQuestion(deps, agent, question);
      this.#wake(woken);
      this.#scheduler?.rearm();
      return { id };
    });
  }

  answerQuestion(id: number, answer: string): Promise<void> {
    return this.answerAs(null, id, answer, true);
  }

  answerAs(
    agent: string | null,
    id: number,
    text: string,
    asOperator: boolean,
  ): Promise<void> {
    return this.#act((deps) =>
      this.#wake(rules.answerQuestion(deps, { agent, id, text, asOperator }))
    );
  }

  cancelLooseEnd(
    agent: string,
    kind: "question" | "reminder",
    id: number,
  ): Promise<void> {
    return this.#act((deps) =>
      this.#wake(rules.cancelLooseEnd(deps, agent, kind, id))
    );
  }

  remind(
    agent: string,
    message: string,
    due: ReminderDue,
  ): Promise<{ id: number; due_at: number }> {
    return this.#act((deps) => {
      this.#inbox.register(agent, this.#sec());
      const reminder = rules.addReminder(deps, agent, { message, due });
      this.#scheduler?.rearm();
      return reminder;
    });
  }

  async setStatus(agent: string, text: string): Promise<void> {
    await this.#act(() => {
      this.#inbox.register(agent, this.#sec());
      this.#inbox.setStatus(agent, text, this.#sec());
    });
    const path = this.#statusFile(agent);
    if (path) await writeStatusFile(path, text, this.#log);
  }

  listAgents(): Promise<AgentSummary[]> {
    return this.#act(() => this.#inbox.agents());
  }

  addAgent(name: string): Promise<void> {
    return this.#act(() => {
      assertAgentName(name);
      this.#inbox.register(name, this.#sec());
    });
  }

  isKnownAgent(name: string): Promise<boolean> {
    return this.#act(() => this.#inbox.isKnown(name));
  }

  report(agent: string, report: AgentReport): Promise<void> {
    return this.#act(() => {
      this.#inbox.register(agent, this.#sec());
      this.#fleet.saveReport(agent, report, this.#now());
    });
  }

  async nextControl(
    agent: string,
    options: NextWakeupOptions,
  ): Promise<AgentControl | null> {
    await this.#act(() => this.#inbox.register(agent, this.#sec()));
    return this.#signal.poll(
      controlKey(agent),
      options,
      () => this.#fleet.takeControl(agent, this.#sec()),
    );
  }

  fleet(): Promise<FleetRow[]> {
    return this.#act(() => this.#fleet.rows());
  }

  allOpenQuestions(): Promise<OpenQuestion[]> {
    return this.#act(() => this.#fleet.openQuestions());
  }

  requestControl(
    agent: string,
    control: NewAgentControl,
  ): Promise<{ id: number }> {
    return this.#act(() => {
      if (!this.#inbox.isKnown(agent)) {
        throw new BrokerError(`Unknown agent "${agent}"`, "not_found");
      }
      const id = this.#fleet.addControl(agent, control, this.#sec());
      this.#signal.notify(controlKey(agent));
      return { id };
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#scheduler?.stop();
    this.#signal.close();
    this.#db.close();
    return Promise.resolve();
  }

  // Registers the agent first: an agent waiting for messages is one that can be sent to.
  async #poll<T>(
    agent: string,
    options: NextWakeupOptions,
    take: () => T | null,
  ): Promise<T | null> {
    await this.#act(() => this.#inbox.register(agent, this.#sec()));
    return this.#signal.poll(agent, options, () => {
      try {
        return take();
      } catch (error) {
        throw this.#storeFailure(error);
      }
    });
  }

  #wake(agents: string[]): void {
    for (const agent of agents) this.#signal.notify(agent);
  }

  #sec(): number {
    return Math.floor(this.#now() / 1000);
  }

  // Every call goes through here: a closed broker refuses clearly instead of touching a closed db.
  #act<T>(fn: (deps: rules.LooseEndDeps) => T): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new BrokerError("Cannot use the broker: it is closed", "unavailable"),
      );
    }
    try {
      const { inbox, store } = { inbox: this.#inbox, store: this.#looseEnds };
      const isKnown = (name: string) => inbox.isKnown(name);
      return Promise.resolve(
        fn({ db: this.#db, inbox, store, nowMs: this.#now(), isKnown }),
      );
    } catch (error) {
      return Promise.reject(this.#storeFailure(error));
    }
  }

  // A store that cannot be read or written (disk full, I/O error, locked) is not the caller's
  // fault: `unavailable`, so HTTP answers 503 and the harness shows the store failing.
  #storeFailure(error: unknown): unknown {
    if (!isSqliteError(error)) return error;
    if (this.#lastStoreFailure !== error.message) {
      this.#lastStoreFailure = error.message;
      this.#log.error("Broker store failed", { error: error.message });
    }
    return new BrokerError(
      `Cannot use the broker store: ${error.message}`,
      "unavailable",
      { cause: error },
    );
  }
}

function isSqliteError(error: unknown): error is Error {
  return error instanceof Error &&
    (error as { code?: unknown }).code === "ERR_SQLITE_ERROR";
}

// Control long-polls wait on their own key; `:` is never part of an agent name.
function controlKey(agent: string): string {
  return `control:${agent}`;
}
