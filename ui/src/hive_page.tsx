/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The host page (SPEC §11): every agent of the hive as a row, live from the hive's
 * event stream, "needs me" first — state, the running turn's time, status text, today's turns
 * and cost against the budget, open questions and reminders, a link to its page — with pause,
 * resume and budget per agent; above them every open question, answerable in place.
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { HarnessApi } from "./api.ts";
import type { OpenQuestion } from "../../lib/wire/broker_shapes.ts";
import {
  type FleetAgent,
  type FleetSnapshot,
  needsOperator,
} from "../../lib/wire/fleet_shapes.ts";
import {
  dollars,
  elapsedText,
  readSnapshot,
  STATE_TEXT,
} from "./hive_model.ts";

/** What the page is given. */
export interface HivePageProps {
  api: HarnessApi;
  streamUrl: string;
}

type Connection = "connecting" | "live" | "reconnecting";

/** The whole host page. */
export function HivePage(props: HivePageProps): JSX.Element {
  const [snapshot, setSnapshot] = useState<FleetSnapshot | null>(null);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [nowMs, setNowMs] = useState(Date.now());

  useEffect(() => {
    let newest = -1;
    const source = new EventSource(props.streamUrl);
    source.onopen = () => setConnection("live");
    source.onerror = () => setConnection("reconnecting");
    source.onmessage = (message) => {
      // Snapshots can cross on (re)connect: keep the newest.
      const id = Number(message.lastEventId);
      if (Number.isFinite(id) && id < newest) return;
      newest = Number.isFinite(id) ? id : newest;
      try {
        const next = readSnapshot(JSON.parse(message.data));
        if (next) setSnapshot(next);
      } catch {
        // A frame that is not JSON is skipped; the next snapshot replaces everything.
      }
    };
    const clock = setInterval(() => setNowMs(Date.now()), 1000);
    return () => {
      source.close();
      clearInterval(clock);
    };
  }, [props.streamUrl]);

  const agents = snapshot?.agents ?? [];
  const waiting = agents.filter(needsOperator).length;
  return (
    <div class="hive">
      <header class="top hive-top" role="banner">
        <h1>hive</h1>
        <span class="pill">{agents.length} agents</span>
        {waiting > 0 && (
          <span class="pill warn" data-testid="needs-me">
            {waiting} need you
          </span>
        )}
        {connection !== "live" && (
          <span class="pill connection" role="status">
            {connection === "connecting" ? "connecting…" : "reconnecting…"}
          </span>
        )}
      </header>
      <main class="hive-main">
        <QuestionList
          api={props.api}
          questions={snapshot?.questions ?? []}
        />
        <section class="hive-agents" aria-label="agents">
          <h2>Agents</h2>
          {snapshot === null
            ? <p class="dim">loading…</p>
            : agents.length === 0
            ? <p class="dim">no agents registered yet</p>
            : (
              <table class="hive-table">
                <thead>
                  <tr>
                    <th>agent</th>
                    <th>state</th>
                    <th>status</th>
                    <th>today</th>
                    <th>loose ends</th>
                    <th>controls</th>
                  </tr>
                </thead>
                <tbody>
                  {agents.map((agent) => (
                    <AgentRow
                      key={agent.name}
                      agent={agent}
                      api={props.api}
                      nowMs={nowMs}
                    />
                  ))}
                </tbody>
              </table>
            )}
        </section>
      </main>
    </div>
  );
}

