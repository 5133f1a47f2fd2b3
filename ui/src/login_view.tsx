/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module The login panel, shown while claude is not logged in: run the interactive login (open
 * its URL, paste the code back) or paste a long-lived token or API key. A pasted secret is sent
 * once and cleared from the page; it is never shown again.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";

/** Props of {@linkcode LoginView}. */
export interface LoginViewProps {
  status: string;
  /** The login URL the harness already has, if a flow is running. */
  url: string | null;
  start: () => Promise<{ error: string | null; url: string | null }>;
  sendCode: (code: string) => Promise<string | null>;
  sendToken: (token: string) => Promise<string | null>;
  /** Closes a panel the operator opened (`/login`); null while claude needs the login. */
  close?: (() => void) | null;
}

/** The login panel. */
export function LoginView(props: LoginViewProps): JSX.Element {
  const [url, setUrl] = useState<string | null>(props.url);
  const [code, setCode] = useState("");
  const [token, setToken] = useState("");
  const [message, setMessage] = useState<
    { text: string; error: boolean } | null
  >(null);
  const [busy, setBusy] = useState(false);
  const shownUrl = url ?? props.url;

  const guard = async (work: () => Promise<void>) => {
    setBusy(true);
    setMessage(null);
    try {
      await work();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel login" aria-labelledby="login-title" role="region">
      <h2 id="login-title">
        {props.status === "needs_login_idle"
          ? "claude is not logged in"
          : props.status === "needs_login_in_progress"
          ? "claude is logging in"
          : "log claude in"}
        {props.close && (
          <button type="button" class="link" onClick={props.close}>
            close
          </button>
        )}
      </h2>
      <p>
        {props.status === "needs_login_in_progress"
          ? "A login is under way; the next turn proves it."
          : "Paste a long-lived token (run claude setup-token on any machine) or an Anthropic API key below, or log in with the browser flow."}
      </p>
      <div class="login-flow">
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            guard(async () => {
              const answer = await props.start();
              if (answer.error) {
                setMessage({ text: answer.error, error: true });
              } else if (answer.url) {
                setUrl(answer.url);
              } else {setMessage({
                  text: "login started; no URL yet — try again in a moment",
                  error: false,
                });}
            })}
        >
          {shownUrl ? "Restart login" : "Start login"}
        </button>
        {shownUrl && (
          <p>
            1. Open{" "}
            <a
              href={shownUrl}
              target="_blank"
              rel="noopener noreferrer"
              class="login-url"
            >
              {shownUrl}
            </a>
          </p>
        )}
        {shownUrl && (
          <form
            class="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              guard(async () => {
                const failure = await props.sendCode(code.trim());
                if (failure) setMessage({ text: failure, error: true });
                else {
                  setCode("");
                  setMessage({
                    text: "code sent; the next turn will tell if it worked",
                    error: false,
                  });
                }
              });
            }}
          >
            <label for="login-code">2. Paste the code</label>
            <input
              id="login-code"
              value={code}
              onInput={(event) =>
                setCode(event.currentTarget.value)}
              autoComplete="off"
            />
            <button type="submit" disabled={busy || code.trim() === ""}>
              Send code
            </button>
          </form>
        )}
      </div>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          const secret = token.trim();
          setToken("");
          guard(async () => {
            const failure = await props.sendToken(secret);
            setMessage(
              failure
                ? { text: failure, error: true }
                : { text: "saved; the next turn uses it", error: false },
            );
          });
        }}
      >
        <label for="login-token">
          or paste a token (<code>claude setup-token</code>) or API key
        </label>
        <input
          id="login-token"
          type="password"
          value={token}
          onInput={(event) =>
            setToken(event.currentTarget.value)}
          autoComplete="off"
          spellcheck={false}
        />
        <button type="submit" disabled={busy || token.trim() === ""}>
          Save token
        </button>
      </form>
      {message && (
        <p
          class={message.error ? "error" : "dim"}
          role={message.error ? "alert" : "status"}
        >
          {message.text}
        </p>
      )}
    </section>
  );
}
