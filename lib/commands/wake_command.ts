/**
 * @module `hive-harness wake` (SPEC §2): put a message from a label in this agent's inbox; the
 * running harness wakes for it. `--body -` reads the text from stdin.
 */
import type { ConfigEnvironment } from "../config.ts";
import { openCommandBroker } from "./command_broker.ts";
import {
  AGENT_FLAGS,
  nonEmptyFlag,
  parseFlags,
  refusePositionals,
  UsageError,
} from "./flags.ts";

/** The usage text of `hive-harness wake --help`. */
export const WAKE_USAGE =
  `Usage: hive-harness wake --from LABEL --body TEXT|- [--name NAME [--create]] [--state-dir DIR] [--hive-socket PATH]

Puts a message from LABEL in this agent's inbox; the running harness wakes for it.
--body - reads the text from stdin.
The agent: --name, else $HYPERHIVE_AGENT, else the only agent of the state dir (or the
agent of --hive-socket). An agent the broker does not know is refused unless --create.
`;

/** The options of `wake`: put a message in this agent's inbox. */
export interface WakeOptions {
  name: string | undefined;
  stateDir: string | undefined;
  hiveSocket: string | undefined;
  /** Register `--name` when the broker does not know it. */
  create: boolean;
  from: string;
  /** The body, or `-` to read it from stdin. */
  body: string;
}

/** What `wake` needs from the outside. */
export interface WakeDeps {
  environment: ConfigEnvironment;
  write: (text: string) => void;
  /** All of stdin, for `--body -`. */
  readStdin: () => Promise<string>;
}

/** Parse `wake`'s flags. */
export function parseWakeArgs(args: readonly string[]): WakeOptions {
  const { values, positionals } = parseFlags(args, {
    ...AGENT_FLAGS,
    create: { type: "boolean" },
    from: { type: "string" },
    body: { type: "string" },
  });
  refusePositionals(positionals, "wake");
  const from = nonEmptyFlag(values.from, "--from");
  if (from === undefined) {
    throw new UsageError("--from is required: the sender's label", "--from");
  }
  if (values.body === undefined) {
    throw new UsageError(
      "--body is required: the text, or - for stdin",
      "--body",
    );
  }
  return {
    name: nonEmptyFlag(values.name, "--name"),
    stateDir: nonEmptyFlag(values["state-dir"], "--state-dir"),
    hiveSocket: nonEmptyFlag(values["hive-socket"], "--hive-socket"),
    create: values.create ?? false,
    from,
    body: values.body,
  };
}

/** Queue the message; exit code 0 (a broker failure throws). */
export async function runWake(
  options: WakeOptions,
  deps: WakeDeps,
): Promise<number> {
  const body = options.body === "-" ? await deps.readStdin() : options.body;
  if (body.trim() === "") throw new UsageError("--body is empty", "--body");
  const { agent, broker } = await openCommandBroker(options, deps.environment);
  try {
    const { id } = await broker.send(options.from, agent, body);
    deps.write(`queued message ${id} for ${agent} from ${options.from}\n`);
  } finally {
    await broker.close();
  }
  return 0;
}
