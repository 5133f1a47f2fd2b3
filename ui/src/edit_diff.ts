/**
 * @module The change an Edit, MultiEdit or Write call makes, as lines a person reads: a line diff
 * of each `old_string` → `new_string` (longest common subsequence, so unchanged lines show as
 * context), or a written file's name and line count. Pure; the view only draws the lines.
 */
import { isRecord } from "../../lib/wire/events.ts";

/** One line of a diff. */
export interface DiffLine {
  op: "same" | "del" | "ins";
  text: string;
}

/** What a file-changing tool call does. */
export type FileChange =
  | { kind: "edit"; path: string; hunks: DiffLine[][]; replaceAll: boolean }
  | { kind: "write"; path: string; lines: number; content: string };

/** Past this many lines on a side, the diff is all removed then all added (no LCS table). */
const LCS_LIMIT = 400;

/** The change of an Edit, MultiEdit or Write call, or null for any other call or input. */
export function fileChange(name: string, input: unknown): FileChange | null {
  if (!isRecord(input)) return null;
  const path = typeof input.file_path === "string" ? input.file_path : "";
  const pair = (value: Record<string, unknown>): DiffLine[] | null =>
    typeof value.old_string === "string" &&
      typeof value.new_string === "string"
      ? diffLines(value.old_string, value.new_string)
      : null;
  switch (name) {
    case "Edit": {
      const hunk = pair(input);
      return hunk === null ? null : {
        kind: "edit",
        path,
        hunks: [hunk],
        replaceAll: input.replace_all === true,
      };
    }
    case "MultiEdit": {
      if (!Array.isArray(input.edits)) return null;
      const hunks = input.edits.filter(isRecord).map(pair).filter((
        hunk,
      ): hunk is DiffLine[] => hunk !== null);
      return hunks.length === 0
        ? null
        : { kind: "edit", path, hunks, replaceAll: false };
    }
    case "Write": {
      if (typeof input.content !== "string") return null;
      return {
        kind: "write",
        path,
        lines: countLines(input.content),
        content: input.content,
      };
    }
    default:
      return null;
  }
}

/** Lines in a text as an editor counts them (a final newline ends a line, not starts one). */
export function countLines(text: string): number {
  if (text === "") return 0;
  const lines = text.split("\n").length;
  return text.endsWith("\n") ? lines - 1 : lines;
}

/** A line diff of two texts. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before === "" ? [] : before.split("\n");
  const b = after === "" ? [] : after.split("\n");
  // Common head and tail first: most edits change a few lines in the middle.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head && tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) tail++;
  const middleA = a.slice(head, a.length - tail);
  const middleB = b.slice(head, b.length - tail);
  const same = (text: string): DiffLine => ({ op: "same", text });
  return [
    ...a.slice(0, head).map(same),
    ...diffMiddle(middleA, middleB),
    ...a.slice(a.length - tail).map(same),
  ];
}

function diffMiddle(a: string[], b: string[]): DiffLine[] {
  if (a.length > LCS_LIMIT || b.length > LCS_LIMIT) {
    return [
      ...a.map((text): DiffLine => ({ op: "del", text })),
      ...b.map((text): DiffLine => ({ op: "ins", text })),
    ];
  }
  // lengths[i][j]: LCS length of a[i..] and b[j..].
  const lengths = Array.from(
    { length: a.length + 1 },
    () => new Uint16Array(b.length + 1),
  );
  for (let i = a.length - 1; i >= 0; i--) {
    const row = lengths[i]!;
    const below = lengths[i + 1]!;
    for (let j = b.length - 1; j >= 0; j--) {
      row[j] = a[i] === b[j]
        ? below[j + 1]! + 1
        : Math.max(below[j]!, row[j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ op: "same", text: a[i]! });
      i++;
      j++;
    } else if (
      j < b.length &&
      (i === a.length || lengths[i]![j + 1]! >= lengths[i + 1]![j]!)
    ) {
      out.push({ op: "ins", text: b[j]! });
      j++;
    } else {
      out.push({ op: "del", text: a[i]! });
      i++;
    }
  }
  // Removed lines read better before the lines that replace them.
  return groupChanges(out);
}

/** Within each run of changes, removals first, then additions. */
function groupChanges(lines: DiffLine[]): DiffLine[] {
  const out: DiffLine[] = [];
  let dels: DiffLine[] = [];
  let ins: DiffLine[] = [];
  const flush = () => {
    out.push(...dels, ...ins);
    dels = [];
    ins = [];
  };
  for (const line of lines) {
    if (line.op === "same") {
      flush();
      out.push(line);
    } else if (line.op === "del") dels.push(line);
    else ins.push(line);
  }
  flush();
  return out;
}
