import assert from "node:assert/strict";
import {
  connectionCap,
  ENDED_CONNECTIONS_BATCH,
  readDescriptorLimit,
  RESERVED_DESCRIPTORS,
  startServer,
} from "../../lib/http/server.ts";
import { createMemoryLogger } from "../../lib/log.ts";
import { startInProcessHarness } from "../fixtures/in_process_harness.ts";

const encoder = new TextEncoder();

/** A read that timed out is still pending: the next call takes it over, so no bytes are lost. */
const pendingReads = new WeakMap<Deno.Conn, Promise<Uint8Array | null>>();

/** Read from a raw connection until it closes or `ms` pass; returns what came and whether it closed. */
async function readUntilClosed(
  conn: Deno.Conn,
  ms: number,
): Promise<{ text: string; closed: boolean }> {
  let text = "";
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return { text, closed: false };
    const pending = pendingReads.get(conn) ?? (async () => {
      const buffer = new Uint8Array(64 * 1024);
      const n = await conn.read(buffer).catch(() => null);
      return n === null ? null : buffer.subarray(0, n);
    })();
    pendingReads.set(conn, pending);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = await Promise.race([
      pending,
      new Promise<"timeout">((resolve) =>
        timer = setTimeout(() => resolve("timeout"), left)
      ),
    ]);
    clearTimeout(timer);
    if (read === "timeout") return { text, closed: false };
    pendingReads.delete(conn);
    if (read === null) return { text, closed: true };
    text += new TextDecoder().decode(read);
  }
}

