/**
 * @module The model for the next turn (SPEC §3 `hyperhive-model`): read at start, changed by
 * `/api/model`, persisted as one line so it survives a restart. A failed write is logged and
 * the change still takes effect in memory.
 */
import { dirname } from "node:path";
import type { Logger } from "../log.ts";
import { DEFAULT_MODEL } from "../config.ts";

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:\[\]-]{0,99}$/;

/**
 * Whether `name` is acceptable as a model (no spaces, no flags, no shell noise): `--model` and
 * `POST /api/model` both check with this before a name reaches claude's command line.
 */
export function isValidModelName(name: string): boolean {
  return MODEL_NAME.test(name);
}

/** The persisted model choice. */
export class ModelSetting {
  #path: string;
  #log: Logger;
  #model: string;

  /** Read the persisted model; `override` (the `--model` flag) wins when given. */
  constructor(path: string, log: Logger, override?: string) {
    this.#path = path;
    this.#log = log;
    this.#model = override ?? readModelFile(path) ?? DEFAULT_MODEL;
  }

  /** The model the next turn runs with. */
  get current(): string {
    return this.#model;
  }

  /** Switch and persist; returns whether the value changed. */
  set(model: string): boolean {
    if (model === this.#model) return false;
    this.#model = model;
    try {
      Deno.mkdirSync(dirname(this.#path), { recursive: true });
      Deno.writeTextFileSync(this.#path, `${model}\n`, { mode: 0o600 });
    } catch (error) {
      this.#log.warn("Cannot persist model choice", {
        path: this.#path,
        error,
      });
    }
    return true;
  }
}

function readModelFile(path: string): string | undefined {
  try {
    const name = Deno.readTextFileSync(path).trim();
    return name === "" ? undefined : name;
  } catch {
    return undefined;
  }
}
