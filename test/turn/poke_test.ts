import assert from "node:assert/strict";
import { Poke } from "../../lib/turn/poke.ts";

Deno.test("Poke.wait() resolves after its timeout when nothing happens", async () => {
  const poke = new Poke();
  const started = performance.now();
  await poke.wait(30);
  assert.ok(performance.now() - started >= 25);
});

Deno.test("Poke.poke() wakes every current waiter at once", async () => {
  const poke = new Poke();
  const started = performance.now();
  const waits = [poke.wait(10_000), poke.wait(10_000)];
  poke.poke();
  await Promise.all(waits);
  assert.ok(performance.now() - started < 1_000);
});

Deno.test("Poke.wait() after a poke sleeps again: a poke is not remembered", async () => {
  const poke = new Poke();
  poke.poke();
  let woke = false;
  const wait = poke.wait(10_000).then(() => woke = true);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(woke, false);
  poke.poke();
  await wait;
  assert.equal(woke, true);
});

Deno.test("Poke.wait() returns when its signal aborts, and at once for an aborted signal", async () => {
  const poke = new Poke();
  const controller = new AbortController();
  const started = performance.now();
  const wait = poke.wait(10_000, controller.signal);
  controller.abort();
  await wait;
  await poke.wait(10_000, controller.signal);
  assert.ok(performance.now() - started < 1_000);
});

Deno.test("Poke.signal() aborts at the next poke only", () => {
  const poke = new Poke();
  const first = poke.signal();
  assert.equal(first.aborted, false);
  poke.poke();
  assert.equal(first.aborted, true);
  const second = poke.signal();
  assert.notEqual(second, first);
  assert.equal(second.aborted, false);
});

Deno.test("Poke.wait() leaves no listener behind on its caller's signal", async () => {
  const poke = new Poke();
  const controller = new AbortController();
  let added = 0;
  let removed = 0;
  const signal = controller.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    added++;
    return add(...args);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    removed++;
    return remove(...args);
  }) as typeof signal.removeEventListener;
  for (let i = 0; i < 5; i++) {
    const wait = poke.wait(10_000, signal);
    poke.poke();
    await wait;
  }
  await poke.wait(1, signal);
  assert.equal(added, 6);
  assert.equal(removed, 6);
});
