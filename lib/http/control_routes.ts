/**
 * @module The agent's own fleet controls (SPEC §11): `POST /api/pause`, `/api/resume` and
 * `/api/budget {daily_usd|null}`. Paused or over budget, wake-ups wait in the inbox and the
 * turn under way runs to its end; `/api/state.status` says which.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { RunGate } from "../turn/run_gate.ts";
import { readJsonObject } from "./json_body.ts";

/** What the control routes need. */
export interface ControlRoutesDeps {
  gate: Pick<RunGate, "pause" | "resume" | "setBudget" | "snapshot">;
}

/** Routes `/api/pause`, `/api/resume`, `/api/budget`, `/api/controls`. */
export function createControlRoutes(deps: ControlRoutesDeps): Hono {
  const app = new Hono();

  app.get("/api/controls", (c) => c.json(deps.gate.snapshot()));

  app.post("/api/pause", async (c) => {
    const body = await readJsonObject(c);
    const reason = body.reason;
    if (
      reason !== undefined &&
      (typeof reason !== "string" || reason.length > 500)
    ) {
      throw new HTTPException(400, {
        message: "reason: a string of at most 500 characters",
      });
    }
    deps.gate.pause(
      typeof reason === "string" && reason.trim() !== ""
        ? `paused: ${reason.trim()}`
        : undefined,
    );
    return c.json({ ok: true, ...deps.gate.snapshot() });
  });

  app.post("/api/resume", async (c) => {
    await readJsonObject(c);
    deps.gate.resume();
    return c.json({ ok: true, ...deps.gate.snapshot() });
  });

  app.post("/api/budget", async (c) => {
    deps.gate.setBudget(readDailyUsd(await readJsonObject(c)));
    return c.json({ ok: true, ...deps.gate.snapshot() });
  });

  return app;
}

/** The `daily_usd` field: dollars ≥ 0, or null for no cap; 400 otherwise. */
export function readDailyUsd(body: Record<string, unknown>): number | null {
  if (!("daily_usd" in body)) {
    throw new HTTPException(400, {
      message: "daily_usd: required (dollars, or null for no cap)",
    });
  }
  const value = body.daily_usd;
  if (value === null) return null;
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < 0 ||
    value > 1e6
  ) {
    throw new HTTPException(400, {
      message: "daily_usd: a number of dollars from 0 to 1000000, or null",
    });
  }
  return value;
}
