/**
 * @module Where the page may listen: loopback addresses need no token, anything else does
 * (SPEC §6: bound beyond loopback without a token, the harness refuses to start).
 */

/** Whether `host` only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" ||
    /^127(\.\d{1,3}){3}$/.test(bare);
}

/** What to say when the page's port is taken: which port, and the flag that changes it. */
export function portInUseMessage(host: string, port: number): string {
  const shown = host.includes(":") ? `[${host}]` : host;
  return `Cannot listen on ${shown}:${port}: the port is in use (another hive-harness?): ` +
    `choose another with --port N, or --port 0 for any free one`;
}

/** Whether `error` is the listen failure of a port someone else holds. */
export function isAddrInUse(error: unknown): boolean {
  return error instanceof Deno.errors.AddrInUse;
}

/**
 * Whether the page's port can be bound now: checked before the harness starts, so a port in use
 * stops the command before any turn can begin. Other listen errors say yes and surface when the
 * server really listens.
 */
export function isPortFree(host: string, port: number): boolean {
  try {
    Deno.listen({ hostname: host, port }).close();
    return true;
  } catch (error) {
    return !isAddrInUse(error);
  }
}
