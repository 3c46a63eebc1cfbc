// The Apply step: every plan step as a live row, totals, waits explained, retry on failure and a cancel that keeps the run resumable.
import { ErrorPanel } from "../components/ErrorPanel";
import { Icon } from "../components/Icon";
import { Notice } from "../components/Notice";
import { applyLabel, currentPlan } from "../wizard/selectors";
import { RunSteps } from "./RunSteps";
import { StepTitle } from "./StepTitle";
import type { StepProps } from "./types";

export function ApplyStep({ wizard, dispatch, commands, titleId }: StepProps) {
  const apply = wizard.runs.apply;
  const title = (
    <StepTitle id={titleId} lead="Keyless runs the plan step by step and records each finished step on this computer, so a stopped run can resume.">
      Apply
    </StepTitle>
  );
  if (apply.status === "idle" || apply.status === "confirming") {
    return (
      <article className="step">
        {title}
        <p>Nothing has run yet. Choose “{applyLabel(currentPlan(wizard))}” to start.</p>
      </article>
    );
  }
  const progress = apply.progress;
  const failedStep = progress.steps.find((step) => step.state === "failed");
  const run = apply.status === "finished" ? apply.run : null;
  const stopped = run !== null && (run.status === "failed" || run.status === "running");
  return (
    <article className="step">
      {title}
      <div className="run-header">
        <p className="muted">
          {progress.runId ? (
            <>
              Run <span className="mono">{progress.runId}</span>
              {progress.resumed ? " — resumed: steps an earlier attempt finished are skipped." : ""}
            </>
          ) : (
            "Starting the run…"
          )}
        </p>
        {apply.status === "running" ? (
          <button type="button" className="button" disabled={apply.cancelling} onClick={() => void commands.cancelApply()}>
            <Icon name="stop" />
            {apply.cancelling ? "Stopping after the current step…" : "Stop after the current step"}
          </button>
        ) : null}
      </div>
      {apply.status === "failed" ? (
        <ErrorPanel
          title="The run stopped"
          error={apply.error}
          onRetry={() => void commands.apply(wizard)}
          onSignIn={() => dispatch({ type: "stepSelected", step: "signIn" })}
        />
      ) : null}
      {stopped && failedStep ? (
        <Notice tone="error" title={`Failed: ${failedStep.title}`}>
          <p>{failedStep.failure?.help}</p>
          <p className="muted">What is done stays done: “Retry from the failed step” continues from this step.</p>
        </Notice>
      ) : stopped ? (
        <Notice tone="warning" title={run?.error?.code === "cancelled" ? "You stopped the run" : "The run did not finish"}>
          <p>{run?.error?.help ?? "Choose “Resume the run” to continue where it stopped."}</p>
        </Notice>
      ) : run?.status === "completed" ? (
        <Notice tone="success" title="Every step finished. The connections are ready to use." />
      ) : run?.status === "waitingForHandOff" ? (
        <Notice tone="info" title="Done, except the credentials the identity's owner must add">
          <p>The summary has a hand-off pack for each one.</p>
        </Notice>
      ) : null}
      <RunSteps progress={progress} running={apply.status === "running"} label="Plan steps" />
      <p className="muted resume-note">
        You can close Keyless at any time. To continue later, build the same setup and apply it again: Keyless resumes this run
        and skips what is already done.
      </p>
    </article>
  );
}