function AgentRow(
  props: { agent: FleetAgent; api: HarnessApi; nowMs: number },
): JSX.Element {
  const { agent, api } = props;
  const [budget, setBudget] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/api/agents/${encodeURIComponent(agent.name)}`;
  const act = async (suffix: string, body?: Record<string, unknown>) => {
    setBusy(true);
    const result = await api.post(`${path}/${suffix}`, body);
    setBusy(false);
    setError(result.ok ? null : result.error);
    if (result.ok && suffix === "budget") setBudget("");
  };
  const held = agent.state === "paused";
  const elapsed = elapsedText(agent, props.nowMs);
  return (
    <tr
      class={`hive-agent${needsOperator(agent) ? " needs-me" : ""}`}
      data-agent={agent.name}
      data-state={agent.state}
    >
      <td>
        {agent.url
          ? (
            <a href={agent.url} target="_blank" rel="noopener noreferrer">
              {agent.name}
            </a>
          )
          : <span>{agent.name}</span>}
        {agent.role !== "agent" && <span class="pill role">{agent.role}</span>}
      </td>
      <td>
        <span
          class={`pill status status-${agent.state}`}
          data-testid="state"
          title={agent.state_detail ?? undefined}
        >
          {STATE_TEXT[agent.state] ?? agent.state}
          {elapsed && ` · ${elapsed}`}
        </span>
        {agent.state_detail && (agent.state === "paused" ||
          agent.state === "over_budget") &&
          (
            <div class="hive-detail" data-testid="detail">
              {agent.state_detail}
            </div>
          )}
      </td>
      <td class="status-text">{agent.status_text ?? ""}</td>
      <td data-testid="today">
        {plural(agent.turns_today, "turn")} · {dollars(agent.cost_today_usd)}
        {agent.budget_daily_usd !== null &&
          ` of ${dollars(agent.budget_daily_usd)}`}
      </td>
      <td>
        {agent.open_questions > 0 && (
          <span class="pill warn">
            {plural(agent.open_questions, "question")}
          </span>
        )}
        {agent.open_reminders > 0 && (
          <span class="pill">{plural(agent.open_reminders, "reminder")}</span>
        )}
      </td>
      <td>
        <div class="hive-controls">
          <button
            type="button"
            disabled={busy}
            onClick={() => act(held ? "resume" : "pause")}
          >
            {held ? "Resume" : "Pause"}
          </button>
          <form
            class="hive-budget"
            onSubmit={(event) => {
              event.preventDefault();
              const text = budget.trim();
              const value = text === "" || text === "none"
                ? null
                : Number(text);
              if (value !== null && !(value >= 0)) {
                setError("budget: dollars, or empty for no cap");
                return;
              }
              void act("budget", { "daily_usd": value });
            }}
          >
            <input
              type="text"
              inputMode="decimal"
              aria-label={`daily budget of ${agent.name} in dollars`}
              placeholder={agent.budget_daily_usd === null
                ? "no cap"
                : `$${agent.budget_daily_usd}`}
              value={budget}
              onInput={(event) => setBudget(event.currentTarget.value)}
            />
            <button type="submit" disabled={busy}>Set budget</button>
          </form>
        </div>
        {error && <div class="error" role="alert">{error}</div>}
      </td>
    </tr>
  );
}

function QuestionList(
  props: { api: HarnessApi; questions: OpenQuestion[] },
): JSX.Element {
  return (
    <section class="hive-questions" aria-label="open questions">
      <h2>Open questions</h2>
      {props.questions.length === 0
        ? <p class="dim">none</p>
        : props.questions.map((question) => (
          <QuestionCard key={question.id} api={props.api} question={question} />
        ))}
    </section>
  );
}

function QuestionCard(
  props: { api: HarnessApi; question: OpenQuestion },
): JSX.Element {
  const { question, api } = props;
  const [text, setText] = useState("");
  const [picked, setPicked] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const answer = async (value: string) => {
    if (value.trim() === "") return;
    setBusy(true);
    const result = await api.post(`/api/questions/${question.id}/answer`, {
      answer: value,
    });
    setBusy(false);
    setError(result.ok ? null : result.error);
  };
  return (
    <article class="hive-question" data-question-id={question.id}>
      <div class="dim">
        {question.asker} asks{" "}
        {question.target === "operator" ? "you" : question.target}
      </div>
      <p class="hive-question-text">{question.question}</p>
      {question.options.length > 0 && (
        <div class="hive-options">
          {question.options.map((option) =>
            question.multi
              ? (
                <label key={option}>
                  <input
                    type="checkbox"
                    checked={picked.includes(option)}
                    onChange={(event) =>
                      setPicked(
                        event.currentTarget.checked
                          ? [...picked, option]
                          : picked.filter((item) => item !== option),
                      )}
                  />{" "}
                  {option}
                </label>
              )
              : (
                <button
                  key={option}
                  type="button"
                  disabled={busy}
                  onClick={() => answer(option)}
                >
                  {option}
                </button>
              )
          )}
          {question.multi && (
            <button
              type="button"
              disabled={busy || picked.length === 0}
              onClick={() => answer(picked.join(", "))}
            >
              Answer
            </button>
          )}
        </div>
      )}
      <form
        class="hive-free-text"
        onSubmit={(event) => {
          event.preventDefault();
          void answer(text);
        }}
      >
        <input
          type="text"
          aria-label={`answer to question ${question.id}`}
          placeholder="answer in your words"
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
        />
        <button type="submit" disabled={busy || text.trim() === ""}>
          Send
        </button>
      </form>
      {error && <div class="error" role="alert">{error}</div>}
    </article>
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
