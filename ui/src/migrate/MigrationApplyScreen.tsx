// The migration's progress: totals for the whole run, then every step grouped by wave with waits in words; a failed step shows its fix and the footer retries (resuming).
import { ErrorPanel } from "../components/ErrorPanel";
import { Notice } from "../components/Notice";
import { RunSteps, RunTotals } from "../steps/RunSteps";
import { StepTitle } from "../steps/StepTitle";
import type { StepProps } from "../steps/types";
import { totalsOf } from "../wizard/progress";
import type { MigrationProgress } from "./model";
import { progressByWave } from "./progress";

export function WaveProgressList({ progress, running }: { progress: MigrationProgress; running: boolean }) {
  return (
    <>
      <RunTotals totals={totalsOf(progress.run)} label="Migration: totals" />
      {progressByWave(progress).map((group) => (
        <section key={group.wave ?? "run"} className="migration-wave" aria-labelledby={`progress-wave-${group.wave ?? "run"}`}>
          <h2 id={`progress-wave-${group.wave ?? "run"}`}>{group.wave === null ? "Before and after the waves" : `Wave ${group.wave}`}</h2>
          <RunSteps progress={group.progress} running={running} label={group.wave === null ? "Run steps" : `Wave ${group.wave} steps`} />
        </section>
      ))}
    </>
  );
}

export function MigrationApplyScreen({ wizard, dispatch, commands, titleId }: StepProps) {
  const run = wizard.migrate.migration.run;
  const title = (
    <StepTitle
      id={titleId}
      lead="Keyless migrates one wave at a time and verifies each connection before the next wave starts. Every finished step is recorded on this computer, so a stopped migration resumes."
    >
      Migrate
    </StepTitle>
  );
  if (run.status === "idle") {
    return (
      <article className="step">
        {title}
        <p>Nothing has run yet. Review the plan, then choose “Migrate” to start.</p>
      </article>
    );
  }
  const progress = run.progress;
  const failedStep = progress.run.steps.find((step) => step.state === "failed");
  const finished = run.status === "finished" ? run.run : null;
  const stopped = finished !== null && (finished.status === "failed" || finished.status === "running");
  return (
    <article className="step">
      {title}
      <p className="muted">
        {progress.run.runId ? (
          <>
            Migration <span className="mono">{progress.run.runId}</span>
            {progress.run.resumed ? " — resumed: connections an earlier attempt finished are skipped." : ""}
          </>
        ) : (
          "Starting the migration…"
        )}
      </p>
      {run.status === "failed" ? (
        <ErrorPanel
          title="The migration stopped"
          error={run.error}
          onRetry={() => void commands.applyMigration(wizard)}
          onSignIn={() => dispatch({ type: "stepSelected", step: "signIn" })}
        />
      ) : null}
      {stopped && failedStep ? (
        <Notice tone="error" title={`Failed: ${failedStep.title}`}>
          <p>{failedStep.failure?.help ?? finished?.error?.help}</p>
          <p className="muted">What is done stays done: “Retry from the failed step” continues from this step.</p>
        </Notice>
      ) : stopped ? (
        <Notice tone="warning" title="The migration did not finish">
          <p>{finished?.error?.help ?? "Choose “Resume the migration” to continue where it stopped."}</p>
        </Notice>
      ) : finished?.status === "completed" ? (
        <Notice tone="success" title="Every wave finished and was verified." />
      ) : finished?.status === "waitingForHandOff" ? (
        <Notice tone="info" title="Done, except the credentials the identities' owners must add">
          <p>The report says who must add which credential.</p>
        </Notice>
      ) : null}
      <WaveProgressList progress={progress} running={run.status === "running"} />
    </article>
  );
}
