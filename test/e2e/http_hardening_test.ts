/**
 * The real harness as a process, probed the way an attacker would: a DNS-rebinding page, and a
 * flood of idle connections under a low descriptor limit while a turn runs.
 */
import assert from "node:assert/strict";
import { startScriptedApi, text } from "../fixtures/scripted_api.ts";
import {
  startHarnessProcess,
  waitForEvent,
} from "../fixtures/harness_process.ts";

async function rawGet(
  url: string,
  path: string,
  host: string,
): Promise<{ status: number; body: string }> {
  // fetch() sets Host from the URL; a raw request says what a rebinding browser would.
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    const text = await new Response(conn.readable).text();
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
    return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  } catch (error) {
    conn.close();
    throw error;
  }
}

Deno.test("the running harness answers only its own Host names (SPEC §12)", async () => {
  const harness = await startHarnessProcess({
    args: ["--allowed-host", "agent.example"],
  });
  try {
    const port = new URL(harness.url).port;
    for (
      const host of [`127.0.0.1:${port}`, `localhost:${port}`, "agent.example"]
    ) {
      const { status } = await rawGet(harness.url, "/api/state", host);
      assert.equal(status, 200, host);
    }
    for (
      const host of [
        `evil.example:${port}`,
        `127.0.0.1:${Number(port) + 1}`,
        "localhost",
      ]
    ) {
      const { status, body } = await rawGet(
        harness.url,
        "/events/history",
        host,
      );
      assert.equal(status, 403, host);
      assert.match(JSON.parse(body).error, /host not allowed/);
    }
  } finally {
    await harness.stop();
  }
});

Deno.test("under ulimit -n 400, 450 idle connections during a turn neither kill the harness nor the turn", async () => {
  const api = startScriptedApi({
    script: [{
      kind: "message",
      blocks: [{ type: "text", text: "done despite the flood" }],
      delayMs: 4_000,
    }],
    fallback: text("ok"),
  });
  const harness = await startHarnessProcess({
    apiUrl: api.url,
    openFileLimit: 400,
  });
  const { hostname, port } = new URL(harness.url);
  const conns: Deno.TcpConn[] = [];
  try {
    await harness.post("/api/send", { body: "work while they flood" });
    await waitForEvent(harness, (event) => event.kind === "turn_start");
    let exited = false;
    harness.child.status.then(() => exited = true);
    for (let i = 0; i < 450; i++) {
      conns.push(await Deno.connect({ hostname, port: Number(port) }));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(exited, false, "the harness exited under the flood");
    for (const conn of conns.splice(0)) conn.close();
    const events = await waitForEvent(
      harness,
      (event) => event.kind === "turn_end",
    );
    const end = events.find((event) => event.kind === "turn_end")!;
    assert.equal(end.ok, true, `turn ended ${JSON.stringify(end)}`);
    assert.equal((await harness.get("/healthz")).status, 200);
    assert.ok(
      !harness.logs.some((line) => /Too many open files/.test(line)),
      `the cap kept the process below its descriptor limit:\n${
        harness.logs.join("\n")
      }`,
    );
    assert.ok(
      harness.logs.some((line) => /"level":"error"/.test(line)) === false,
      `no errors logged:\n${harness.logs.join("\n")}`,
    );
    const status = await harness.stop();
    assert.equal(status.code, 0);
  } finally {
    for (const conn of conns) conn.close();
    await harness.stop().catch(() => {});
    await api.close();
  }
});
