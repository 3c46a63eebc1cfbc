// The app shell: header, step rail, the current step's panel, the footer with Back and the primary action, and the live region.
import { type ComponentType, lazy, Suspense, useEffect, useMemo, useReducer, useRef } from "react";

import { DemoBanner, Header } from "./components/Header";
import { ErrorPanel } from "./components/ErrorPanel";
import { Loading } from "./components/Loading";
import { StepRail } from "./components/StepRail";
import type { Backend } from "./ipc/backend";
import { AccessStep } from "./steps/AccessStep";
import { ApplyStep } from "./steps/ApplyStep";
import { ConnectionsStep } from "./steps/ConnectionsStep";
import { DoneStep } from "./steps/DoneStep";
import { IdentityStep } from "./steps/IdentityStep";
import { OrganizationsStep } from "./steps/OrganizationsStep";
import { ReviewStep } from "./steps/ReviewStep";
import { SignInStep } from "./steps/SignInStep";
import type { StepProps } from "./steps/types";
import { WelcomeStep } from "./steps/WelcomeStep";
import { announcement } from "./wizard/announce";
import { createCommands } from "./wizard/commands";
import type { StepId, Wizard } from "./wizard/model";
import { backAllowed, loadKey, nextStep, pendingLoads, previousStep, primaryAction, titleOf } from "./wizard/selectors";
import { initialState, reduce } from "./wizard/state";

const PANEL_TITLE_ID = "panel-title";

// The Migrate and Diagnose paths load their code when first opened: a user who only sets up a connection never
// parses or compiles it, which keeps the window's memory near an empty window's.
const loadMigrateScreens = () => import("./migrate/screens");
const loadDiagnoseScreens = () => import("./diagnose/screens");
const InventoryScreen = lazy(() => loadMigrateScreens().then((screens) => ({ default: screens.InventoryScreen })));
const PlanScreen = lazy(() => loadMigrateScreens().then((screens) => ({ default: screens.PlanScreen })));
const MigrationApplyScreen = lazy(() => loadMigrateScreens().then((screens) => ({ default: screens.MigrationApplyScreen })));
const MigrationReportScreen = lazy(() => loadMigrateScreens().then((screens) => ({ default: screens.MigrationReportScreen })));
const ScopeScreen = lazy(() => loadDiagnoseScreens().then((screens) => ({ default: screens.ScopeScreen })));
const FindingsScreen = lazy(() => loadDiagnoseScreens().then((screens) => ({ default: screens.FindingsScreen })));
const FixScreen = lazy(() => loadDiagnoseScreens().then((screens) => ({ default: screens.FixScreen })));

const SCREENS: Record<StepId, ComponentType<StepProps>> = {
  welcome: WelcomeStep,
  signIn: SignInStep,
  organizations: OrganizationsStep,
  identity: IdentityStep,
  access: AccessStep,
  connections: ConnectionsStep,
  review: ReviewStep,
  apply: ApplyStep,
  done: DoneStep,
  inventory: InventoryScreen,
  migrationPlan: PlanScreen,
  migrationApply: MigrationApplyScreen,
  migrationReport: MigrationReportScreen,
  diagnoseScope: ScopeScreen,
  diagnoseFindings: FindingsScreen,
  diagnoseFix: FixScreen,
};

export function App({ backend }: { backend: Backend }) {
  const [state, dispatch] = useReducer(reduce, undefined, initialState);
  const commands = useMemo(() => createCommands(backend, dispatch), [backend]);
  // Loads already asked for: effects can run twice for one state (Strict Mode) before the first dispatch lands.
  const inFlight = useRef(new Set<string>());
  const panelRef = useRef<HTMLElement>(null);
  const firstStep = useRef(true);

  useEffect(() => {
    if (state.phase === "loading") void commands.loadSession();
  }, [commands, state.phase]);

  useEffect(() => {
    for (const load of pendingLoads(state)) {
      const key = loadKey(load);
      if (inFlight.current.has(key)) continue;
      inFlight.current.add(key);
      void commands.load(load).finally(() => inFlight.current.delete(key));
    }
  }, [commands, state]);

  useEffect(() => {
    // Moving to another step puts focus on its title, so keyboard and screen-reader users start at the top.
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    panelRef.current?.scrollTo?.({ top: 0 });
    document.getElementById(PANEL_TITLE_ID)?.focus();
  }, [state.step]);

  const primary = primaryAction(state);
  const runPrimary = () => {
    if (state.phase !== "ready") return;
    const wizard: Wizard = state;
    switch (primary.command) {
      case "next": {
        const next = nextStep(wizard.step, wizard.path);
        if (next) dispatch({ type: "stepSelected", step: next });
        return;
      }
      case "chooseCloud":
        void commands.chooseCloud(wizard);
        return;
      case "signIn":
        void commands.signIn(wizard);
        return;
      case "apply":
        void commands.apply(wizard);
        return;
      case "newSetup":
        dispatch({ type: "newSetupRequested" });
        return;
      case "applyMigration":
        void commands.applyMigration(wizard);
        return;
      case "inventoryAgain":
        dispatch({ type: "loadRetried", load: { kind: "inventory" } });
        dispatch({ type: "stepSelected", step: "inventory" });
        return;
      case "diagnose":
        void commands.diagnosePrimary(wizard);
        return;
      case "none":
        return;
    }
  };
  const previous = previousStep(state.step, state.phase === "ready" ? state.path : "setup");
  const Screen = SCREENS[state.step];

  return (
    <div className="app">
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement(state)}
      </p>
      <Header state={state} />
      {state.phase === "ready" && state.session.cloud.isDemo ? <DemoBanner /> : null}
      <div className="app-body">
        <StepRail state={state} onSelect={(step) => dispatch({ type: "stepSelected", step })} />
        <main className="panel" aria-labelledby={PANEL_TITLE_ID} ref={panelRef}>
          {state.phase === "failed" ? (
            <>
              <h1 id={PANEL_TITLE_ID} className="visually-hidden" tabIndex={-1}>
                {titleOf(state.step)}
              </h1>
              <ErrorPanel title="Keyless could not check your session" error={state.error} onRetry={() => dispatch({ type: "retryRequested" })} />
            </>
          ) : state.phase === "loading" ? (
            <>
              <h1 id={PANEL_TITLE_ID} className="visually-hidden" tabIndex={-1}>
                {titleOf(state.step)}
              </h1>
              <Loading what="Checking which cloud and account this session uses…" />
            </>
          ) : (
            <Suspense fallback={<Loading what={`Opening ${titleOf(state.step)}…`} />}>
              <Screen wizard={state} dispatch={dispatch} commands={commands} titleId={PANEL_TITLE_ID} />
            </Suspense>
          )}
        </main>
      </div>
      <footer className="app-footer">
        <button
          type="button"
          className="button button-text"
          disabled={!backAllowed(state)}
          onClick={() => previous && dispatch({ type: "stepSelected", step: previous })}
        >
          Back
        </button>
        <div className="footer-primary">
          {primary.note ? (
            <p id="footer-note" className="footer-note">
              {primary.note}
            </p>
          ) : null}
          <button
            type="button"
            className="button button-primary"
            disabled={primary.disabled}
            aria-describedby={primary.note ? "footer-note" : undefined}
            onClick={runPrimary}
          >
            {primary.label}
          </button>
        </div>
      </footer>
    </div>
  );
}
