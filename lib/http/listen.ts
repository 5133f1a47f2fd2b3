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
