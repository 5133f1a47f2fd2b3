/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The inbox panel: the newest messages to and from the agent, waiting ones marked.
 */
import type { JSX } from "preact";
import type { BrokerMessage } from "../../lib/wire/broker_shapes.ts";
import { formatRelative } from "./format.ts";

/** The inbox panel. */
export function InboxView(
  { messages, nowMs, agent }: {
    messages: readonly BrokerMessage[];
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
                class={message.delivered_at === null && message.to === agent
                  ? "waiting"
                  : ""}
              >
                <div class="meta">
                  <strong>{message.from}</strong> → {message.to}{" "}
                  <time class="dim">
                    {formatRelative(message.sent_at, nowMs)}
                  </time>
                  {message.delivered_at === null && message.to === agent && (
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
