/**
 * @module The runtime lockfile, `deno.runtime.lock`: `deno.lock` cut down to the npm packages the
 * harness itself runs on (deno.json's `npm:` imports and what they depend on). Deno installs and
 * `deno compile` embeds the whole npm snapshot of the lockfile it is given, so `deno task start`,
 * `deno task compile` and the MCP server the harness starts use this one: they never fetch or embed
 * the test, bench and page-build packages (playwright-core alone is 13 MB), which `deno.lock` pins
 * for everything else. Same versions and integrity hashes as `deno.lock`, by construction.
 *
 * @example
 * ```sh
 * deno task lock:runtime           # rewrite deno.runtime.lock from deno.lock
 * deno task lock:runtime --check   # exit 1 when it is stale
 * ```
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's root. */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));
/** The runtime lockfile's name, beside deno.json. */
export const RUNTIME_LOCK_NAME = "deno.runtime.lock";

/** One npm package as a version-5 lockfile records it. */
export interface LockedPackage {
  integrity?: string;
  dependencies?: string[];
  optionalDependencies?: string[];
  [field: string]: unknown;
}

/** The parts of a version-5 deno lockfile this module reads and writes. */
export interface Lockfile {
  version: string;
  specifiers?: Record<string, string>;
  npm?: Record<string, LockedPackage>;
  workspace?: { dependencies?: string[]; [field: string]: unknown };
  [field: string]: unknown;
}

/** `hono@4.13.19_peer@1` → `hono`; `@scope/name@1.0.0` → `@scope/name`. */
function packageName(key: string): string {
  const at = key.indexOf("@", 1);
  return at === -1 ? key : key.slice(0, at);
}

/** Find the npm entry a dependency reference (`name` or `name@version`) points at. */
function resolveReference(
  npm: Record<string, LockedPackage>,
  ref: string,
): string {
  if (ref in npm) return ref;
  const versioned = ref.indexOf("@", 1) !== -1;
  const matches = Object.keys(npm).filter((key) =>
    versioned ? key.startsWith(`${ref}_`) : packageName(key) === ref
  );
  if (matches.length !== 1) {
    throw new Error(
      `Cannot resolve "${ref}" in deno.lock: ${matches.length} candidates`,
    );
  }
  return matches[0]!;
}

/**
 * The lockfile restricted to its workspace's npm dependencies (deno.json's `npm:` imports) and
 * everything they depend on.
 */
export function runtimeLock(full: Lockfile): Lockfile {
  const npm = full.npm ?? {};
  const roots = full.workspace?.dependencies ?? [];
  const specifiers: Record<string, string> = {};
  const pending: string[] = [];
  for (const root of roots) {
    const resolved = full.specifiers?.[root];
    if (resolved === undefined || !root.startsWith("npm:")) continue;
    specifiers[root] = resolved;
    pending.push(`${packageName(root.slice("npm:".length))}@${resolved}`);
  }
  const kept = new Set<string>();
  while (pending.length > 0) {
    const key = resolveReference(npm, pending.pop()!);
    if (kept.has(key)) continue;
    kept.add(key);
    const entry = npm[key]!;
    pending.push(
      ...(entry.dependencies ?? []),
      ...(entry.optionalDependencies ?? []),
    );
  }
  const out: Lockfile = { version: full.version, specifiers };
  out.npm = Object.fromEntries(
    Object.entries(npm).filter(([key]) => kept.has(key)),
  );
  if (full.workspace !== undefined) out.workspace = full.workspace;
  return out;
}

/** The runtime lockfile's text for a checkout, as `deno task lock:runtime` writes it. */
export function runtimeLockText(root: string = ROOT): string {
  const full = JSON.parse(
    Deno.readTextFileSync(join(root, "deno.lock")),
  ) as Lockfile;
  return `${JSON.stringify(runtimeLock(full), null, 2)}\n`;
}

if (import.meta.main) {
  const path = join(ROOT, RUNTIME_LOCK_NAME);
  const wanted = runtimeLockText();
  let current = "";
  try {
    current = Deno.readTextFileSync(path);
  } catch {
    // absent: written below, or reported stale with --check
  }
  const say = (text: string) =>
    Deno.stderr.writeSync(new TextEncoder().encode(`${text}\n`));
  if (Deno.args.includes("--check")) {
    if (current !== wanted) {
      say(
        `${RUNTIME_LOCK_NAME} does not match deno.lock: run \`deno task lock:runtime\``,
      );
      Deno.exit(1);
    }
    say(`${RUNTIME_LOCK_NAME} matches deno.lock`);
  } else if (current !== wanted) {
    Deno.writeTextFileSync(path, wanted);
    say(`wrote ${path}`);
  }
}
