/**
 * @module The broker protocol's entry (SPEC §8): one request object in, one response object
 * out, for a given identity. The socket server runs it per line, the MCP server and benchmarks
 * in-process, so both paths enforce the same rules: an agent acts only as itself (the socket is
 * the identity); a manager may name any known agent in `agent`. It never throws: every failure
 * becomes `{ok: false, error, code}`.
 */
import type { Logger } from "../log.ts";
import {
  type BrokerApi,
  BrokerError,
  type BrokerErrorCode,
  type BrokerIdentity,
} from "./broker_api.ts";
import {
  type AfterWrite,
  type BrokerCommandsOptions,
  createBrokerCommands,
  MANAGER_COMMANDS,
} from "./broker_commands.ts";
import { type BrokerRequest, isRequestObject } from "./request_fields.ts";
import { errorMessage } from "../error_message.ts";

export { MAX_WAIT_SECONDS } from "./broker_commands.ts";

/** A response line's object. */
export type BrokerResponse =
  | ({ ok: true } & Record<string, unknown>)
  | { ok: false; error: string; code: BrokerErrorCode };

/**
 * Handles one request; never rejects. A transport that can tell whether the response reached
 * the client passes `afterWrite`, and `recv` then marks delivered only what was written.
 */
export type BrokerRequestHandler = (
  request: unknown,
  signal?: AbortSignal,
  afterWrite?: (hook: AfterWrite) => void,
) => Promise<BrokerResponse>;

/** Options for {@linkcode createBrokerRequestHandler}. */
export interface BrokerRequestHandlerOptions extends BrokerCommandsOptions {
  /** Logs failures that are not the caller's fault. */
  log?: Logger;
}

/**
 * The request handler for `identity`: what one socket (or one in-process caller) may do. Also
 * the in-process path benchmarks compare the socket against.
 */
export function createBrokerRequestHandler(
  broker: BrokerApi,
  identity: BrokerIdentity,
  options: BrokerRequestHandlerOptions = {},
): BrokerRequestHandler {
  const commands = createBrokerCommands(broker, identity, {
    onSettleFailed: (error) =>
      options.log?.error(
        "Cannot settle the messages of a recv; they stay held until the broker restarts",
        { agent: identity.agent, error },
      ),
    ...options,
  });
  const manager = identity.role === "manager";

  async function actingAgent(request: BrokerRequest): Promise<string> {
    const named = request.agent;
    if (named === undefined || named === null || named === identity.agent) {
      return identity.agent;
    }
    if (typeof named !== "string") {
      throw new BrokerError(
        `Invalid "agent": expected an agent name`,
        "invalid",
      );
    }
    if (!manager) {
      throw new BrokerError(
        `Cannot act as "${named}": this socket is agent "${identity.agent}"'s`,
        "forbidden",
      );
    }
    if (!(await broker.isKnownAgent(named))) {
      throw new BrokerError(`Unknown agent "${named}"`, "not_found");
    }
    return named;
  }

  return async function handleBrokerRequest(
    request: unknown,
    signal?: AbortSignal,
    afterWrite?: (hook: AfterWrite) => void,
  ): Promise<BrokerResponse> {
    try {
      if (!isRequestObject(request)) {
        throw new BrokerError(
          `Invalid request: expected a JSON object with a "cmd"`,
          "invalid",
        );
      }
      const name = request.cmd;
      if (typeof name !== "string") {
        throw new BrokerError(
          `Invalid "cmd": expected a command name`,
          "invalid",
        );
      }
      const command = Object.hasOwn(commands, name)
        ? commands[name]
        : undefined;
      if (!command) {
        throw new BrokerError(`Unknown cmd "${name.slice(0, 64)}"`, "invalid");
      }
      if (MANAGER_COMMANDS.has(name) && !manager) {
        throw new BrokerError(
          `Cannot ${name}: only the manager may`,
          "forbidden",
        );
      }
      const agent = await actingAgent(request);
      return {
        ok: true,
        ...(await command({ request, agent, signal, afterWrite })),
      };
    } catch (error) {
      return failure(error, options.log);
    }
  };
}

function failure(error: unknown, log: Logger | undefined): BrokerResponse {
  if (error instanceof BrokerError) {
    return { ok: false, error: error.message, code: error.code };
  }
  log?.error("Broker request failed", { error });
  const message = errorMessage(error);
  return { ok: false, error: `Broker failed: ${message}`, code: "internal" };
}
