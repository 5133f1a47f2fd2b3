/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The page: wires the event feed into the page model, draws it at most once a frame, and
 * asks the harness for the side panels' data when the events say it changed (and every 30 s, in
 * case it changed without an event). Every control calls one JSON route and shows its error.
 */
import { Component, type JSX } from "preact";
import { useEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import type { HarnessApi } from "./api.ts";
import { ComposerView } from "./composer_view.tsx";
import { Feed, type FeedOptions, type FeedStatus } from "./feed.ts";
import { percent, plural } from "./format.ts";
import { type ShownStatus, shownStatus } from "./header_state.ts";
import { CONTEXT_WARN_PERCENT, HeaderView } from "./header_view.tsx";
import { InboxView } from "./inbox_view.tsx";
import { LoginView } from "./login_view.tsx";
import { LooseEndsView } from "./loose_ends_view.tsx";
import {
  type BrokerMessage,
  type LooseEnds,
  readBrokerMessages,
  readLooseEnds,
} from "../../lib/wire/broker_shapes.ts";
import type { MarkdownRenderer } from "./markdown.ts";
import { type PageEffects, PageModel } from "./page_model.ts";
import { StatsView } from "./stats_view.tsx";
import { TodosView } from "./todos_view.tsx";
import {
  TranscriptView,
  type TranscriptViewProps,
} from "./transcript_view.tsx";
import {
  addTurnRow,
  mergeTurnRows,
  readTurnRow,
  sessionCost,
  summaryFromStats,
  type TurnRow,
  type TurnSummary,
} from "./turn_summary.ts";
import { isRecord } from "../../lib/wire/events.ts";

/** What the page is built with. */
export interface AppProps {
  api: HarnessApi;
  feedOptions: FeedOptions;
  markdown: MarkdownRenderer;
  /** Parts to leave out: `header`, `input`, `panels` (`?hide=`). */
  hide: ReadonlySet<string>;
  /** Where the notification preference is kept, if anywhere. */
  storage: Storage | null;
}

const POLL_MS = 30_000;
const TURN_ROWS_KEPT = 500;
type Action = Parameters<Parameters<typeof ComposerView>[0]["run"]>[0];

/** The whole page. */
export function App(
  { api, feedOptions, markdown, hide, storage }: AppProps,
): JSX.Element {
  const model = useMemo(() => new PageModel(), []);
  const [, redraw] = useReducer((count: number) => count + 1, 0);
  const frame = useRef<number | null>(null);
  const [connection, setConnection] = useState<
    { status: FeedStatus; detail: string | null }
  >({ status: "connecting", detail: null });
  const [looseEnds, setLooseEnds] = useState<LooseEnds>({
    questions: [],
    reminders: [],
  });
  const [inbox, setInbox] = useState<BrokerMessage[]>([]);
  const [turnRows, setTurnRows] = useState<TurnRow[]>([]);
  const [summary, setSummary] = useState<TurnSummary | null>(null);
  const [statsError, setStatsError] = useState<string | null>(null);
  const [loginUrl, setLoginUrl] = useState<string | null>(null);
  const [newSessionPending, setNewSessionPending] = useState(false);
  const [loginOpen, setLoginOpen] = useState(false);
  const [notify, setNotify] = useState(storage?.getItem("hive.notify") === "1");
  const [panelsOpen, setPanelsOpen] = useState(false);
  const notifyRef = useRef(notify);
  notifyRef.current = notify;
  const seenQuestions = useRef<Set<number> | null>(null);
  const busy = model.header.turnState !== "idle";
  const nowMs = useNow(
    busy || model.header.status === "rate_limited" ? 1000 : 15_000,
  );

  // The side panels' loaders, shared by events, the poll and the buttons.
  const loaders = useMemo(() => {
    const notifyPerson = (title: string, body: string) => {
      if (
        !notifyRef.current || typeof Notification === "undefined" ||
        Notification.permission !== "granted"
      ) return;
      if (document.visibilityState === "visible" && document.hasFocus()) return;
      new Notification(title, {
        body: body.slice(0, 200),
        tag: `hive-${model.header.agent}-${title}`,
      });
    };
    const loadLooseEnds = async () => {
      const answer = await api.get("/api/loose-ends");
      if (!answer.ok) return;
      const next = readLooseEnds(answer.data);
      const seen = seenQuestions.current;
      for (const question of next.questions) {
        if (
          seen !== null && !seen.has(question.id) &&
          question.target === "operator"
        ) {
          notifyPerson(`${question.asker} asks`, question.question);
        }
      }
      seenQuestions.current = new Set(
        next.questions.map((question) => question.id),
      );
      setLooseEnds(next);
    };
    const loadInbox = async () => {
      const answer = await api.get("/api/inbox?limit=20");
      if (answer.ok) setInbox(readBrokerMessages(answer.data.messages));
    };
    const loadState = async () => {
      const answer = await api.get("/api/state");
      if (!answer.ok) return;
      model.refreshState(answer.data);
      readLogin(answer.data, setLoginUrl);
      schedule();
    };
    const loadTurnRows = async () => {
      const since = Math.floor(Date.now() / 1000) - 24 * 3600;
      let answer = await api.get(
        `/api/turn-stats?limit=${TURN_ROWS_KEPT}&since=${since}`,
      );
      if (!answer.ok && answer.status === 400) {
        answer = await api.get(`/api/turn-stats?limit=${TURN_ROWS_KEPT}`);
      }
      if (!answer.ok) {
        return setStatsError(
          answer.status === 404 ? null : `turn stats: ${answer.error}`,
        );
      }
      setStatsError(null);
      const fetched = readRows(answer.data);
      setTurnRows((held) => mergeTurnRows(held, fetched, TURN_ROWS_KEPT));
    };
    const loadSummary = async () => {
      const answer = await api.get("/api/stats?window=24h");
      setSummary(answer.ok ? summaryFromStats(answer.data) : null);
    };
    return {
      loadLooseEnds,
      loadInbox,
      loadState,
      loadTurnRows,
      loadSummary,
      notifyPerson,
    };
  }, [api, model]);

  function schedule(): void {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      redraw(0);
    });
  }

  useEffect(() => {
    type Loader =
      | "loadLooseEnds"
      | "loadInbox"
      | "loadState"
      | "loadTurnRows"
      | "loadSummary";
    const pending = new Set<Loader>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Several events in a burst ask once.
    const refresh = (loader: Loader) => {
      pending.add(loader);
      timer ??= setTimeout(() => {
        timer = undefined;
        for (const name of pending) void loaders[name]();
        pending.clear();
      }, 250);
    };
    const onEffects = (effects: PageEffects) => {
      if (effects.looseEnds) refresh("loadLooseEnds");
      if (effects.inbox) refresh("loadInbox");
      if (effects.state) refresh("loadState");
      if (effects.statsRows.length > 0) {
        setTurnRows((rows) =>
          effects.statsRows.reduce((list, value) => {
            const row = readTurnRow(value);
            return row ? addTurnRow(list, row, TURN_ROWS_KEPT) : list;
          }, rows)
        );
        refresh("loadSummary");
      }
      for (const ended of effects.turnsEnded) {
        loaders.notifyPerson(
          ended.ok ? "turn done" : "turn failed",
          ended.note ?? model.header.agent,
        );
      }
    };
    const feed = new Feed({
      snapshot(snapshot) {
        model.load(snapshot);
        setInbox(readBrokerMessages(snapshot.state.inbox));
        readLogin(snapshot.state, setLoginUrl);
        refresh("loadLooseEnds");
        refresh("loadTurnRows");
        refresh("loadSummary");
        schedule();
      },
      events(events) {
        if (events.some((event) => event.kind === "turn_start")) {
          setNewSessionPending(false);
        }
        onEffects(model.apply(events));
        schedule();
      },
      status(status, detail) {
        setConnection({ status, detail });
      },
    }, feedOptions);
    feed.start();
    const poll = setInterval(() => {
      if (document.visibilityState !== "visible") return;
      refresh("loadLooseEnds");
      refresh("loadInbox");
      refresh("loadSummary");
    }, POLL_MS);
    return () => {
      clearInterval(poll);
      clearTimeout(timer);
      void feed.stop();
    };
  }, [feedOptions, loaders, model]);

  const run = async (action: Action): Promise<string | null> => {
    if (action.kind === "login") {
      setLoginOpen(true);
      return null;
    }
    const answer = action.kind === "send"
      ? await api.post("/api/send", { body: action.body })
      : action.kind === "model"
      ? await api.post("/api/model", { model: action.model })
      : await api.post(`/api/${action.kind}`);
    if (!answer.ok) return answer.error;
    if (action.kind === "new-session") setNewSessionPending(true);
    if (action.kind === "send") {
      void loaders.loadInbox();
      void loaders.loadState();
    }
    return null;
  };

  const header = model.header;
  useEffect(() => {
    document.title = `${busy ? "● " : ""}${header.agent || "agent"} · hive`;
  }, [busy, header.agent]);
  const hideHeader = hide.has("header");
  const showPanels = !hide.has("panels") && !hideHeader;
  const needsLogin = header.status === "needs_login_idle" ||
    header.status === "needs_login_in_progress";
  const shown = shownStatus(header, connection.status);
  const contextUsed = header.contextTokens === null
    ? 0
    : percent(header.contextTokens, header.contextWindow);
  return (
    <div
      class={`app${showPanels ? "" : " no-panels"}${
        panelsOpen ? " panels-open" : ""
      }`}
    >
      {!hideHeader && (
        <HeaderView
          header={header}
          nowMs={nowMs}
          connection={connection.status}
          connectionDetail={connection.detail}
          setModel={(name) => run({ kind: "model", model: name })}
          notify={notify}
          toggleNotify={() => toggleNotify(notify, setNotify, storage)}
          panelsOpen={panelsOpen}
          togglePanels={() => setPanelsOpen(!panelsOpen)}
          questions={looseEnds.questions.length}
          sessionCostUsd={sessionCost(turnRows)}
        />
      )}
      {hideHeader && (
        <EmbedBar
          status={shown}
          questions={looseEnds.questions.filter((question) =>
            question.target === "operator"
          ).length}
          contextUsed={contextUsed}
        />
      )}
      <main class="main">
        <div class="feed-column">
          {!needsLogin && !loginOpen && !hideHeader &&
            shown.key === "unproven" && (
            <p class="login-hint" role="note">
              No token or API key is saved here yet. If claude is not logged in
              on this machine, the first turn fails:{" "}
              <button
                type="button"
                class="link"
                onClick={() => setLoginOpen(true)}
              >
                paste a token or an API key
              </button>{" "}
              (or type <code>/login</code>).
            </p>
          )}
          {(needsLogin || loginOpen) && !hideHeader && (
            <LoginView
              status={header.status}
              close={needsLogin ? null : () => setLoginOpen(false)}
              url={loginUrl}
              start={async () => {
                const answer = await api.post("/api/login/start");
                if (!answer.ok) return { error: answer.error, url: null };
                return {
                  error: null,
                  url: typeof answer.data.url === "string"
                    ? answer.data.url
                    : null,
                };
              }}
              sendCode={async (code) =>
                errorOf(await api.post("/api/login/code", { code }))}
              sendToken={async (token) =>
                errorOf(await api.post("/api/login", { token }))}
            />
          )}
          <TranscriptPane
            rows={model.transcript.rows}
            base={model.transcript.base}
            version={model.transcript.version}
            markdown={markdown}
            status={connection.status}
            empty={model.transcript.rows.length === 0}
            running={busy
              ? { state: header.turnState, sinceUnix: header.sinceUnix }
              : null}
            findBar={!hideHeader}
          />
          {!hide.has("input") && (
            <ComposerView
              busy={busy}
              newSessionPending={newSessionPending}
              run={run}
              storage={storage}
            />
          )}
        </div>
        {showPanels && (
          <aside
            class={`panels${panelsOpen ? " open" : ""}`}
            aria-label="agent panels"
          >
            <TodosView items={model.todos.items} />
            <LooseEndsView
              looseEnds={looseEnds}
              nowMs={nowMs}
              answer={async (id, text) => {
                const failure = errorOf(
                  await api.post(`/api/questions/${id}/answer`, {
                    answer: text,
                  }),
                );
                void loaders.loadLooseEnds();
                return failure;
              }}
              cancel={async (kind, id) => {
                const failure = errorOf(
                  await api.post("/api/loose-ends/cancel", { kind, id }),
                );
                void loaders.loadLooseEnds();
                return failure;
              }}
            />
            <InboxView messages={inbox} nowMs={nowMs} agent={header.agent} />
            <StatsView
              rows={turnRows}
              summary={summary}
              nowMs={nowMs}
              looseEnds={looseEnds.questions.length}
              reminders={looseEnds.reminders.length}
              error={statsError}
            />
            {header.version && (
              <p class="dim version">hive-harness {header.version}</p>
            )}
          </aside>
        )}
      </main>
    </div>
  );
}

