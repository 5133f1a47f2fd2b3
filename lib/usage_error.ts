/**
 * @module The error every command-line parser throws for bad flags or values. `main.ts` prints
 * its one-line message (which names the flag) and exits 2; nothing else in `lib/` exits.
 */

/** A command-line mistake: unknown flag, missing or bad value. */
export class UsageError extends Error {
  /** The flag at fault, when there is one. */
  flag: string | undefined;
  constructor(message: string, flag?: string) {
    super(message);
    this.name = "UsageError";
    this.flag = flag;
  }
}

/**
 * Run `node:util` `parseArgs`-style parsing and turn its errors into a {@linkcode UsageError}
 * whose message names the flag.
 */
export function asUsageError(error: unknown): UsageError {
  if (error instanceof UsageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[\w-]+)/.exec(message)?.[1];
  return new UsageError(message.split("\n")[0]!.replace(/\.$/, ""), flag);
}
