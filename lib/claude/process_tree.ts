/**
 * @module Finding and killing every process of a turn (SPEC §4.6), from Linux `/proc`. Claude's
 * Bash tool runs its shells in sessions of their own, and a child whose parent dies is reparented
 * out of the tree, so killing claude or its group is not enough: the tree, the groups and
 * sessions its members lead, and processes carrying the turn's environment marker are all
 * collected while claude still lives, frozen with SIGSTOP until no new one appears, then killed.
 */

/** What `/proc/<pid>/stat` says of one process. `startTime` tells a reused pid apart. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  sid: number;
  /** Clock ticks after boot. */
  startTime: number;
  /** One letter: R, S, D, T, Z, … */
  state: string;
}

/** An environment variable every process of one turn inherits (`NAME=VALUE`). */
export interface ProcessMarker {
  name: string;
  value: string;
}

/** Options for {@linkcode collectDescendants}. */
export interface CollectOptions {
  /** Also take every process whose environment holds this marker (and their descendants). */
  marker?: ProcessMarker;
  /** Also take the members of these sessions/groups: the root's own, once the root is gone. */
  groups?: number[];
}

/** Options for {@linkcode freezeAndKill}. */
export interface FreezeAndKillOptions extends CollectOptions {
  /** Processes seen earlier (e.g. before a grace period) that must die too if still the same. */
  known?: Iterable<ProcessInfo>;
  /** Most SIGSTOP rounds before killing what was found. */
  maxRounds?: number;
}

const STAT_STATE = 0;
const STAT_PPID = 1;
const STAT_PGRP = 2;
const STAT_SID = 3;
const STAT_START_TIME = 19;

/** Read one process's stat line; null when it is gone (or not readable). */
export function readProcess(pid: number): ProcessInfo | null {
  try {
    return parseStat(pid, Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return null;
  }
}

/** Every process visible in `/proc`. */
export function listProcesses(): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const info = readProcess(pid);
    if (info) processes.push(info);
  }
  return processes;
}

/**
 * The live descendants of `pid` (not `pid` itself), plus every process in a session or group
 * one of them (or the root) leads, plus marked processes, closed under the same rules. Groups
 * and sessions of this process and of the root's ancestors are never taken: with the root in
 * our own group, that would take us.
 */
export function collectDescendants(
  root: number | ProcessInfo,
  options: CollectOptions = {},
): ProcessInfo[] {
  const pid = typeof root === "number" ? root : root.pid;
  const processes = listProcesses();
  const byPid = new Map(processes.map((info) => [info.pid, info]));
  const children = new Map<number, ProcessInfo[]>();
  for (const info of processes) {
    const siblings = children.get(info.ppid);
    if (siblings) siblings.push(info);
    else children.set(info.ppid, [info]);
  }
  const live = byPid.get(pid);
  const guarded = new Set<number>();
  const guardedGroups = new Set<number>([0]);
  for (const start of [Deno.pid, live?.ppid ?? 1]) {
    for (
      let at = byPid.get(start);
      at && !guarded.has(at.pid);
      at = byPid.get(at.ppid)
    ) {
      guarded.add(at.pid);
      guardedGroups.add(at.pgrp).add(at.sid);
    }
  }
  const groups = new Set<number>(options.groups ?? []);
  const taken = new Map<number, ProcessInfo>();
  const queue: ProcessInfo[] = [];
  const take = (info: ProcessInfo) => {
    if (info.pid === pid || guarded.has(info.pid) || taken.has(info.pid)) {
      return;
    }
    taken.set(info.pid, info);
    queue.push(info);
  };
  // A root given as ProcessInfo whose pid now names another process is gone: walk nothing from it.
  if (live && (typeof root === "number" || live.startTime === root.startTime)) {
    queue.push(live);
  }
  if (options.marker) {
    const needle = `${options.marker.name}=${options.marker.value}`;
    for (const info of processes) {
      if (!guarded.has(info.pid) && environHas(info.pid, needle)) take(info);
    }
  }
  // Closure: members' children, then the groups and sessions members lead, until nothing new.
  let scanned = 0;
  do {
    while (scanned < queue.length) {
      const info = queue[scanned++] as ProcessInfo;
      for (const group of [info.pgrp, info.sid]) {
        if (!guardedGroups.has(group)) groups.add(group);
      }
      for (const child of children.get(info.pid) ?? []) take(child);
    }
    for (const info of processes) {
      if (groups.has(info.pgrp) || groups.has(info.sid)) take(info);
    }
  } while (scanned < queue.length);
  return [...taken.values()].filter((info) => info.state !== "Z");
}

