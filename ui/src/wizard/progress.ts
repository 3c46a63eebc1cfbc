// Folds a run's progress events into per-step rows (pure), and sums them into totals for the Apply screen.
import type { ProgressView } from "../ipc/bindings";
import { type RunProgress, type StepProgress, emptyProgress } from "./model";
import { waitSentence } from "./waits";

function pendingStep(id: string, title: string): StepProgress {
  return {
    id,
    title,
    state: "pending",
    startedAt: null,
    elapsedMs: null,
    outcome: null,
    detail: "",
    wait: null,
    failure: null,
    requests: [],
  };
}

/** A run about to start: every planned step pending, in plan order. */
export function progressFor(steps: { id: string; title: string }[]): RunProgress {
  return { ...emptyProgress(), steps: steps.map((step) => pendingStep(step.id, step.title)) };
}

function updateStep(progress: RunProgress, id: string, title: string, change: (step: StepProgress) => StepProgress): RunProgress {
  const known = progress.steps.some((step) => step.id === id);
  const steps = known ? progress.steps : [...progress.steps, pendingStep(id, title)];
  return { ...progress, steps: steps.map((step) => (step.id === id ? change(step) : step)) };
}

/** The progress after `event`, which arrived at `at` (ms since the epoch). */
export function advance(progress: RunProgress, event: ProgressView, at: number): RunProgress {
  switch (event.event) {
    case "runStarted":
      // A resumed run restarts the rows: steps an earlier attempt finished report `alreadyDone`.
      return {
        ...progress,
        runId: event.runId,
        resumed: event.resumed,
        totals: null,
        steps: progress.steps.map((step) => pendingStep(step.id, step.title)),
      };
    case "stepStarted":
      return updateStep(progress, event.stepId, event.title, (step) => ({
        ...step,
        title: event.title || step.title,
        state: "running",
        startedAt: at,
        failure: null,
        wait: null,
      }));
    case "stepWaiting":
      return updateStep(progress, event.stepId, event.stepId, (step) => ({
        ...step,
        state: "waiting",
        startedAt: step.startedAt ?? at,
        wait: { reason: waitSentence(event.wait), attempt: Number(event.attempt), waitMs: Number(event.waitMs) },
      }));
    case "request":
      return updateStep(progress, event.stepId, event.stepId, (step) => ({
        ...step,
        requests: [...step.requests, { method: event.method, url: event.url, status: Number(event.status) }],
      }));
    case "stepFinished":
      return updateStep(progress, event.stepId, event.stepId, (step) => ({
        ...step,
        state: "done",
        outcome: event.outcome,
        detail: event.detail,
        elapsedMs: Number(event.elapsedMs),
        // The last wait stays, so the expanded row can say what the step waited for.
      }));
    case "stepFailed":
      return updateStep(progress, event.stepId, event.stepId, (step) => ({
        ...step,
        state: "failed",
        elapsedMs: step.startedAt === null ? null : at - step.startedAt,
        wait: null,
        failure: { code: event.code, message: event.message, help: event.help },
      }));
    case "runFinished":
      return {
        ...progress,
        runId: event.runId,
        totals: { done: Number(event.done), failed: Number(event.failed), remaining: Number(event.remaining) },
        // Nothing runs once the run ended: a step cut off mid-way goes back to pending (it resumes).
        steps: progress.steps.map((step) =>
          step.state === "running" || step.state === "waiting" ? { ...step, state: "pending", wait: null } : step,
        ),
      };
  }
}

export interface Totals {
  done: number;
  failed: number;
  remaining: number;
  total: number;
}

/** Done / failed / remaining, from the rows (the engine's totals win once the run reported them). */
export function totalsOf(progress: RunProgress): Totals {
  const total = progress.steps.length;
  if (progress.totals) return { ...progress.totals, total };
  const done = progress.steps.filter((step) => step.state === "done").length;
  const failed = progress.steps.filter((step) => step.state === "failed").length;
  return { done, failed, remaining: total - done - failed, total };
}

/** The row in progress, if any: what the status line announces. */
export function activeStep(progress: RunProgress): StepProgress | null {
  return progress.steps.find((step) => step.state === "running" || step.state === "waiting") ?? null;
}
