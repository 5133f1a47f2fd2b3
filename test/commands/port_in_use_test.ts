/**
 * A page port someone else holds: `run` says which port and which flag changes it, exits 2, and
 * starts nothing (no state dir is made, no turn can begin).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { portInUseMessage } from "../../lib/http/listen.ts";
import { DENO, ROOT } from "../fixtures/harness_process.ts";

Deno.test("run on a port in use names the port and --port, exits 2 and starts nothing", async () => {
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dir = await Deno.makeTempDir({ prefix: "hive-port-" });
  try {
    const port = holder.addr.port;
    const stateDir = join(dir, "state");
    const output = await new Deno.Command(DENO, {
      args: [
        "run",
        "--allow-all",
        "--config",
        join(ROOT, "deno.json"),
        "--frozen",
        join(ROOT, "main.ts"),
        "--port",
        String(port),
        "--state-dir",
        stateDir,
        "--claude",
        "/bin/false",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 2, stderr);
    assert.equal(
      stderr.trim(),
      `hive-harness: Cannot listen on 127.0.0.1:${port}: the port is in use (another hive-harness?): choose another with --port N, or --port 0 for any free one`,
    );
    await assert.rejects(Deno.stat(stateDir), Deno.errors.NotFound);
  } finally {
    holder.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hive on a host-page port in use says which port and --port, exits 1", async () => {
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dir = await Deno.makeTempDir({ prefix: "hive-port-" });
  try {
    const port = holder.addr.port;
    const output = await new Deno.Command(DENO, {
      args: [
        "run",
        "--allow-all",
        "--config",
        join(ROOT, "deno.json"),
        "--frozen",
        join(ROOT, "main.ts"),
        "hive",
        "--socket-dir",
        join(dir, "sockets"),
        "--agents",
        "alice",
        "--port",
        String(port),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 1, stderr);
    assert.ok(
      stderr.includes(
        `Cannot listen on 127.0.0.1:${port}: the port is in use (another hive-harness?): choose another with --port N`,
      ),
      stderr,
    );
  } finally {
    holder.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("portInUseMessage() brackets an IPv6 host", () => {
  assert.match(
    portInUseMessage("::1", 8080),
    /^Cannot listen on \[::1\]:8080: /,
  );
});
