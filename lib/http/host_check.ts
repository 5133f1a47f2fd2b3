/**
 * @module The Host check of SPEC §12, shared by every HTTP server of the project (the agent's
 * page and the hive's host page). A DNS-rebinding page on `evil.example` that resolves to this
 * machine reaches the server with `Host: evil.example:PORT`: the browser thinks it talks to its
 * own site, so neither CORS nor the Origin check stop it. Only the Host header tells, so a request
 * is answered only when it names the bound address, `localhost`, `127.0.0.1` or `[::1]` with the
 * server's port, or a name the operator allowed with `--allowed-host`. IP literals of this
 * machine's interfaces count as the bound address when the server listens on every address
 * (`0.0.0.0`, `::`): a rebinding attack always uses a name, never an address.
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

/** The names a loopback request may use, whatever address the server is bound to. */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/** The address a server listens on, as `Deno.serve` reports it. */
export interface ListenAddress {
  hostname: string;
  port: number;
}

/** Options for {@linkcode HostPolicy}. */
export interface HostPolicyOptions {
  /** Extra names from `--allowed-host`: `NAME` (any port) or `NAME:PORT`. */
  allowedHosts?: readonly string[];
  /** The machine's own addresses, asked only when bound to every address. */
  interfaceAddresses?: () => string[];
}

/** A `Host` header split into a lower-case name (IPv6 in brackets) and its port. */
interface HostParts {
  name: string;
  port: number | null;
}

/** Which `Host` headers a server answers. Learns its port once it listens. */
export class HostPolicy {
  #anyPort = new Set<string>();
  #exact = new Set<string>();
  #bound: ListenAddress | null = null;
  #boundNames = new Set<string>();
  #interfaceAddresses: () => string[];

  constructor(options: HostPolicyOptions = {}) {
    const { allowedHosts = [], interfaceAddresses = machineAddresses } =
      options;
    this.#interfaceAddresses = interfaceAddresses;
    for (const entry of allowedHosts) {
      const parts = parseHost(parseAllowedHost(entry));
      if (parts === null) continue;
      if (parts.port === null) this.#anyPort.add(parts.name);
      else this.#exact.add(`${parts.name}:${parts.port}`);
    }
  }

  /**
   * Record where the server listens; until then any port of an allowed name passes. `asked` is
   * the `--host` it was given: a name (`--host agent.lan`) resolves to an address, yet the
   * operator reaches the page by that name.
   */
  listening(address: ListenAddress, asked?: string): void {
    this.#bound = address;
    const names = new Set(LOOPBACK_NAMES);
    const askedParts = asked === undefined ? null : parseHost(asked);
    if (askedParts !== null) names.add(askedParts.name);
    const bare = address.hostname.toLowerCase().replace(/^\[|\]$/g, "");
    if (bare === "0.0.0.0" || bare === "::") {
      for (const ip of this.#interfaceAddresses()) names.add(bracketed(ip));
    } else {
      names.add(bracketed(bare));
    }
    this.#boundNames = names;
  }

  /** Whether a request carrying this `Host` header is answered. */
  allows(host: string): boolean {
    const parts = parseHost(host);
    if (parts === null) return false;
    if (this.#anyPort.has(parts.name)) return true;
    // No port means the scheme's default; this server is plain HTTP.
    const port = parts.port ?? 80;
    if (this.#exact.has(`${parts.name}:${port}`)) return true;
    if (this.#bound === null) return LOOPBACK_NAMES.includes(parts.name);
    return port === this.#bound.port && this.#boundNames.has(parts.name);
  }
}

/** Refuse (403) a request whose `Host` the policy does not allow; runs before any other guard. */
export function checkHost(policy: HostPolicy): MiddlewareHandler {
  return async function hostCheck(c, next) {
    // HTTP/1.0 may omit Host; the URL then carries the address the request arrived on.
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!policy.allows(host)) {
      throw new HTTPException(403, {
        message: `host not allowed: ${
          host.slice(0, 200)
        } (start with --allowed-host NAME to serve it)`,
      });
    }
    await next();
  };
}

/** Check an `--allowed-host` value (`NAME` or `NAME:PORT`); throws TypeError naming it. */
export function parseAllowedHost(value: string): string {
  if (parseHost(value) === null) {
    throw new TypeError(
      `not a host name: "${value}" (expected NAME or NAME:PORT)`,
    );
  }
  return value.trim().toLowerCase();
}

function parseHost(text: string): HostParts | null {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/.exec(
    text.trim().toLowerCase(),
  );
  if (match === null) return null;
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && port > 65535) return null;
  return { name: match[1]!, port };
}

function bracketed(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

function machineAddresses(): string[] {
  try {
    return Deno.networkInterfaces().map((entry) =>
      entry.address.toLowerCase().replace(/%.*$/, "")
    );
  } catch {
    // Without --allow-sys only the loopback names pass; --allowed-host adds the rest.
    return [];
  }
}
