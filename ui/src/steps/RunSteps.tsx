// The rows of a running or finished run: icon, plain title, status in words, elapsed time, details on expansion.
import { useEffect, useState } from "react";

import type { StepOutcomeView } from "../ipc/bindings";
import { Icon, type IconName } from "../components/Icon";
import type { RunProgress, StepProgress } from "../wizard/model";
import { type Totals, totalsOf } from "../wizard/progress";

const OUTCOME_WORDS: Record<StepOutcomeView, string> = {
  created: "Created",
  updated: "Updated",
  reused: "Already right, reused",
  verified: "Verified",
  handedOff: "Handed off to the identity's owner",
  alreadyDone: "Done in an earlier attempt",
};

export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The current time, refreshed every second while `ticking`, for live elapsed times. */
export function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

function statusOf(step: StepProgress): { icon: IconName; words: string } {
  switch (step.state) {
    case "pending":
      return { icon: "pending", words: "Not started" };
    case "running":
      return { icon: "running", words: "In progress" };
    case "waiting":
      return { icon: "clock", words: `Waiting (attempt ${step.wait?.attempt ?? 1})` };
    case "done":
      return { icon: step.outcome === "handedOff" ? "handOff" : "check", words: step.outcome ? OUTCOME_WORDS[step.outcome] : "Done" };
    case "failed":
      return { icon: "warning", words: "Failed" };
  }
}

function StepRow({ step, now }: { step: StepProgress; now: number }) {
  const [open, setOpen] = useState(false);
  const { icon, words } = statusOf(step);
  const elapsed =
    step.elapsedMs !== null ? formatElapsed(step.elapsedMs) : step.startedAt !== null && step.state !== "pending" ? formatElapsed(now - step.startedAt) : "";
  const detailsId = `run-step-${step.id.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  const hasDetails = step.detail !== "" || step.wait !== null || step.failure !== null || step.requests.length > 0;
  // A failed step opens by itself: its fix is the one thing to read.
  const expanded = open || step.state === "failed";
  return (
    <li className={`run-step run-step-${step.state}`}>
      <button
        type="button"
        className="run-step-summary"
        aria-expanded={hasDetails ? expanded : undefined}
        aria-controls={hasDetails ? detailsId : undefined}
        disabled={!hasDetails}
        onClick={() => setOpen(!expanded)}
      >
        <Icon name={icon} className="run-step-icon" />
        <span className="run-step-title">{step.title}</span>
        <span className="run-step-status">{words}</span>
        <span className="run-step-elapsed">{elapsed}</span>
        {hasDetails ? <Icon name="chevron" className={expanded ? "chevron chevron-open" : "chevron"} /> : <span className="chevron" />}
      </button>
      {step.wait && step.state === "waiting" ? (
        <p className="run-step-wait">
          {step.wait.reason}. Checking again in {formatElapsed(step.wait.waitMs)}.
        </p>
      ) : null}
      {hasDetails && expanded ? (
        <div id={detailsId} className="run-step-details">
          {step.failure ? (
            <div className="run-step-failure">
              <p>{step.failure.message}</p>
              <p className="help">{step.failure.help}</p>
              <p className="muted">
                Error code <span className="mono">{step.failure.code}</span>
              </p>
            </div>
          ) : null}
          {step.detail ? <p>{step.detail}</p> : null}
          {step.wait && step.state !== "waiting" ? <p className="muted">Waited: {step.wait.reason}</p> : null}
          {step.requests.length > 0 ? (
            <ul className="requests" aria-label="Requests made">
              {step.requests.map((request, index) => (
                <li key={index} className="mono">
                  {request.method} {request.url} → {request.status}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

export function RunTotals({ totals, label }: { totals: Totals; label: string }) {
  return (
    <div className="run-totals">
      <dl className="totals" aria-label={label}>
        <div>
          <dt>Done</dt>
          <dd>{totals.done}</dd>
        </div>
        <div>
          <dt>Remaining</dt>
          <dd>{totals.remaining}</dd>
        </div>
        <div className={totals.failed > 0 ? "totals-failed" : undefined}>
          <dt>Failed</dt>
          <dd>{totals.failed}</dd>
        </div>
      </dl>
      <progress className="run-progress" max={Math.max(totals.total, 1)} value={totals.done} aria-label={`${totals.done} of ${totals.total} steps done`} />
    </div>
  );
}

export function RunSteps({ progress, running, label }: { progress: RunProgress; running: boolean; label: string }) {
  const now = useNow(running);
  return (
    <>
      <RunTotals totals={totalsOf(progress)} label={`${label}: totals`} />
      <ol className="run-steps" aria-label={label}>
        {progress.steps.map((step) => (
          <StepRow key={step.id} step={step} now={now} />
        ))}
      </ol>
    </>
  );
}