function connect(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

Deno.test("startServer() closes a connection that sends no request, or half a head, within the header timeout", async () => {
  const shutdown = new AbortController();
  const server = startServer(() => new Response("ok"), {
    hostname: "127.0.0.1",
    port: 0,
    log: createMemoryLogger(),
    signal: shutdown.signal,
    headerTimeoutMs: 300,
    idleTimeoutMs: 60_000,
  });
  try {
    const silent = await connect(server.addr.port);
    const slow = await connect(server.addr.port);
    await slow.write(encoder.encode("GET / HTTP/1.1\r\nHost: localhost\r\n"));
    const [a, b] = await Promise.all([
      readUntilClosed(silent, 5_000),
      readUntilClosed(slow, 5_000),
    ]);
    assert.equal(a.closed, true);
    assert.equal(b.closed, true);
    silent.close();
    slow.close();
  } finally {
    shutdown.abort();
    await server.finished;
  }
});

Deno.test("startServer() closes an idle keep-alive connection but not one with a response still streaming", async () => {
  const shutdown = new AbortController();
  let streamController: ReadableStreamDefaultController<Uint8Array> | undefined;
  const server = startServer((request) => {
    if (new URL(request.url).pathname === "/stream") {
      return new Response(
        new ReadableStream<Uint8Array>({
          start: (controller) => void (streamController = controller),
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    }
    return new Response("ok");
  }, {
    hostname: "127.0.0.1",
    port: 0,
    log: createMemoryLogger(),
    signal: shutdown.signal,
    headerTimeoutMs: 5_000,
    idleTimeoutMs: 300,
  });
  try {
    const idle = await connect(server.addr.port);
    await idle.write(
      encoder.encode("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    );
    const idleRead = await readUntilClosed(idle, 5_000);
    assert.match(idleRead.text, /^HTTP\/1\.1 200/);
    assert.equal(idleRead.closed, true);
    idle.close();

    const streaming = await connect(server.addr.port);
    await streaming.write(
      encoder.encode("GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    );
    const early = await readUntilClosed(streaming, 1_000);
    assert.equal(early.closed, false, "a streaming response was cut");
    streamController!.enqueue(encoder.encode("data: still here\n\n"));
    const later = await readUntilClosed(streaming, 500);
    assert.match(later.text, /still here/);
    assert.equal(later.closed, false);
    streamController!.close();
    const end = await readUntilClosed(streaming, 5_000);
    assert.equal(end.closed, true);
    streaming.close();
  } finally {
    shutdown.abort();
    await server.finished;
  }
});

Deno.test("startServer() answers 503 JSON over the connection cap and serves again once connections close", async () => {
  const shutdown = new AbortController();
  const server = startServer(() => new Response("ok"), {
    hostname: "127.0.0.1",
    port: 0,
    log: createMemoryLogger(),
    signal: shutdown.signal,
    maxConnections: 3,
    descriptorLimit: null,
  });
  try {
    const held = await Promise.all(
      [1, 2, 3].map(() => connect(server.addr.port)),
    );
    // Let the accept loop take the three before the one over the cap arrives.
    while (server.connections < 3) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const over = await connect(server.addr.port);
    const refused = await readUntilClosed(over, 5_000);
    over.close();
    assert.match(refused.text, /^HTTP\/1\.1 503/);
    assert.match(refused.text, /\{"error":"too many open connections"\}/);
    assert.equal(refused.closed, true);
    assert.equal(server.refused, 1);
    for (const conn of held) conn.close();
    const deadline = Date.now() + 5_000;
    while (server.connections > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
    assert.equal(await response.text(), "ok");
  } finally {
    shutdown.abort();
    await server.finished;
  }
});

Deno.test("startServer() says when a crowd of connections has ended, once per batch", async () => {
  const shutdown = new AbortController();
  let told = 0;
  const server = startServer(() => new Response("ok"), {
    hostname: "127.0.0.1",
    port: 0,
    log: createMemoryLogger(),
    signal: shutdown.signal,
    descriptorLimit: null,
    onConnectionsEnded: () => told++,
  });
  try {
    const count = ENDED_CONNECTIONS_BATCH * 2 + 5;
    const conns = await Promise.all(
      Array.from({ length: count }, () => connect(server.addr.port)),
    );
    while (server.connections < count) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(told, 0, "nothing ended yet");
    for (const conn of conns) conn.close();
    while (server.connections > 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(told, 2);
  } finally {
    shutdown.abort();
    await server.finished;
  }
});

Deno.test("connectionCap() leaves descriptors for the rest of the process", () => {
  assert.equal(connectionCap(4096, null), 4096);
  assert.equal(connectionCap(4096, 400), 400 - RESERVED_DESCRIPTORS);
  assert.equal(connectionCap(100, 400), 100);
  assert.equal(connectionCap(4096, 50), 1);
  const limit = readDescriptorLimit();
  assert.ok(limit === null || limit > 0);
});

Deno.test("TRACE through the real server gets a JSON 405, not a 500", async () => {
  const harness = await startInProcessHarness();
  const shutdown = new AbortController();
  const server = startServer(harness.app.fetch, {
    hostname: "127.0.0.1",
    port: 0,
    log: createMemoryLogger(),
    signal: shutdown.signal,
  });
  try {
    const conn = await connect(server.addr.port);
    await conn.write(
      encoder.encode(
        `TRACE /api/state HTTP/1.1\r\nHost: 127.0.0.1:${server.addr.port}\r\nConnection: close\r\n\r\n`,
      ),
    );
    const { text } = await readUntilClosed(conn, 5_000);
    conn.close();
    assert.match(text, /^HTTP\/1\.1 405/);
    assert.match(text, /"error":"method TRACE not allowed"/);
  } finally {
    shutdown.abort();
    await server.finished;
    await harness.stop();
  }
});

Deno.test("startServer() keeps accepting after accept() fails for want of descriptors", async () => {
  const log = createMemoryLogger();
  const shutdown = new AbortController();
  let failures = 3;
  const server = startServer(() => new Response("ok"), {
    hostname: "127.0.0.1",
    port: 0,
    log,
    signal: shutdown.signal,
    listen: (options) => {
      const real = Deno.listen(options);
      // Deno's accept() rejects like this when the process is out of descriptors (EMFILE).
      const accept = () =>
        failures-- > 0
          ? Promise.reject(new Error("Too many open files (os error 24)"))
          : real.accept();
      return {
        accept,
        close: () => real.close(),
        addr: real.addr,
      } as unknown as Deno.Listener;
    },
  });
  try {
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
    assert.equal(await response.text(), "ok");
    const messages = log.records.map((record) => record.msg);
    assert.equal(
      messages.filter((m) => m === "Cannot accept an HTTP connection; retrying")
        .length,
      1,
    );
    assert.ok(messages.includes("Accepting HTTP connections again"));
  } finally {
    shutdown.abort();
    await server.finished;
  }
});
