/**
 * @module `hive-harness send` (SPEC §2): message another agent through the broker, as this
 * agent: `send --to NAME TEXT`.
 */
import type { ConfigEnvironment } from "../config.ts";
import { openCommandBroker } from "./command_broker.ts";
import { AGENT_FLAGS, nonEmptyFlag, parseFlags, UsageError } from "./flags.ts";

/** The usage text of `hive-harness send --help`. */
export const SEND_USAGE =
  `Usage: hive-harness send --to NAME TEXT [--name NAME [--create]] [--state-dir DIR] [--hive-socket PATH]

Sends TEXT from this agent to agent NAME through the broker.
The agent: --name, else $HYPERHIVE_AGENT, else the only agent of the state dir (or the
agent of --hive-socket). An agent the broker does not know is refused unless --create.
`;

/** The options of `send`: message another agent through the broker. */
export interface SendOptions {
  name: string | undefined;
  stateDir: string | undefined;
  hiveSocket: string | undefined;
  /** Register `--name` when the broker does not know it. */
  create: boolean;
  to: string;
  body: string;
}

/** What `send` needs from the outside. */
export interface SendDeps {
  environment: ConfigEnvironment;
  write: (text: string) => void;
}

/** Parse `send`'s flags: `send --to NAME TEXT`. */
export function parseSendArgs(args: readonly string[]): SendOptions {
  const { values, positionals } = parseFlags(args, {
    ...AGENT_FLAGS,
    create: { type: "boolean" },
    to: { type: "string" },
  });
  const to = nonEmptyFlag(values.to, "--to");
  if (to === undefined) {
    throw new UsageError("--to is required: the receiving agent", "--to");
  }
  const body = positionals.join(" ");
  if (body.trim() === "") {
    throw new UsageError("send needs the message text after the flags");
  }
  return {
    name: nonEmptyFlag(values.name, "--name"),
    stateDir: nonEmptyFlag(values["state-dir"], "--state-dir"),
    hiveSocket: nonEmptyFlag(values["hive-socket"], "--hive-socket"),
    create: values.create ?? false,
    to,
    body,
  };
}

/** Send the message; exit code 0 (a broker failure throws). */
export async function runSend(
  options: SendOptions,
  deps: SendDeps,
): Promise<number> {
  const { agent, broker } = await openCommandBroker(options, deps.environment);
  try {
    const { id } = await broker.send(agent, options.to, options.body);
    deps.write(`sent message ${id} from ${agent} to ${options.to}\n`);
  } finally {
    await broker.close();
  }
  return 0;
}
