import assert from "node:assert/strict";
import { HostPolicy } from "../../lib/http/host_check.ts";
import { startInProcessHarness } from "../fixtures/in_process_harness.ts";

Deno.test("HostPolicy before listening allows the loopback names on any port, nothing else", () => {
  const policy = new HostPolicy();
  for (
    const host of ["localhost:8080", "127.0.0.1:1", "[::1]:8080", "LOCALHOST"]
  ) {
    assert.equal(policy.allows(host), true, host);
  }
  for (
    const host of [
      "evil.example:8080",
      "127.0.0.1.evil.example:8080",
      "localhost.evil.example",
      "",
      "127.0.0.1:8080@evil.example",
      "[::1",
    ]
  ) {
    assert.equal(policy.allows(host), false, host);
  }
});

Deno.test("HostPolicy once listening wants the bound address or a loopback name with its port", () => {
  const policy = new HostPolicy();
  policy.listening({ hostname: "127.0.0.2", port: 4100 });
  for (
    const host of [
      "127.0.0.2:4100",
      "localhost:4100",
      "127.0.0.1:4100",
      "[::1]:4100",
    ]
  ) {
    assert.equal(policy.allows(host), true, host);
  }
  for (
    const host of [
      "127.0.0.2:4101",
      "localhost",
      "evil.example:4100",
      "10.0.0.1:4100",
    ]
  ) {
    assert.equal(policy.allows(host), false, host);
  }
});

Deno.test("HostPolicy answers to the --host name it was bound by, on its port", () => {
  const policy = new HostPolicy();
  policy.listening({ hostname: "192.168.1.20", port: 8080 }, "Agent.LAN");
  assert.equal(policy.allows("agent.lan:8080"), true);
  assert.equal(policy.allows("192.168.1.20:8080"), true);
  assert.equal(policy.allows("agent.lan:8081"), false);
  assert.equal(policy.allows("other.lan:8080"), false);
});

Deno.test("HostPolicy bound to every address takes this machine's addresses, never a name", () => {
  const policy = new HostPolicy({
    interfaceAddresses: () => ["10.1.2.3", "fe80::1"],
  });
  policy.listening({ hostname: "0.0.0.0", port: 80 });
  assert.equal(policy.allows("10.1.2.3"), true);
  assert.equal(policy.allows("10.1.2.3:80"), true);
  assert.equal(policy.allows("[fe80::1]"), true);
  assert.equal(policy.allows("10.1.2.4"), false);
  assert.equal(policy.allows("0.0.0.0"), false);
  assert.equal(policy.allows("my-host"), false);
});

Deno.test("HostPolicy takes --allowed-host names on any port, NAME:PORT on that port only", () => {
  const policy = new HostPolicy({
    allowedHosts: ["Agent.Example", "proxy.example:8443"],
  });
  policy.listening({ hostname: "127.0.0.1", port: 4100 });
  assert.equal(policy.allows("agent.example"), true);
  assert.equal(policy.allows("agent.example:443"), true);
  assert.equal(policy.allows("proxy.example:8443"), true);
  assert.equal(policy.allows("proxy.example"), false);
  assert.equal(policy.allows("proxy.example:443"), false);
  assert.throws(() => new HostPolicy({ allowedHosts: ["a/b"] }), TypeError);
});

function rebound(path: string, init: RequestInit = {}): Request {
  // What a DNS-rebinding page on evil.example sends once its name points at 127.0.0.1.
  return new Request(`http://127.0.0.1:8080${path}`, {
    ...init,
    headers: {
      host: "evil.example:8080",
      origin: "http://evil.example:8080",
      "content-type": "application/json",
    },
  });
}

Deno.test("a DNS-rebinding page can neither read the transcript nor queue a message (SPEC §12)", async () => {
  const harness = await startInProcessHarness();
  try {
    const send = await harness.app.request(
      rebound("/api/send", { method: "POST", body: '{"body":"rm -rf /"}' }),
    );
    assert.equal(send.status, 403);
    assert.match((await send.json()).error, /host not allowed: evil\.example/);
    for (
      const path of [
        "/events/history",
        "/events/stream",
        "/api/state",
        "/",
        "/healthz",
      ]
    ) {
      const response = await harness.app.request(rebound(path));
      assert.equal(response.status, 403, path);
      assert.equal(
        response.headers.get("content-type"),
        "application/json",
        path,
      );
      await response.body?.cancel();
    }
    const inbox = await (await harness.app.request("/api/inbox")).json();
    assert.deepEqual(inbox.messages, []);
  } finally {
    await harness.stop();
  }
});

Deno.test("a name given with --allowed-host is served", async () => {
  const harness = await startInProcessHarness({
    allowedHosts: ["agent.example"],
  });
  try {
    const response = await harness.app.request(
      new Request("http://agent.example/api/state", {
        headers: { host: "agent.example" },
      }),
    );
    assert.equal(response.status, 200);
    await response.body?.cancel();
  } finally {
    await harness.stop();
  }
});
