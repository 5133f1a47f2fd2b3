/**
 * @module The embedded broker as the harness holds it: a broker file that cannot be opened
 * (locked, corrupt, unwritable) must not stop the harness (SPEC §3). Until it opens, every call
 * fails fast with an `unavailable` error — the turn loop backs off and says so, the page shows
 * it in `/api/state.stores.broker` — and the file is tried again at most every few seconds.
 * An open file that cannot be written (disk full, I/O error) shows there too: every write that
 * fails for the store's sake marks it failing, and it is healthy again only once every kind of
 * write that failed has landed since (reads still work on a full disk, so they prove nothing; nor
 * does one kind of write landing while another keeps failing).
 */
import type { Broker } from "./broker.ts";
import { type BrokerApi, BrokerError } from "./broker_api.ts";
import type { StoreHealth } from "../sqlite/store_health.ts";
import { errorMessage } from "../error_message.ts";

/** The store's name in `/api/state.stores`. */
export const BROKER_STORE = "broker";

/** Options for {@linkcode ReopeningBroker}. */
export interface ReopeningBrokerOptions {
  /** Opens the broker (and registers the agent); throws when it cannot. */
  open: () => Promise<BrokerApi>;
  health: StoreHealth;
  path: string;
  /** Least time between two attempts to open, in ms. */
  retryMs?: number;
  now?: () => number;
}

/** A broker that opens itself on first use and again after a failed open. */
export class ReopeningBroker implements Broker {
  #options: ReopeningBrokerOptions;
  #broker: BrokerApi | null = null;
  #opening: Promise<BrokerApi> | null = null;
  #lastAttempt = -Infinity;
  #closed = false;
  /** The kinds of write that failed and have not landed since. */
  #failingWrites = new Set<string>();

  constructor(options: ReopeningBrokerOptions) {
    this.#options = options;
    options.health.register(BROKER_STORE, options.path);
  }

  /** Try to open now (at start), without throwing. */
  async start(): Promise<void> {
    await this.#get().catch(() => {});
  }

  #get(): Promise<BrokerApi> {
    if (this.#broker) return Promise.resolve(this.#broker);
    if (this.#closed) {
      return Promise.reject(new BrokerError("Broker is closed", "unavailable"));
    }
    if (this.#opening) return this.#opening;
    const now = (this.#options.now ?? Date.now)();
    const retryMs = this.#options.retryMs ?? 5000;
    if (now - this.#lastAttempt < retryMs) {
      return Promise.reject(
        new BrokerError(
          `Cannot open the broker "${this.#options.path}": retrying shortly`,
          "unavailable",
        ),
      );
    }
    this.#lastAttempt = now;
    this.#opening = this.#options.open().then((broker) => {
      this.#broker = broker;
      this.#options.health.succeeded(BROKER_STORE);
      return broker;
    }, (error) => {
      this.#options.health.failed(BROKER_STORE, "open", error);
      throw new BrokerError(
        `Cannot open the broker: ${errorMessage(error)}`,
        "unavailable",
        {
          cause: error,
        },
      );
    }).finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }

  nextWakeup: Broker["nextWakeup"] = (agent, options) =>
    this.#write("claim a wake-up", async (broker) => {
      const wakeup = await broker.nextWakeup(agent, options);
      // An empty inbox wrote nothing: no news about the store either way.
      return { value: wakeup, wrote: wakeup !== null };
    });
  markDelivered: Broker["markDelivered"] = (agent, id) =>
    this.#written(
      "mark delivered",
      (broker) => broker.markDelivered(agent, id),
    );
  send: Broker["send"] = (from, to, body) =>
    this.#written("send", (broker) => broker.send(from, to, body));
  inboxDepth: Broker["inboxDepth"] = async (agent) =>
    (await this.#get()).inboxDepth(agent);
  recent: Broker["recent"] = async (agent, limit) =>
    (await this.#get()).recent(agent, limit);
  looseEnds: Broker["looseEnds"] = async (agent) =>
    (await this.#get()).looseEnds(agent);
  countLooseEnds: Broker["countLooseEnds"] = async (agent) =>
    (await this.#get()).countLooseEnds(agent);
  countPendingReminders: Broker["countPendingReminders"] = async (agent) =>
    (await this.#get()).countPendingReminders(agent);
  answerQuestion: Broker["answerQuestion"] = (id, answer) =>
    this.#written("answer", (broker) => broker.answerQuestion(id, answer));
  cancelLooseEnd: Broker["cancelLooseEnd"] = (agent, kind, id) =>
    this.#written(
      "cancel",
      (broker) => broker.cancelLooseEnd(agent, kind, id),
    );
  setStatus: Broker["setStatus"] = (agent, text) =>
    this.#written("set status", (broker) => broker.setStatus(agent, text));
  report: Broker["report"] = (agent, report) =>
    this.#written("report", (broker) => broker.report(agent, report));
  nextControl: Broker["nextControl"] = async (agent, options) =>
    (await this.#get()).nextControl(agent, options);

  #written<T>(
    action: string,
    call: (broker: BrokerApi) => Promise<T>,
  ): Promise<T> {
    return this.#write(
      action,
      async (broker) => ({ value: await call(broker), wrote: true }),
    );
  }

  // A write that failed for the store's sake (`unavailable`: disk full, I/O, locked) is the
  // store's health; a refusal of the caller (`invalid`, `not_found`, `full`...) is not.
  async #write<T>(
    action: string,
    call: (broker: BrokerApi) => Promise<{ value: T; wrote: boolean }>,
  ): Promise<T> {
    const broker = await this.#get();
    try {
      const { value, wrote } = await call(broker);
      if (wrote) {
        this.#failingWrites.delete(action);
        if (this.#failingWrites.size === 0) {
          this.#options.health.succeeded(BROKER_STORE);
        }
      }
      return value;
    } catch (error) {
      if (error instanceof BrokerError && error.code === "unavailable") {
        this.#failingWrites.add(action);
        this.#options.health.failed(BROKER_STORE, action, error.cause ?? error);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#opening?.catch(() => {});
    await this.#broker?.close();
  }
}
