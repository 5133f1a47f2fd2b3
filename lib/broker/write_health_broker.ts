/**
 * @module A broker whose writes report to {@linkcode StoreHealth}, as the harness holds it: the
 * embedded store or the hive behind `--hive-socket` alike. A write that fails for the store's
 * sake (`unavailable`: disk full, I/O error, the hive unreachable) marks `/api/state.stores.broker`
 * failing; it says healthy again only once every kind of write that failed has landed since.
 * Reads prove nothing (they still work on a full disk), nor does one kind of write landing while
 * another keeps failing; a refusal of the caller (`invalid`, `not_found`, `full`...) is not the
 * store's health.
 */
import type { Broker } from "./broker.ts";
import { BrokerError } from "./broker_api.ts";
import type { StoreHealth } from "../sqlite/store_health.ts";
import { BROKER_STORE, BrokerNotOpenError } from "./reopening_broker.ts";

/** `inner` with its writes reported to `health` under {@linkcode BROKER_STORE}. */
export class WriteHealthBroker implements Broker {
  #inner: Broker;
  #health: StoreHealth;
  /** The kinds of write that failed and have not landed since. */
  #failing = new Set<string>();

  /** `where` names the store in `/api/state.stores.broker.path` (its file, or the socket). */
  constructor(inner: Broker, health: StoreHealth, where: string) {
    this.#inner = inner;
    this.#health = health;
    health.register(BROKER_STORE, where);
  }

  nextWakeup: Broker["nextWakeup"] = (agent, options) =>
    this.#write("claim a wake-up", async () => {
      const wakeup = await this.#inner.nextWakeup(agent, options);
      // An empty inbox wrote nothing: no news about the store either way.
      return { value: wakeup, wrote: wakeup !== null };
    });
  markDelivered: Broker["markDelivered"] = (agent, id) =>
    this.#written("mark delivered", () => this.#inner.markDelivered(agent, id));
  send: Broker["send"] = (from, to, body) =>
    this.#written("send", () => this.#inner.send(from, to, body));
  inboxDepth: Broker["inboxDepth"] = (agent) => this.#inner.inboxDepth(agent);
  recent: Broker["recent"] = (agent, limit) => this.#inner.recent(agent, limit);
  looseEnds: Broker["looseEnds"] = (agent) => this.#inner.looseEnds(agent);
  countLooseEnds: Broker["countLooseEnds"] = (agent) =>
    this.#inner.countLooseEnds(agent);
  countPendingReminders: Broker["countPendingReminders"] = (agent) =>
    this.#inner.countPendingReminders(agent);
  answerQuestion: Broker["answerQuestion"] = (id, answer) =>
    this.#written("answer", () => this.#inner.answerQuestion(id, answer));
  cancelLooseEnd: Broker["cancelLooseEnd"] = (agent, kind, id) =>
    this.#written("cancel", () => this.#inner.cancelLooseEnd(agent, kind, id));
  setStatus: Broker["setStatus"] = (agent, text) =>
    this.#written("set status", () => this.#inner.setStatus(agent, text));
  report: Broker["report"] = (agent, report) =>
    this.#written("report", () => this.#inner.report(agent, report));
  nextControl: Broker["nextControl"] = (agent, options) =>
    this.#inner.nextControl(agent, options);
  close: Broker["close"] = () => this.#inner.close();

  #written<T>(action: string, call: () => Promise<T>): Promise<T> {
    return this.#write(action, async () => ({
      value: await call(),
      wrote: true,
    }));
  }

  async #write<T>(
    action: string,
    call: () => Promise<{ value: T; wrote: boolean }>,
  ): Promise<T> {
    try {
      const { value, wrote } = await call();
      if (wrote) {
        this.#failing.delete(action);
        if (this.#failing.size === 0) this.#health.succeeded(BROKER_STORE);
      }
      return value;
    } catch (error) {
      if (
        error instanceof BrokerError && error.code === "unavailable" &&
        !(error instanceof BrokerNotOpenError)
      ) {
        this.#failing.add(action);
        this.#health.failed(BROKER_STORE, action, error.cause ?? error);
      }
      throw error;
    }
  }
}
