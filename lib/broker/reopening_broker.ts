/**
 * @module The embedded broker as the harness holds it: a broker file that cannot be opened
 * (locked, corrupt, unwritable) must not stop the harness (SPEC §3). Until it opens, every call
 * fails fast with an `unavailable` error — the turn loop backs off and says so, the page shows
 * it in `/api/state.stores.broker` — and the file is tried again at most every few seconds.
 */
import type { Broker } from "./broker.ts";
import { type BrokerApi, BrokerError } from "./broker_api.ts";
import type { StoreHealth } from "../sqlite/store_health.ts";
import { errorMessage } from "../error_message.ts";

/** The store's name in `/api/state.stores`. */
export const BROKER_STORE = "broker";

/**
 * The broker file is not open (yet): its open failure is already in `/api/state.stores.broker`,
 * so a call refused for it is not news about the store's writes.
 */
export class BrokerNotOpenError extends BrokerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "unavailable", options);
    this.name = "BrokerNotOpenError";
  }
}

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
      return Promise.reject(new BrokerNotOpenError("Broker is closed"));
    }
    if (this.#opening) return this.#opening;
    const now = (this.#options.now ?? Date.now)();
    const retryMs = this.#options.retryMs ?? 5000;
    if (now - this.#lastAttempt < retryMs) {
      return Promise.reject(
        new BrokerNotOpenError(
          `Cannot open the broker "${this.#options.path}": retrying shortly`,
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
      throw new BrokerNotOpenError(
        `Cannot open the broker: ${errorMessage(error)}`,
        { cause: error },
      );
    }).finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }

  nextWakeup: Broker["nextWakeup"] = async (agent, options) =>
    (await this.#get()).nextWakeup(agent, options);
  markDelivered: Broker["markDelivered"] = async (agent, id) =>
    (await this.#get()).markDelivered(agent, id);
  send: Broker["send"] = async (from, to, body) =>
    (await this.#get()).send(from, to, body);
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
  answerQuestion: Broker["answerQuestion"] = async (id, answer) =>
    (await this.#get()).answerQuestion(id, answer);
  cancelLooseEnd: Broker["cancelLooseEnd"] = async (agent, kind, id) =>
    (await this.#get()).cancelLooseEnd(agent, kind, id);
  setStatus: Broker["setStatus"] = async (agent, text) =>
    (await this.#get()).setStatus(agent, text);
  report: Broker["report"] = async (agent, report) =>
    (await this.#get()).report(agent, report);
  nextControl: Broker["nextControl"] = async (agent, options) =>
    (await this.#get()).nextControl(agent, options);

  async close(): Promise<void> {
    this.#closed = true;
    await this.#opening?.catch(() => {});
    await this.#broker?.close();
  }
}
