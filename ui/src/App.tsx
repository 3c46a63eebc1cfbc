// The app shell: header, step rail, the current step's panel and the footer with Back and the primary action.
import { useEffect, useReducer } from "react";

import { DemoBanner, Header } from "./components/Header";
import { ErrorPanel } from "./components/ErrorPanel";
import { StepRail } from "./components/StepRail";
import { WelcomePanel } from "./components/WelcomePanel";
import { type Backend, toIpcError } from "./ipc/backend";
import { initialState, isOpen, nextStep, reduce, titleOf } from "./wizard/state";

const PANEL_TITLE_ID = "panel-title";

export function App({ backend }: { backend: Backend }) {
  const [state, dispatch] = useReducer(reduce, undefined, initialState);

  useEffect(() => {
    if (state.phase !== "loading") return;
    let current = true;
    backend
      .sessionStatus()
      .then((session) => current && dispatch({ type: "sessionLoaded", session }))
      .catch((thrown: unknown) => current && dispatch({ type: "sessionFailed", error: toIpcError(thrown) }));
    return () => {
      current = false;
    };
  }, [backend, state.phase]);

  const session = state.phase === "ready" ? state.session : null;
  const next = nextStep(state.step);
  const nextIsOpen = next !== null && isOpen(next);

  return (
    <div className="app">
      <Header state={state} />
      {session?.cloud.isDemo ? <DemoBanner /> : null}
      <div className="app-body">
        <StepRail state={state} onSelect={(step) => dispatch({ type: "stepSelected", step })} />
        <main className="panel" aria-labelledby={PANEL_TITLE_ID}>
          {state.phase === "failed" ? (
            <>
              <h1 id={PANEL_TITLE_ID} className="visually-hidden">
                {titleOf(state.step)}
              </h1>
              <ErrorPanel
                title="Keyless could not check your session"
                error={state.error}
                onRetry={() => dispatch({ type: "retryRequested" })}
              />
            </>
          ) : (
            <WelcomePanel titleId={PANEL_TITLE_ID} />
          )}
        </main>
      </div>
      <footer className="app-footer">
        <button type="button" className="button button-text" disabled>
          Back
        </button>
        <div className="footer-primary">
          {nextIsOpen ? null : (
            <p id="footer-note" className="footer-note">
              This preview shows the Welcome step only; sign-in is not available yet.
            </p>
          )}
          <button
            type="button"
            className="button button-primary"
            disabled={!nextIsOpen}
            aria-describedby={nextIsOpen ? undefined : "footer-note"}
            onClick={() => next && dispatch({ type: "stepSelected", step: next })}
          >
            Continue to {next ? titleOf(next).toLowerCase() : "the end"}
          </button>
        </div>
      </footer>
      <p className="visually-hidden" role="status" aria-live="polite">
        {state.phase === "loading"
          ? "Checking which cloud and account this session uses."
          : state.phase === "failed"
            ? "Keyless could not check your session."
            : `Ready. ${session?.account ? `Signed in as ${session.account.userPrincipalName}` : "Not signed in"} on the ${session?.cloud.name} cloud.`}
      </p>
    </div>
  );
}