/**
 * Send `signal` to each target; a {@linkcode ProcessInfo} target is signalled only while its pid
 * still names the same process. Never signals this process or pid 1. Returns how many it hit.
 */
export function killTree(
  targets: Iterable<number | ProcessInfo>,
  signal: Deno.Signal,
): number {
  let hit = 0;
  for (const target of targets) {
    const pid = typeof target === "number" ? target : target.pid;
    if (pid <= 1 || pid === Deno.pid) continue;
    if (typeof target !== "number" && !isSameProcess(target)) continue;
    try {
      Deno.kill(pid, signal);
      hit++;
    } catch {
      // Gone between the look and the kill: that is what we wanted.
    }
  }
  return hit;
}

/** Whether `info` still names a live (not zombie) process that started when it did. */
export function isSameProcess(info: ProcessInfo): boolean {
  const now = readProcess(info.pid);
  return now !== null && now.startTime === info.startTime && now.state !== "Z";
}

/**
 * Kill `root` and everything {@linkcode collectDescendants} finds, without a race: SIGSTOP
 * what is found, look again (a stopped process cannot fork), repeat until nothing new appears
 * and all are stopped, then SIGKILL them all. Returns the processes killed.
 */
export async function freezeAndKill(
  root: number | ProcessInfo,
  options: FreezeAndKillOptions = {},
): Promise<ProcessInfo[]> {
  const { maxRounds = 20, known = [] } = options;
  const targets = new Map<number, ProcessInfo>();
  const live = readProcess(typeof root === "number" ? root : root.pid);
  const rootAlive = live !== null && live.state !== "Z" &&
    (typeof root === "number" || live.startTime === root.startTime);
  if (live && rootAlive) targets.set(live.pid, live);
  for (const info of known) {
    if (isSameProcess(info)) targets.set(info.pid, info);
  }
  killTree(targets.values(), "SIGSTOP");
  for (let round = 0; round < maxRounds; round++) {
    const fresh = collectDescendants(root, options).filter((info) =>
      !targets.has(info.pid)
    );
    for (const info of fresh) targets.set(info.pid, info);
    killTree(fresh, "SIGSTOP");
    if (fresh.length === 0 && [...targets.values()].every(isStoppedOrGone)) {
      break;
    }
    // A stop signal lands when the target is next scheduled; give it that moment.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  killTree(targets.values(), "SIGKILL");
  return [...targets.values()];
}

function isStoppedOrGone(info: ProcessInfo): boolean {
  const now = readProcess(info.pid);
  return now === null || now.startTime !== info.startTime ||
    now.state === "T" || now.state === "Z";
}

function parseStat(pid: number, stat: string): ProcessInfo | null {
  // The command name may hold spaces and parentheses: the fields start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[STAT_STATE];
  if (state === undefined || fields.length <= STAT_START_TIME) return null;
  return {
    pid,
    ppid: Number(fields[STAT_PPID]),
    pgrp: Number(fields[STAT_PGRP]),
    sid: Number(fields[STAT_SID]),
    startTime: Number(fields[STAT_START_TIME]),
    state,
  };
}

function environHas(pid: number, needle: string): boolean {
  try {
    return new TextDecoder().decode(Deno.readFileSync(`/proc/${pid}/environ`))
      .includes(needle);
  } catch {
    return false;
  }
}

/**
 * One root's processes, remembered as they are seen, so all of them can be killed even after
 * the root is gone and its children have been reparented out of its tree.
 */
export class ProcessTreeWatch {
  /** Kept with its start time, so a reused pid is never taken for the root. */
  readonly #root: ProcessInfo | number;
  readonly #options: CollectOptions;
  readonly #known = new Map<number, ProcessInfo>();

  constructor(rootPid: number, marker?: ProcessMarker) {
    const root = readProcess(rootPid);
    this.#root = root ?? rootPid;
    // The root's own session or group (spawned detached) holds its strays: take it too.
    const groups = root && (root.sid === rootPid || root.pgrp === rootPid)
      ? [rootPid]
      : [];
    this.#options = marker ? { marker, groups } : { groups };
  }

  /** Look at the tree now and remember it; the marker scan reads every environment (slower). */
  look(withMarker = false): void {
    const { marker, ...withoutMarker } = this.#options;
    const options = withMarker && marker
      ? { marker, ...withoutMarker }
      : withoutMarker;
    for (const info of collectDescendants(this.#root, options)) {
      this.#known.set(info.pid, info);
    }
  }

  /** {@linkcode freezeAndKill} the root, everything remembered, and everything found now. */
  killAll(): Promise<ProcessInfo[]> {
    return freezeAndKill(this.#root, {
      ...this.#options,
      known: this.#known.values(),
    });
  }
}
