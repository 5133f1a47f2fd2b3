/**
 * @module The single binary, `dist/hive-harness`: `deno compile` of main.ts against the runtime
 * lockfile, so it embeds the harness's own packages and none of the test, bench or page-build
 * ones (`embedded_files.ts` checks that). `deno compile` appends the program to Deno's runtime
 * (`denort`), which it downloads on first use and caches; an offline build machine sets
 * `DENORT_BIN` to a `denort` of the same version. Without one, this says so and leaves no empty
 * `dist/`; `DENORT_BIN` naming deno itself is refused (that binary ignores what it embeds).
 *
 * @example
 * ```sh
 * deno task --lock=deno.runtime.lock compile          # dist/hive-harness
 * deno task --lock=deno.runtime.lock compile --output /usr/local/bin/hive-harness
 * ```
 */
import { basename, dirname, resolve } from "node:path";
import { ROOT, RUNTIME_LOCK_NAME } from "./runtime_lock.ts";

/** Where `deno task compile` writes the binary, relative to the checkout. */
export const BINARY_PATH = "dist/hive-harness";

/** `deno compile`'s flags, shared by the build and the listing (V8 flags as the start task's). */
export const COMPILE_FLAGS: readonly string[] = [
  "--allow-all",
  `--lock=${RUNTIME_LOCK_NAME}`,
  "--frozen",
  "--v8-flags=--max-semi-space-size=2,--expose-gc",
];

/** What to tell someone whose compile failed, most likely for want of `denort`. */
export function compileFailureHint(version: string): string {
  return `deno compile needs Deno's runtime, denort ${version}: it downloads it from ` +
    `dl.deno.land on first use. On a machine without that access, set ` +
    `DENORT_BIN=/path/to/denort (from denort-<target>.zip of the Deno ${version} release)`;
}

/** Build the binary (`output` relative to the checkout); on failure say what compile needs. */
async function compileBinary(root: string, output: string): Promise<number> {
  const denort = Deno.env.get("DENORT_BIN");
  if (denort !== undefined && basename(denort) === "deno") {
    // A full deno as the runtime makes a binary that ignores what it embeds: refuse it here.
    say(
      `Cannot build ${output}: DENORT_BIN=${denort} is deno itself, not its runtime denort; ` +
        `the binary would not run the harness (deno task compile:files lists the files with it)`,
    );
    return 2;
  }
  const folder = dirname(resolve(root, output));
  const existed = await Deno.stat(folder).then(() => true, () => false);
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["compile", ...COMPILE_FLAGS, "--output", output, "main.ts"],
    cwd: root,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (status.success) return 0;
  if (!existed) {
    // compile makes the folder before it fetches the runtime: leave no empty dist/ behind.
    await Deno.remove(folder).catch(() => {});
  }
  say(`Cannot build ${output}: ${compileFailureHint(Deno.version.deno)}`);
  return status.code === 0 ? 1 : status.code;
}

/** One line on stderr. */
function say(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${text}\n`));
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--output");
  const output = at === -1 ? BINARY_PATH : Deno.args[at + 1] ?? BINARY_PATH;
  Deno.exit(await compileBinary(ROOT, output));
}
