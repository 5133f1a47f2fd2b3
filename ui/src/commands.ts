/**
 * @module The composer's slash commands: what a typed line means (a message, or `/cancel`,
 * `/compact`, `/model NAME`, `/new-session`, `/login`, `/help`) and what Tab completes it to. Pure, so the
 * rules are tested without a browser. `//text` sends `/text` as a message.
 */

/** A slash command as `/help` lists it. */
export interface CommandHelp {
  name: string;
  usage: string;
  summary: string;
}

/** Every command, in `/help` order. */
export const COMMANDS: readonly CommandHelp[] = [
  { name: "/cancel", usage: "/cancel", summary: "stop the running turn" },
  {
    name: "/compact",
    usage: "/compact",
    summary: "compact the context now (when idle)",
  },
  {
    name: "/model",
    usage: "/model NAME",
    summary: "model for the next turn (haiku, sonnet, opus, or a full id)",
  },
  {
    name: "/new-session",
    usage: "/new-session",
    summary: "start the next turn without --continue",
  },
  {
    name: "/login",
    usage: "/login",
    summary: "open the login panel (paste a token or an API key)",
  },
  { name: "/help", usage: "/help", summary: "list these commands" },
];

/** Model names offered for completion. */
export const MODEL_SUGGESTIONS: readonly string[] = ["haiku", "sonnet", "opus"];

/** What a composer line asks for. */
export type ComposerAction =
  | { kind: "empty" }
  | { kind: "send"; body: string }
  | { kind: "cancel" }
  | { kind: "compact" }
  | { kind: "new-session" }
  | { kind: "help" }
  | { kind: "login" }
  | { kind: "model"; model: string }
  | { kind: "invalid"; message: string };

/** Read a composer line. */
export function parseComposerInput(input: string): ComposerAction {
  const text = input.trim();
  if (text === "") return { kind: "empty" };
  if (text.startsWith("//")) {
    return { kind: "send", body: input.trimEnd().replace(/^\s*\//, "") };
  }
  if (!text.startsWith("/")) return { kind: "send", body: input.trim() };
  const [name = "", ...rest] = text.split(/\s+/);
  const argument = rest.join(" ");
  switch (name) {
    case "/cancel":
    case "/compact":
    case "/new-session":
    case "/login":
    case "/help":
      return argument === ""
        ? {
          kind: name.slice(1) as
            | "cancel"
            | "compact"
            | "new-session"
            | "login"
            | "help",
        }
        : {
          kind: "invalid",
          message: `${name} takes no argument`,
        };
    case "/model":
      return /^[\w.:@/[\]-]+$/.test(argument)
        ? { kind: "model", model: argument }
        : {
          kind: "invalid",
          message: "usage: /model NAME (e.g. /model sonnet)",
        };
    default:
      return {
        kind: "invalid",
        message:
          `unknown command ${name}: /help lists them (// sends a message starting with /)`,
      };
  }
}

/** What Tab does to a line: the new text, and the choices when it is still ambiguous. */
export interface Completion {
  text: string;
  candidates: string[];
}

/** Complete a command name, or the model name after `/model `. */
export function completeCommand(
  input: string,
  models: readonly string[] = MODEL_SUGGESTIONS,
): Completion {
  const modelMatch = /^\/model\s+(\S*)$/.exec(input);
  if (modelMatch) {
    const partial = modelMatch[1] ?? "";
    const candidates = models.filter((model) => model.startsWith(partial));
    return complete(`/model `, partial, candidates, input);
  }
  if (!/^\/[\w-]*$/.test(input)) return { text: input, candidates: [] };
  const candidates = COMMANDS.map((command) => command.name).filter((name) =>
    name.startsWith(input)
  );
  return complete("", input, candidates, input);
}

function complete(
  prefix: string,
  partial: string,
  candidates: string[],
  input: string,
): Completion {
  if (candidates.length === 0) return { text: input, candidates: [] };
  if (candidates.length === 1) {
    const only = candidates[0] ?? partial;
    // `/model` wants its argument next; other commands are complete as they are.
    return {
      text: `${prefix}${only}${prefix === "" && only === "/model" ? " " : ""}`,
      candidates: [],
    };
  }
  const common = commonPrefix(candidates);
  return {
    text: `${prefix}${common.length > partial.length ? common : partial}`,
    candidates,
  };
}

function commonPrefix(words: string[]): string {
  let prefix = words[0] ?? "";
  for (const word of words) {
    while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}
