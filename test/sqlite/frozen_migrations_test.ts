/**
 * Landed migrations are frozen: files in the field were migrated by exactly this text, so an
 * edited step would leave them with a schema the code no longer describes.
 *
 * NEVER EDIT A PINNED STEP, AND NEVER EDIT A HASH BELOW TO MAKE THIS PASS: add a step instead
 * (the next `version`), then pin the new step's hash here once it lands.
 */
import assert from "node:assert/strict";
import type { Migration } from "../../lib/sqlite/migrate.ts";
import { EVENT_STORE_MIGRATIONS } from "../../lib/events/event_store.ts";
import { TURN_STATS_MIGRATIONS } from "../../lib/stats/turn_stats_schema.ts";
import { BROKER_MIGRATIONS } from "../../lib/broker/broker_schema.ts";

/** SHA-256 of `JSON.stringify(step.sql)`, by store, step 1 first. Append only. */
const LANDED: Record<string, { steps: readonly Migration[]; pins: string[] }> =
  {
    events: {
      steps: EVENT_STORE_MIGRATIONS,
      pins: [
        "678c5a9eca6e6952920f34ae9ed5e91a32d16e6ae5005a952472e91ae67c99ae",
        "8a1c3db297292da5ed08a5ca347a618fdb46280a8df26f854ac7d3820472e71c",
      ],
    },
    "turn stats": {
      steps: TURN_STATS_MIGRATIONS,
      pins: [
        "33d387fa576d2c07c20f4e277a8bed4fc1ca5c93ae88e414fc7ab9c66314b87f",
        "6c02e2cd5c469f4e1b065b8a5da7ca5399afe64eb5b926d6f8eef742d426d4dd",
      ],
    },
    broker: {
      steps: BROKER_MIGRATIONS,
      pins: [
        "940210b0df56f7290c3375655d341d333c37471cb1c44b71435de116a3c3ab52",
        "f9e19742f3a2931fb99a504261318248a386c8fb603931713962735a8bc2f0a7",
        "4cee647866cf7e8e438665d02e6fd2c00d3dfd4058355c6a45019fbf5ba8f9d1",
      ],
    },
  };

async function stepHash(step: Migration): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(step.sql));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0"))
    .join("");
}

for (const [store, { steps, pins }] of Object.entries(LANDED)) {
  Deno.test(`the ${store} store's landed migrations are unchanged, and every step is pinned`, async () => {
    assert.ok(
      steps.length >= pins.length,
      `${store}: a landed step was removed (${pins.length} pinned, ${steps.length} left)`,
    );
    for (const [index, step] of steps.entries()) {
      const hash = await stepHash(step);
      const pin = pins[index];
      assert.ok(
        pin !== undefined,
        `${store}: step ${step.version} (${step.name}) is not pinned yet: add "${hash}" to LANDED`,
      );
      assert.equal(
        hash,
        pin,
        `${store}: landed step ${step.version} (${step.name}) was edited. Never edit a landed migration: restore it and add a step`,
      );
    }
  });
}
