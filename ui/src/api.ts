/**
 * @module The harness's JSON routes as the page calls them: every answer is a value, never an
 * exception, with the server's `{"error": ...}` text when it refused, so a view can show it
 * inline next to the control that asked.
 */
import { isRecord } from "../../lib/wire/events.ts";

/** An answer: the JSON body, or why not. */
export type ApiResult =
  | { ok: true; status: number; data: Record<string, unknown> }
  | { ok: false; status: number; error: string };

/** Options for {@linkcode HarnessApi}. */
export interface HarnessApiOptions {
  fetch?: typeof fetch;
  baseUrl?: string;
  /** Sent with every request (the UI token). */
  headers?: Record<string, string>;
}

/** Calls the harness's routes. */
export class HarnessApi {
  #fetch: typeof fetch;
  #baseUrl: string;
  #headers: Record<string, string>;

  constructor(options: HarnessApiOptions = {}) {
    this.#fetch = options.fetch ??
      ((input, init) => globalThis.fetch(input, init));
    this.#baseUrl = options.baseUrl ?? "";
    this.#headers = options.headers ?? {};
  }

  /** GET a JSON route. */
  get(path: string): Promise<ApiResult> {
    return this.#request(path, { headers: this.#headers });
  }

  /**
   * POST a JSON body (`{}` when `body` is undefined): the server refuses a mutating request that
   * does not declare JSON, which is what keeps other sites' forms out.
   */
  post(path: string, body?: Record<string, unknown>): Promise<ApiResult> {
    return this.#request(path, {
      method: "POST",
      headers: { ...this.#headers, "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
  }

  async #request(path: string, init: RequestInit): Promise<ApiResult> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, init);
    } catch (error) {
      return {
        ok: false,
        status: 0,
        error: `cannot reach the harness: ${
          error instanceof Error ? error.message : error
        }`,
      };
    }
    const text = await response.text().catch(() => "");
    let body: unknown = null;
    try {
      body = text === "" ? {} : JSON.parse(text);
    } catch {
      body = null;
    }
    if (response.ok) {
      return {
        ok: true,
        status: response.status,
        data: isRecord(body) ? body : {},
      };
    }
    const error = isRecord(body) && typeof body.error === "string"
      ? body.error
      : text.slice(0, 200) || response.statusText;
    return {
      ok: false,
      status: response.status,
      error: `${error} (HTTP ${response.status})`,
    };
  }
}
