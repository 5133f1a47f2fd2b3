/**
 * @module What the host page shows (SPEC §11), read from the broker: every agent as a row (its
 * last report, `down` when stale, "needs me" first) and every open question. A
 * {@linkcode FleetFeed} re-reads it every second while a page is open and pushes a snapshot to
 * the page's event stream only when something changed — reports from harnesses in other processes arrive through
 * the shared sqlite file, so polling is what sees them.
 */
import type { BrokerApi } from "../broker/broker_api.ts";
import { toFleetAgent } from "../broker/fleet_report.ts";
import {
  byNeedsOperator,
  type FleetAgent,
  type FleetSnapshot,
} from "../wire/fleet_shapes.ts";
import type { Logger } from "../log.ts";
import type { SseHub } from "../events/sse_hub.ts";

export type { FleetSnapshot } from "../wire/fleet_shapes.ts";

/** The broker calls the view reads. */
export type FleetSource = Pick<BrokerApi, "fleet" | "allOpenQuestions">;

/** Every agent, those that need the operator first, then by name. */
export async function readAgents(
  broker: FleetSource,
  nowMs: number,
): Promise<FleetAgent[]> {
  const agents = (await broker.fleet()).map((row) => toFleetAgent(row, nowMs));
  return agents.sort(byNeedsOperator);
}

/** Agents and open questions now. */
export async function readSnapshot(
  broker: FleetSource,
  nowMs: number,
): Promise<FleetSnapshot> {
  const [agents, questions] = await Promise.all([
    readAgents(broker, nowMs),
    broker.allOpenQuestions(),
  ]);
  return { agents, questions };
}

/** Options for {@linkcode FleetFeed}. */
export interface FleetFeedOptions {
  broker: FleetSource;
  hub: SseHub;
  log: Logger;
  now?: () => number;
  /** How often the broker is read, in ms. */
  intervalMs?: number;
}

/** Publishes a snapshot to the hub whenever it changes. */
export class FleetFeed {
  #options: FleetFeedOptions;
  #seq = 0;
  #last: string | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #failing = false;

  constructor(options: FleetFeedOptions) {
    this.#options = options;
  }

  /** The snapshot as of now, `[seq, json]`, for a client that just joined. */
  async latest(): Promise<[number, string]> {
    // Read afresh: with no page open the ticks skip the broker, so the last one may be old.
    await this.refresh();
    return [this.#seq, this.#last ?? "{}"];
  }

  /** Read the broker now and publish when changed (also after a control, so the page is quick). */
  async refresh(): Promise<void> {
    const { broker, hub, log } = this.#options;
    let json: string;
    try {
      const snapshot = await readSnapshot(
        broker,
        (this.#options.now ?? Date.now)(),
      );
      json = JSON.stringify({ kind: "fleet", ...snapshot });
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) log.error("Cannot read the fleet", { error });
      this.#failing = true;
      return;
    }
    if (json === this.#last) return;
    this.#last = json;
    hub.publish(++this.#seq, json);
  }

  /** Read every `intervalMs` while a page is open, until {@linkcode stop}. */
  start(): void {
    const tick = async () => {
      if (this.#options.hub.clientCount > 0) await this.refresh();
      if (!this.#stopped) {
        this.#timer = setTimeout(tick, this.#options.intervalMs ?? 1000);
      }
    };
    void tick();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
