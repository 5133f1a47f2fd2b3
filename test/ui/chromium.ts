/**
 * @module Where the browser tests find Chromium and how they launch it: Debian's package at
 * /usr/bin/chromium, headless, with nothing that reaches beyond loopback.
 */

/** Debian's Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Whether Chromium is installed; browser tests are skipped (and say so) when it is not. */
export function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

/** Launch flags for a sandbox with no network beyond loopback. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Register one ignored test that says why the browser tests did not run. */
export function reportSkippedBrowserTests(what: string): void {
  Deno.test({
    name:
      `${what}: skipped, ${CHROMIUM_PATH} is absent (apt-get install chromium)`,
    ignore: true,
    fn() {},
  });
}
