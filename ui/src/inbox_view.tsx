/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The inbox panel: the newest messages to and from the agent, waiting ones marked.
 */
import type { JSX } from "preact";
import { isRecord } from "../../lib/wire/events.ts";
import { formatRelative } from "./format.ts";

/** A message as `/api/inbox` lists it. */
export interface InboxMessage {
  id: number;
  from: string;
  to: string;
  body: string;
  sentAt: number;
  deliveredAt: number | null;
}

/** Read `/api/inbox`'s `messages` (or `/api/state.inbox`). */
export function readMessages(value: unknown): InboxMessage[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((message) => ({
    id: typeof message.id === "number" ? message.id : 0,
    from: String(message.from ?? "?"),
    to: String(message.to ?? "?"),
    body: String(message.body ?? ""),
    sentAt: typeof message.sent_at === "number" ? message.sent_at : 0,
    deliveredAt: typeof message.delivered_at === "number"
      ? message.delivered_at
      : null,
  }));
}

/** The inbox panel. */
export function InboxView(
  { messages, nowMs, agent }: {
    messages: readonly InboxMessage[];
    nowMs: number;
    agent: string;
  },
): JSX.Element {
  return (
    <section class="panel inbox" aria-labelledby="inbox-title">
      <h2 id="inbox-title">Inbox</h2>
      {messages.length === 0
        ? <p class="dim">No messages.</p>
        : (
          <ul class="messages">
            {messages.map((message) => (
              <li
                key={message.id}
                class={message.deliveredAt === null && message.to === agent
                  ? "waiting"
                  : ""}
              >
                <div class="meta">
                  <strong>{message.from}</strong> → {message.to}{" "}
                  <time class="dim">
                    {formatRelative(message.sentAt, nowMs)}
                  </time>
                  {message.deliveredAt === null && message.to === agent && (
                    <span class="pill">waiting</span>
                  )}
                </div>
                <div class="body prose-text clamp">{message.body}</div>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}
