/**
 * @module Everything the page knows from the event feed, in one place: the transcript rows, the
 * todo list and the header. A snapshot replaces it all; live events extend it and say what else
 * may have changed on the server (loose ends, inbox, state) so the page asks only then.
 */
import { isRecord } from "../../lib/wire/events.ts";
import type { FeedEvent, FeedSnapshot } from "./feed.ts";
import {
  applyHeaderEvent,
  emptyHeaderState,
  headerFromState,
  type HeaderState,
} from "./header_state.ts";
import { TodoList } from "./todos.ts";
import { Transcript, type TranscriptOptions } from "./transcript.ts";

/** What the page should fetch or tell after some events. */
export interface PageEffects {
  looseEnds: boolean;
  inbox: boolean;
  state: boolean;
  /** Turn-stats rows recorded by these events, oldest first. */
  statsRows: Record<string, unknown>[];
  /** Turns that ended in these events. */
  turnsEnded: { ok: boolean; note: string | null }[];
}

/** Which broker tools change what the side panels show. */
const TOOL_EFFECTS: Record<
  string,
  keyof Pick<PageEffects, "looseEnds" | "inbox" | "state">
> = {
  "ask_operator": "looseEnds",
  remind: "looseEnds",
  "cancel_loose_end": "looseEnds",
  send: "inbox",
  recv: "inbox",
  "set_status": "state",
};

/** The page's model of the agent. */
export class PageModel {
  readonly transcript: Transcript;
  readonly todos = new TodoList();
  header: HeaderState = emptyHeaderState();
  /** Calls of broker tools waiting for their result, by tool_use id. */
  #brokerCalls = new Map<string, keyof typeof TOOL_EFFECTS>();

  constructor(options: TranscriptOptions = {}) {
    this.transcript = new Transcript(options);
  }

  /** Start over from a snapshot: state first, then the history rows. */
  load(snapshot: FeedSnapshot): void {
    this.transcript.clear();
    this.todos.clear();
    this.#brokerCalls.clear();
    const stateSeq = typeof snapshot.state.seq === "number"
      ? snapshot.state.seq
      : 0;
    let header = headerFromState(snapshot.state, {
      ...emptyHeaderState(),
      lastCostUsd: this.header.lastCostUsd,
      okTurnSeen: this.header.okTurnSeen,
    });
    this.transcript.applyHistory(snapshot.events);
    for (const event of snapshot.events) {
      this.todos.apply(event);
      // The state already counts events up to its seq; cost is not in the state, so take it always.
      if (typeof event.seq !== "number" || event.seq > stateSeq) {
        header = applyHeaderEvent(header, event);
      } else if (
        event.kind === "turn_stats_recorded" || event.type === "result" ||
        event.kind === "turn_end"
      ) {
        // Cost and "a turn went well" are not in the state: take them from every event.
        const after = applyHeaderEvent(header, event);
        header = {
          ...header,
          lastCostUsd: after.lastCostUsd,
          okTurnSeen: after.okTurnSeen,
        };
      }
    }
    this.header = header;
  }

  /**
   * Take a fresh `/api/state` for what no event carries (status text, why, unread, store health);
   * what events do carry stays as the events left it, since they may be newer than this answer.
   */
  refreshState(state: Record<string, unknown>): void {
    const fresh = headerFromState(state, this.header);
    this.header = {
      ...this.header,
      statusText: fresh.statusText,
      statusDetail: fresh.statusDetail,
      rateLimitedUntil: this.header.status === "rate_limited"
        ? fresh.rateLimitedUntil
        : null,
      unread: fresh.unread,
      storeErrors: fresh.storeErrors,
      credential: fresh.credential,
      version: fresh.version,
      agent: fresh.agent,
      role: fresh.role,
    };
  }

  /** Take live events; returns what else to refresh. */
  apply(events: FeedEvent[]): PageEffects {
    const effects: PageEffects = {
      looseEnds: false,
      inbox: false,
      state: false,
      statsRows: [],
      turnsEnded: [],
    };
    for (const event of events) {
      this.transcript.apply(event);
      this.todos.apply(event);
      this.header = applyHeaderEvent(this.header, event);
      switch (event.kind) {
        case "turn_start":
          effects.inbox = true;
          break;
        case "turn_end":
          effects.looseEnds = effects.inbox = effects.state = true;
          effects.turnsEnded.push({
            ok: event.ok === true,
            note: typeof event.note === "string" ? event.note : null,
          });
          break;
        case "status_changed":
          effects.state = true;
          break;
        case "turn_stats_recorded":
          if (isRecord(event.row)) effects.statsRows.push(event.row);
          break;
        case "stream":
          this.#trackBrokerTools(event, effects);
          break;
      }
    }
    return effects;
  }

  #trackBrokerTools(event: FeedEvent, effects: PageEffects): void {
    const message = isRecord(event.message) ? event.message : {};
    const content = Array.isArray(message.content) ? message.content : [];
    for (const block of content) {
      if (!isRecord(block)) continue;
      if (
        block.type === "tool_use" && typeof block.name === "string" &&
        typeof block.id === "string"
      ) {
        const tool = block.name.replace(/^mcp__hyperhive__/, "");
        if (tool !== block.name && tool in TOOL_EFFECTS) {
          this.#brokerCalls.set(block.id, tool);
        }
      } else if (
        block.type === "tool_result" && typeof block.tool_use_id === "string"
      ) {
        const tool = this.#brokerCalls.get(block.tool_use_id);
        if (tool === undefined) continue;
        this.#brokerCalls.delete(block.tool_use_id);
        const effect = TOOL_EFFECTS[tool];
        if (effect) effects[effect] = true;
      }
    }
  }
}
