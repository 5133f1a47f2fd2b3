/**
 * @module What the single binary embeds, read offline: `deno compile` prints an "Embedded Files"
 * tree, and pointed (`DENORT_BIN`) at a full `deno` rather than its runtime it still does, into a
 * scratch binary that is deleted. `deno task compile:files` prints the list and fails when a
 * test, bench or page-build package (pinned in `test/deps`, `ui/deps`) or any package main.ts
 * never imports is among it; CI runs it and a test checks it.
 *
 * @example
 * ```sh
 * deno task --lock=deno.runtime.lock compile:files
 * ```
 */
import { join } from "node:path";
import { COMPILE_FLAGS } from "./compile.ts";
import { ROOT, RUNTIME_LOCK_NAME } from "./runtime_lock.ts";

/** What a compile embeds, read from its "Embedded Files" tree. */
export interface EmbeddedFiles {
  /** Top-level entries: `main.ts`, `lib`, `ui`, `deno.json`, the npm folder. */
  topLevel: string[];
  /** npm package names, e.g. `hono`, `@scope/name`. */
  packages: string[];
  /** The "Files:" total as deno prints it, e.g. `14.58MB`. */
  total: string;
  /** The total in megabytes (deno's MB: 1024 × 1024 bytes). */
  totalMegabytes: number;
}

const UNITS: Record<string, number> = {
  B: 1 / (1024 * 1024),
  KB: 1 / 1024,
  MB: 1,
  GB: 1024,
};

/** Characters that draw the tree in front of a name. */
const TREE_DRAWING = /^[│├└─┬ ]*/;

/** Parse `deno compile`'s output (colours allowed) into what it embeds. */
export function parseEmbeddedFiles(output: string): EmbeddedFiles {
  // deno-lint-ignore no-control-regex
  const lines = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  const start = lines.findIndex((line) => line.trim() === "Embedded Files");
  if (start === -1) {
    throw new SyntaxError(
      `Cannot read the embedded files: no "Embedded Files" section in: ${
        output.slice(0, 400)
      }`,
    );
  }
  const path: string[] = [];
  const topLevel: string[] = [];
  const packages = new Set<string>();
  let total = "";
  for (const line of lines.slice(start + 1)) {
    const totalMatch = /^Files: ([\d.]+)\s*([KMG]?B)$/.exec(line.trim());
    if (totalMatch !== null) {
      total = `${totalMatch[1]}${totalMatch[2]}`;
      continue;
    }
    const drawing = TREE_DRAWING.exec(line)![0];
    if (drawing.length === 0 || drawing.length === line.length) continue;
    const depth = drawing.length / 2 - 1;
    const name = line.slice(drawing.length).replace(/ \([^)]*\)$/, "");
    path.length = depth - 1;
    path.push(name);
    // Deno prints a folder with one child as one `a/b/c/*` entry: its first segment is the entry.
    if (depth === 1) topLevel.push(name.split("/")[0]!);
    // .deno_compile_node_modules/<registry host>/<package>/<version>/…
    const parts = path.join("/").split("/").filter((part) => part !== "*");
    if (parts[0] === ".deno_compile_node_modules" && parts[2] !== undefined) {
      const scoped = parts[2].startsWith("@") && parts[3] !== undefined;
      packages.add(scoped ? `${parts[2]}/${parts[3]}` : parts[2]);
    }
  }
  const sized = /^([\d.]+)([KMG]?B)$/.exec(total);
  if (sized === null) {
    throw new SyntaxError(`Cannot read the embedded files: no "Files:" total`);
  }
  return {
    topLevel,
    packages: [...packages].sort(),
    total,
    totalMegabytes: Number(sized[1]) * UNITS[sized[2]!]!,
  };
}