/** What an embedded pane (`?hide=header`) still needs to say: trouble, questions, a full context. */
function EmbedBar(
  { status, questions, contextUsed }: {
    status: ShownStatus;
    questions: number;
    contextUsed: number;
  },
): JSX.Element | null {
  const trouble = status.key !== "online" && status.key !== "unproven";
  if (!trouble && questions === 0 && contextUsed < CONTEXT_WARN_PERCENT) {
    return null;
  }
  return (
    <div class="embed-bar" role="status">
      {trouble && (
        <span
          class={`pill status status-${status.key}`}
          data-status={status.key}
          title={status.title || undefined}
        >
          {status.text}
        </span>
      )}
      {questions > 0 && (
        <span class="pill question-badge" data-badge="questions">
          {plural(questions, "question")} waiting
        </span>
      )}
      {contextUsed >= CONTEXT_WARN_PERCENT && (
        <span class="pill warn" data-fact="context-warning">
          context {contextUsed}% full
        </span>
      )}
    </div>
  );
}

/** The transcript, drawn again only when its rows or the connection change. */
class TranscriptPane extends Component<TranscriptViewProps> {
  override shouldComponentUpdate(next: TranscriptViewProps): boolean {
    const now = this.props;
    return next.version !== now.version || next.status !== now.status ||
      next.empty !== now.empty ||
      next.running?.state !== now.running?.state ||
      next.running?.sinceUnix !== now.running?.sinceUnix;
  }

  override render(): JSX.Element {
    return <TranscriptView {...this.props} />;
  }
}

/** The current time, refreshed every `intervalMs`. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function toggleNotify(
  on: boolean,
  set: (value: boolean) => void,
  storage: Storage | null,
): void {
  const store = (value: boolean) => {
    set(value);
    storage?.setItem("hive.notify", value ? "1" : "0");
  };
  if (on) return store(false);
  if (typeof Notification === "undefined") return;
  if (Notification.permission === "granted") return store(true);
  void Notification.requestPermission().then((permission) =>
    store(permission === "granted")
  );
}

function readLogin(
  state: Record<string, unknown>,
  setUrl: (url: string | null) => void,
): void {
  const login = isRecord(state.login) ? state.login : {};
  setUrl(
    login.phase === "running" && typeof login.url === "string"
      ? login.url
      : null,
  );
}

function readRows(data: Record<string, unknown>): TurnRow[] {
  const list = Array.isArray(data.rows)
    ? data.rows
    : Array.isArray(data.turns)
    ? data.turns
    : [];
  return list.map(readTurnRow).filter((row): row is TurnRow => row !== null);
}

function errorOf(answer: { ok: boolean; error?: string }): string | null {
  return answer.ok ? null : answer.error ?? "failed";
}
