#!/usr/bin/env node
// Installs the pinned toolchain (Deno, the Claude Code CLI, playwright-core) into
// .tools/node_modules only when it is missing or does not match package-lock.json: `npm ci`
// always deletes and reinstalls (~10 s, ~490 MB), so the README's commands run this instead.
// "Matches" is read from npm's own record of what it installed, node_modules/.package-lock.json:
// every package it lists is the locked one (same version and integrity), every locked package
// that is not optional is installed, and the commands the project runs are there.
// Exit code: 0 when the toolchain is ready, else npm's.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const TOOLS = dirname(fileURLToPath(import.meta.url));
const COMMANDS = ["deno", "claude"];

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** Why the installed toolchain is not the locked one, or undefined when it is. */
export function staleReason(tools = TOOLS) {
  const locked = readJson(join(tools, "package-lock.json"))?.packages;
  if (locked === undefined) return "package-lock.json is unreadable";
  const installed = readJson(join(tools, "node_modules", ".package-lock.json"))?.packages;
  if (installed === undefined) return "node_modules is not installed";
  for (const [path, entry] of Object.entries(installed)) {
    const want = locked[path];
    if (want === undefined) return `${path} is not in package-lock.json`;
    if (want.version !== entry.version || want.integrity !== entry.integrity) {
      return `${path} is ${entry.version}, package-lock.json says ${want.version}`;
    }
  }
  for (const [path, entry] of Object.entries(locked)) {
    if (path === "" || entry.optional === true) continue;
    if (installed[path] === undefined) return `${path} is not installed`;
  }
  for (const command of COMMANDS) {
    if (!existsSync(join(tools, "node_modules", ".bin", command))) {
      return `node_modules/.bin/${command} is missing`;
    }
  }
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const reason = staleReason();
  if (reason === undefined) process.exit(0);
  process.stderr.write(`.tools: installing the pinned toolchain (${reason})\n`);
  const npm = spawnSync("npm", ["ci", "--prefix", TOOLS, "--no-audit", "--no-fund"], {
    stdio: "inherit",
  });
  process.exit(npm.status ?? 1);
}