/** npm packages the tests, bench and page build pin in `test/deps` and `ui/deps`. */
export function devPackages(root: string = ROOT): string[] {
  const names = new Set<string>();
  for (const folder of ["test/deps", "ui/deps"]) {
    for (const entry of Deno.readDirSync(join(root, folder))) {
      const text = Deno.readTextFileSync(join(root, folder, entry.name));
      for (const match of text.matchAll(/"npm:(@?[^@"]+)@/g)) {
        names.add(match[1]!);
      }
    }
  }
  return [...names].sort();
}

/** Options for {@linkcode listEmbeddedFiles}. */
export interface ListOptions {
  /** The deno that compiles (default: this one). */
  deno?: string;
  /** The runtime compile appends to (default: this deno, which makes it work offline). */
  denort?: string;
  /** The checkout (default: this one). */
  root?: string;
}

/** Run `deno compile` into a scratch directory and read what it embeds; the binary is removed. */
export async function listEmbeddedFiles(
  options: ListOptions = {},
): Promise<EmbeddedFiles> {
  const deno = options.deno ?? Deno.execPath();
  const root = options.root ?? ROOT;
  const scratch = await Deno.makeTempDir({ prefix: "hive-compile-files-" });
  try {
    const result = await new Deno.Command(deno, {
      args: [
        "compile",
        ...COMPILE_FLAGS,
        "--output",
        join(scratch, "hive-harness"),
        "main.ts",
      ],
      cwd: root,
      env: { DENORT_BIN: options.denort ?? deno, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(result.stdout) +
      new TextDecoder().decode(result.stderr);
    if (!result.success) {
      throw new Error(
        `Cannot list the embedded files: deno compile failed: ${text}`,
      );
    }
    return parseEmbeddedFiles(text);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** npm package names main.ts's module graph reaches (`deno info`), with what they depend on. */
export async function graphPackages(
  options: { deno?: string; root?: string } = {},
): Promise<string[]> {
  const result = await new Deno.Command(options.deno ?? Deno.execPath(), {
    args: [
      "info",
      "--json",
      `--lock=${RUNTIME_LOCK_NAME}`,
      "--frozen",
      "main.ts",
    ],
    cwd: options.root ?? ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    throw new Error(
      `Cannot read main.ts's module graph: ${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
  const info = JSON.parse(new TextDecoder().decode(result.stdout)) as {
    npmPackages?: Record<string, unknown>;
  };
  const names = Object.keys(info.npmPackages ?? {}).map((key) =>
    key.slice(0, key.indexOf("@", 1))
  );
  return [...new Set(names)].sort();
}

/** Embedded packages main.ts never reaches: a test or build package named in deno.json. */
export function unreachedPackages(
  files: EmbeddedFiles,
  reached: readonly string[],
): string[] {
  return files.packages.filter((name) => !reached.includes(name));
}

/** Dev packages found among the embedded ones (none is the goal). */
export function embeddedDevPackages(
  files: EmbeddedFiles,
  dev: readonly string[],
): string[] {
  return files.packages.filter((name) => dev.includes(name));
}

/** One line on stderr. */
function say(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${text}\n`));
}

if (import.meta.main) {
  const files = await listEmbeddedFiles();
  const dev = embeddedDevPackages(files, devPackages());
  say(`deno task compile embeds ${files.total}: ${files.topLevel.join(", ")}`);
  say(`npm packages (${files.packages.length}): ${files.packages.join(", ")}`);
  const unreached = unreachedPackages(files, await graphPackages());
  if (dev.length > 0) {
    say(
      `error: test, bench or page-build packages embedded: ${dev.join(", ")}`,
    );
  }
  if (unreached.length > 0) {
    say(
      `error: embedded but never imported by main.ts: ${
        unreached.join(", ")
      } (pin test and build packages in test/deps or ui/deps, not in deno.json)`,
    );
  }
  if (dev.length > 0 || unreached.length > 0) Deno.exit(1);
  say(`no test, bench or page-build package (${devPackages().join(", ")})`);
}
