/**
 * @module Test helpers for the broker: a broker reachable the two ways the harness reaches one —
 * in-process through the request handler, and through `hive` sockets — behind one `connect(name)`
 * that gives the request function of that agent's (or the manager's) identity.
 */
import { createMemoryLogger } from "../../lib/log.ts";
import {
  type EmbeddedBroker,
  openEmbeddedBroker,
} from "../../lib/broker/embedded_broker.ts";
import { type Hive, startHive } from "../../lib/broker/hive.ts";
import { createBrokerRequestHandler } from "../../lib/broker/request_handler.ts";
import type { BrokerRequester } from "../../lib/broker/mcp_tools.ts";
import { SocketBroker } from "../../lib/broker/socket_client.ts";

/** A broker under test with agents `a`, `b` and the manager `boss`. */
export interface TestBroker {
  transport: "embedded" | "socket";
  broker: EmbeddedBroker;
  dir: string;
  /** The request function acting as `name` (the manager's when `name` is `boss`). */
  connect(name: string): TestRequester;
  hive?: Hive;
  close(): Promise<void>;
}

/** A request function whose answers tests read freely. */
export type TestRequester = (
  request: Record<string, unknown>,
  signal?: AbortSignal,
) => Promise<Record<string, unknown>>;

/** The transports every protocol test runs over. */
export const TRANSPORTS = ["embedded", "socket"] as const;

/** Open a broker with agents a, b and manager boss, reached over `transport`. */
export async function openTestBroker(
  transport: "embedded" | "socket",
): Promise<TestBroker> {
  const dir = await Deno.makeTempDir({ prefix: "broker-test-" });
  const log = createMemoryLogger();
  if (transport === "embedded") {
    const broker = openEmbeddedBroker(`${dir}/hyperhive-broker.sqlite`, {
      log,
    });
    for (const name of ["a", "b", "boss"]) await broker.addAgent(name);
    return {
      transport,
      broker,
      dir,
      connect: (name) =>
        loosen(
          createBrokerRequestHandler(broker, {
            agent: name,
            role: name === "boss" ? "manager" : "agent",
          }),
        ),
      close: async () => {
        await broker.close();
        await Deno.remove(dir, { recursive: true });
      },
    };
  }
  const hive = await startHive({
    socketDir: dir,
    agents: ["a", "b"],
    manager: "boss",
    db: `${dir}/broker.sqlite`,
  }, { log });
  const clients: SocketBroker[] = [];
  return {
    transport,
    broker: hive.broker,
    dir,
    hive,
    connect: (name) => {
      const path = hive.sockets.get(name);
      if (!path) throw new Error(`no socket for ${name}`);
      const client = new SocketBroker(path, {
        role: name === "boss" ? "manager" : "agent",
      });
      clients.push(client);
      return loosen((request, signal) =>
        client.request(request, signal ? { signal } : {})
      );
    },
    close: async () => {
      for (const client of clients) await client.close();
      await hive.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function loosen(request: BrokerRequester): TestRequester {
  return (body, signal) =>
    request(body, signal) as Promise<Record<string, unknown>>;
}

/** Resolve after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
