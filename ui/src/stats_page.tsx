/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The `/stats` page: a header like the agent page's (with the way back to it, the window
 * switcher and whether updates are live), then the window's totals, charts and mixes. It loads
 * `/api/stats?window=…`, reloads when a turn is recorded (see `stats_live.ts`), and keeps the
 * window in the address so a view can be bookmarked. An answer for a window no longer shown is
 * dropped, so switching quickly never shows the wrong figures.
 */
import type { JSX } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { HarnessApi } from "./api.ts";
import { Charts, SummaryCards } from "./stats_panels.tsx";
import {
  parseStatsReport,
  STATS_WINDOWS,
  type StatsReport,
  type StatsWindowName,
} from "./stats_data.ts";
import { type LiveStatus, watchStats } from "./stats_live.ts";

/** Props of {@linkcode StatsPage}. */
export interface StatsPageProps {
  api: HarnessApi;
  /** The events stream's URL. */
  streamUrl: string;
  initialWindow: StatsWindowName;
  /** Called with the window the operator picked (to put it in the address). */
  windowChanged: (window: StatsWindowName) => void;
}

/** The whole page. */
export function StatsPage(props: StatsPageProps): JSX.Element {
  const [windowName, setWindowName] = useState(props.initialWindow);
  const [report, setReport] = useState<StatsReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<LiveStatus>("connecting");
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const windowRef = useRef(windowName);
  const request = useRef(0);

  const load = useCallback(async () => {
    const asked = windowRef.current;
    const id = ++request.current;
    const answer = await props.api.get(`/api/stats?window=${asked}`);
    if (id !== request.current) return; // a newer request is on its way
    const parsed = answer.ok ? parseStatsReport(answer.data) : null;
    if (parsed) {
      setReport(parsed);
      setError(null);
      setUpdatedAt(new Date());
    } else {
      setError(
        answer.ok
          ? "Cannot read the stats: the answer is not /api/stats JSON"
          : answer.status === 401
          ? "Not authorised: open this page from the agent page, or with ?token=…"
          : `Cannot load the stats: ${answer.error}`,
      );
    }
  }, [props.api]);

  useEffect(() => {
    windowRef.current = windowName;
    void load();
  }, [windowName, load]);

  useEffect(
    () => watchStats({ url: props.streamUrl, reload: load, status: setLive }),
    [props.streamUrl, load],
  );

  useEffect(() => {
    if (report) document.title = `${report.agent} · turn stats`;
  }, [report?.agent]);

  const choose = (next: StatsWindowName) => {
    setWindowName(next);
    props.windowChanged(next);
  };
  // While another window loads, the old figures stay, dimmed, so the page does not jump.
  const stale = report !== null && report.window !== windowName;
  const long = STATS_WINDOWS.find((w) => w.name === windowName)?.long ??
    windowName;

  return (
    <div class="stats-page">
      <header class="top" role="banner">
        <div class="identity">
          <a class="back" href="./">
            <span aria-hidden="true">←</span> agent page
          </a>
          <h1>
            {report?.agent || "agent"}{" "}
            <span class="dim title-part">turn stats</span>
          </h1>
          {report?.role && <span class="pill role">{report.role}</span>}
        </div>
        <div class="facts">
          <fieldset class="window-switch">
            <legend class="visually-hidden">Window</legend>
            {STATS_WINDOWS.map((option) => (
              <label key={option.name} title={`the last ${option.long}`}>
                <input
                  type="radio"
                  name="window"
                  value={option.name}
                  checked={windowName === option.name}
                  onChange={() =>
                    choose(option.name)}
                />
                <span>
                  {option.label}{" "}
                  <span class="visually-hidden">(last {option.long})</span>
                </span>
              </label>
            ))}
          </fieldset>
          <span
            class={`pill live live-${live}`}
            data-live={live}
            title="updates when a turn is recorded"
          >
            {live === "live"
              ? "live"
              : live === "connecting"
              ? "connecting…"
              : "reconnecting…"}
          </span>
          {updatedAt && (
            <span class="fact dim" data-fact="updated">
              updated {updatedAt.toLocaleTimeString([], {
                hour: "2-digit",
                minute: "2-digit",
                second: "2-digit",
                hourCycle: "h23",
              })}
            </span>
          )}
        </div>
      </header>
      <main
        class={`stats-main${stale ? " stale" : ""}`}
        aria-busy={(report === null || stale) && error === null}
        data-window={report?.window}
      >
        {error && <p class="error stats-error" role="alert">{error}</p>}
        {report === null
          ? !error && <p class="dim loading">Loading the last {long}…</p>
          : (
            <>
              <SummaryCards total={report.total} />
              {report.total.turns === 0
                ? (
                  <div class="empty-state" data-empty>
                    <p>
                      <strong>
                        No turns in the last{" "}
                        {STATS_WINDOWS.find((w) => w.name === report.window)
                          ?.long}.
                      </strong>
                    </p>
                    <p class="dim">
                      Each turn the agent finishes adds to these figures; this
                      page updates by itself when one is recorded.
                    </p>
                  </div>
                )
                : <Charts report={report} />}
            </>
          )}
      </main>
    </div>
  );
}
