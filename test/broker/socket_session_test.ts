import assert from "node:assert/strict";
import {
  MAX_REQUEST_BYTES,
  READ_AHEAD_BYTES,
  serveConnection,
  type SessionConn,
} from "../../lib/broker/socket_session.ts";

import type { BrokerRequestHandler } from "../../lib/broker/request_handler.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { delay } from "./broker_fixture.ts";

/** A client that pipelines 1 MiB lines without end, counting what the session read of them. */
function floodingClient(): SessionConn & {
  bytesRead: number;
  closed: boolean;
} {
  const line = new Uint8Array(MAX_REQUEST_BYTES - 1).fill(0x20);
  line.set(new TextEncoder().encode('{"cmd":"recv","wait_seconds":180}'));
  line[line.length - 1] = 10;
  let offset = 0;
  const client = {
    bytesRead: 0,
    closed: false,
    read(buffer: Uint8Array): Promise<number | null> {
      if (client.closed) return Promise.resolve(null);
      const n = Math.min(buffer.length, line.length - offset);
      buffer.set(line.subarray(offset, offset + n));
      offset = (offset + n) % line.length;
      client.bytesRead += n;
      return Promise.resolve(n);
    },
    write: (bytes: Uint8Array): Promise<number> =>
      Promise.resolve(bytes.length),
    close() {
      client.closed = true;
    },
  };
  return client;
}

Deno.test("a connection pipelining 1 MiB lines behind a long recv is read at most 64 KiB ahead", async () => {
  const hang = new AbortController();
  let handled = 0;
  // The first request never ends until the test stops it: what the client sends meanwhile waits.
  const handler: BrokerRequestHandler = async (_request, signal) => {
    handled++;
    if (hang.signal.aborted) return { ok: true };
    await new Promise<void>((resolve) => {
      hang.signal.addEventListener("abort", () => resolve(), { once: true });
      signal?.addEventListener("abort", () => resolve(), { once: true });
    });
    return { ok: true };
  };
  const client = floodingClient();
  const serving = serveConnection(client, handler, createMemoryLogger());
  let before = -1;
  while (before !== client.bytesRead) {
    before = client.bytesRead;
    await delay(100);
  }
  assert.equal(handled, 1);
  // The line being handled (the 1 MiB recv), and at most the read-ahead and one read beyond.
  assert.equal(READ_AHEAD_BYTES, 64 * 1024);
  assert.ok(
    client.bytesRead <= MAX_REQUEST_BYTES + READ_AHEAD_BYTES + 64 * 1024,
    `read ${client.bytesRead} bytes ahead of a stuck request`,
  );
  client.close();
  hang.abort();
  await serving;
});

Deno.test("a client that leaves while reading is paused frees its session once the request ends", async () => {
  const finish = Promise.withResolvers<void>();
  const handler: BrokerRequestHandler = async () => {
    await finish.promise;
    return { ok: true };
  };
  const client = floodingClient();
  // Gone: its answers cannot be written any more.
  client.write = () =>
    client.closed
      ? Promise.reject(new Deno.errors.BrokenPipe("gone"))
      : Promise.resolve(0);
  const serving = serveConnection(client, handler, createMemoryLogger());
  await delay(200);
  client.close();
  finish.resolve();
  // Before, the reader stayed parked for good, holding what it had read.
  const ended = await Promise.race([
    serving.then(() => true),
    delay(5000).then(() => false),
  ]);
  assert.ok(ended, "the session ended");
});
