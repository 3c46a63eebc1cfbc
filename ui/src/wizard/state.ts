// The wizard's state: a pure reducer over a discriminated union, with the step list and each step's status.
import type { IpcError, SessionStatus } from "../ipc/bindings";

/** The steps in the order the left rail lists them. */
export const STEPS = [
  { id: "welcome", title: "Welcome" },
  { id: "signIn", title: "Sign in" },
  { id: "organizations", title: "Organizations" },
  { id: "identity", title: "Identity" },
  { id: "access", title: "Access" },
  { id: "connections", title: "Connections" },
  { id: "review", title: "Review" },
  { id: "apply", title: "Apply" },
  { id: "done", title: "Done" },
] as const;

export type StepId = (typeof STEPS)[number]["id"];

/** How the rail shows a step; never shown by colour alone. */
export type StepStatus = "current" | "done" | "available" | "attention" | "locked";

/** The steps this build can show. The others are locked until their screens exist. */
const OPEN_STEPS: ReadonlySet<StepId> = new Set<StepId>(["welcome"]);

export type WizardState =
  /** Asking the backend which cloud and account this session has. */
  | { phase: "loading"; step: StepId }
  /** The backend could not say; the panel shows the error and offers Try again. */
  | { phase: "failed"; step: StepId; error: IpcError }
  | { phase: "ready"; step: StepId; session: SessionStatus };

export type WizardEvent =
  | { type: "sessionLoaded"; session: SessionStatus }
  | { type: "sessionFailed"; error: IpcError }
  | { type: "retryRequested" }
  | { type: "stepSelected"; step: StepId };

export function initialState(): WizardState {
  return { phase: "loading", step: "welcome" };
}

export function reduce(state: WizardState, event: WizardEvent): WizardState {
  switch (event.type) {
    case "sessionLoaded":
      return { phase: "ready", step: state.step, session: event.session };
    case "sessionFailed":
      return { phase: "failed", step: state.step, error: event.error };
    case "retryRequested":
      return state.phase === "failed" ? { phase: "loading", step: state.step } : state;
    case "stepSelected":
      // Selecting a locked step, or the current one, changes nothing (same object, no re-render).
      return isOpen(event.step) && event.step !== state.step ? { ...state, step: event.step } : state;
  }
}

export function isOpen(step: StepId): boolean {
  return OPEN_STEPS.has(step);
}

export function stepStatus(state: WizardState, step: StepId): StepStatus {
  if (step === state.step) return state.phase === "failed" ? "attention" : "current";
  if (!isOpen(step)) return "locked";
  return indexOf(step) < indexOf(state.step) ? "done" : "available";
}

export function indexOf(step: StepId): number {
  return STEPS.findIndex((candidate) => candidate.id === step);
}

/** The step after `step`, or null on the last one. */
export function nextStep(step: StepId): StepId | null {
  return STEPS[indexOf(step) + 1]?.id ?? null;
}

export function titleOf(step: StepId): string {
  return STEPS[indexOf(step)]?.title ?? step;
}
