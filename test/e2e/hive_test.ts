/**
 * Several harnesses on one machine sharing one `hive` broker, through real claude turns and the
 * MCP tools: agent A messages B and B wakes for it; A asks the operator, who answers on the
 * manager's socket (A's own socket, hence A's page, cannot answer as the operator), and A wakes
 * with the answer; the manager lists every agent and messages one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SocketBroker } from "../../lib/broker/socket_client.ts";
import { startScriptedApi, text, toolCalls } from "../fixtures/scripted_api.ts";
import {
  DENO,
  eventsOf,
  type HarnessProcess,
  ROOT,
  startHarnessProcess,
  waitForEvent,
} from "../fixtures/harness_process.ts";

async function startHive(socketDir: string): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(DENO, {
    args: [
      "run",
      "--allow-all",
      "--config",
      join(ROOT, "deno.json"),
      "--frozen",
      join(ROOT, "main.ts"),
      "hive",
      "--socket-dir",
      socketDir,
      "--agents",
      "alice,bob",
      "--manager",
      "boss",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  for (let i = 0; i < 200; i++) {
    try {
      Deno.statSync(join(socketDir, "boss", "mcp.sock"));
      return child;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error("hive did not open its sockets");
}

function toolResults(events: Record<string, unknown>[]): string {
  return JSON.stringify(eventsOf(events, "stream", "user"));
}

Deno.test("two agents and a manager hold a conversation through one hive broker", async () => {
  const socketDir = await Deno.makeTempDir({ prefix: "hive-sockets-" });
  const hive = await startHive(socketDir);
  const aliceApi = startScriptedApi({
    script: [
      toolCalls([{
        name: "mcp__hyperhive__send",
        input: { to: "bob", body: "hello bob, from alice" },
      }]),
      text("told bob"),
      toolCalls([{
        name: "mcp__hyperhive__ask_operator",
        input: { question: "ship it?", options: ["yes", "no"] },
      }]),
      text("asked"),
      text("the operator said yes"),
      text("thanks, boss"),
    ],
  });
  const bobApi = startScriptedApi({ script: [text("hi alice")] });
  const bossApi = startScriptedApi({
    script: [
      toolCalls([{ name: "mcp__hyperhive__list_agents", input: {} }]),
      toolCalls([{
        name: "mcp__hyperhive__send",
        input: { to: "alice", body: "good work" },
      }]),
      text("done managing"),
    ],
  });
  const harnesses: HarnessProcess[] = [];
  try {
    const start = (
      name: string,
      apiUrl: string,
      role: "agent" | "manager" = "agent",
    ) =>
      startHarnessProcess({
        apiUrl,
        name,
        role,
        args: ["--hive-socket", join(socketDir, name, "mcp.sock")],
      }).then((harness) => (harnesses.push(harness), harness));
    const [alice, bob, boss] = await Promise.all([
      start("alice", aliceApi.url),
      start("bob", bobApi.url),
      start("boss", bossApi.url, "manager"),
    ]);

    await alice.post("/api/send", { body: "say hello to bob" });
    const bobEvents = await waitForEvent(
      bob!,
      (event) => event.kind === "turn_end",
    );
    const bobStart = eventsOf(bobEvents, "turn_start")[0]!;
    assert.deepEqual([bobStart.from, bobStart.body], [
      "alice",
      "hello bob, from alice",
    ]);
    const bobRow = eventsOf(
      await waitForEvent(bob!, (event) => event.kind === "turn_stats_recorded"),
      "turn_stats_recorded",
    )[0]!
      .row as Record<string, unknown>;
    assert.equal(bobRow.wake_from, "alice");

    await alice.post("/api/send", { body: "ask the operator" });
    await waitForEvent(
      alice!,
      (event) =>
        event.kind === "turn_stats_recorded" &&
        (event.row as { id: number }).id === 2,
    );
    const looseEnds = await alice.get("/api/loose-ends");
    const questions = looseEnds.body.questions as {
      id: number;
      question: string;
      options: string[];
    }[];
    assert.equal(questions.length, 1);
    assert.deepEqual([questions[0]!.question, questions[0]!.options], [
      "ship it?",
      ["yes", "no"],
    ]);
    const stateBefore = await alice.get("/api/state");
    assert.equal(stateBefore.status, 200);
    // Alice's page reaches the broker through alice's socket, which alice's claude holds too:
    // an answer as the operator from there would be the agent answering itself.
    const refused = await alice.post(
      `/api/questions/${questions[0]!.id}/answer`,
      { answer: "yes" },
    );
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.match(
      String(refused.body.error),
      /Cannot answer as the operator on agent "alice"'s socket/,
    );
    const operator = new SocketBroker(join(socketDir, "boss", "mcp.sock"), {
      role: "manager",
    });
    try {
      await operator.answerQuestion(questions[0]!.id, "yes");
    } finally {
      await operator.close();
    }
    const aliceEvents = await waitForEvent(
      alice!,
      (event) => event.kind === "turn_start" && event.from === "system",
    );
    const systemWake = eventsOf(aliceEvents, "turn_start").find((event) =>
      event.from === "system"
    )!;
    assert.match(String(systemWake.body), /ship it\?/);
    assert.match(String(systemWake.body), /yes/);
    assert.deepEqual((await alice.get("/api/loose-ends")).body.questions, []);

    await boss.post("/api/send", { body: "check on everyone" });
    const bossEvents = await waitForEvent(
      boss!,
      (event) => event.kind === "turn_end",
    );
    const listed = toolResults(bossEvents);
    for (const name of ["alice", "bob"]) {
      assert.ok(listed.includes(name), `list_agents shows ${name}`);
    }
    const fromBoss = await waitForEvent(
      alice!,
      (event) => event.kind === "turn_start" && event.from === "boss",
    );
    assert.equal(
      eventsOf(fromBoss, "turn_start").find((event) => event.from === "boss")
        ?.body,
      "good work",
    );
  } finally {
    await Promise.all(harnesses.map((harness) => harness.stop()));
    hive.kill("SIGTERM");
    await hive.status;
    await hive.stderr.cancel();
    await Promise.all([aliceApi.close(), bobApi.close(), bossApi.close()]);
  }
});
