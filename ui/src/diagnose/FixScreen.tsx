// The Fix screen: the repair of each chosen connection as a plan (terraform-style), applied with live progress, then
// the connection diagnosed again to show it passes, and Undo (confirmed) to roll the fix runs back.
import { ErrorPanel } from "../components/ErrorPanel";
import { Icon } from "../components/Icon";
import { Loading } from "../components/Loading";
import { Notice } from "../components/Notice";
import type { FixPlanView } from "../ipc/bindings";
import { ActionBadge, groupSteps } from "../steps/ReviewStep";
import { RunSteps } from "../steps/RunSteps";
import { StepTitle } from "../steps/StepTitle";
import type { StepProps } from "../steps/types";
import { FindingItem } from "./Evidence";
import type { ConnectionRef, FixRunState } from "./model";
import { finishedFixRuns, fixRunning } from "./selectors";

function FixPlan({ plan }: { plan: FixPlanView }) {
  return (
    <>
      {plan.plan ? (
        <div className="fix-plan">
          <p className="plan-line">
            <span className="mono">
              {plan.plan.counts.create} to create, {plan.plan.counts.update} to update, {plan.plan.counts.reuse} to reuse, {plan.plan.counts.verify} to verify
            </span>
          </p>
          {groupSteps(plan.plan.steps).map((group) => (
            <section key={group.group} aria-label={group.group}>
              <h4>{group.group}</h4>
              <ul className="plan-steps">
                {group.steps.map((step) => (
                  <li key={step.id} className="plan-step">
                    <ActionBadge action={step.action} />
                    <span>{step.title}</span>
                    {step.needs ? <span className="muted"> — needs {step.needs}</span> : null}
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </div>
      ) : (
        <Notice tone="warning" title="Keyless can fix nothing on this connection now" />
      )}
      {plan.fixes.length > 0 ? (
        <details open>
          <summary>What the run repairs ({plan.fixes.length})</summary>
          <ul className="findings">
            {plan.fixes.map((finding, index) => (
              <FindingItem key={index} finding={finding} />
            ))}
          </ul>
        </details>
      ) : null}
      {plan.left.length > 0 ? (
        <details open>
          <summary>What you still need to do ({plan.left.length})</summary>
          <ul className="findings">
            {plan.left.map((finding, index) => (
              <FindingItem key={index} finding={finding} />
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

function RunResult({ target, run }: { target: ConnectionRef; run: FixRunState }) {
  if (run.status === "idle") return null;
  if (run.status === "failed") return <ErrorPanel title={`The fix of ${target.name} stopped`} error={run.error} />;
  if (run.status === "running") return null;
  const after = run.result.after;
  if (run.result.run.status !== "completed") {
    return (
      <Notice tone="error" title={`The fix of ${target.name} did not finish`}>
        <p>{run.result.run.error?.help ?? "Apply the fix again: Keyless resumes where it stopped."}</p>
      </Notice>
    );
  }
  if (after === null) return <Notice tone="success" title={`Fixed ${target.name}. Keyless could not read it again to check.`} />;
  return after.health === "healthy" ? (
    <Notice tone="success" title={`${target.name} now passes`}>
      <p>Keyless diagnosed it again after the fix and found nothing wrong.</p>
    </Notice>
  ) : (
    <Notice tone="warning" title={`${target.name} still has ${after.findings.length === 1 ? "a finding" : `${after.findings.length} findings`}`}>
      <ul className="findings">
        {after.findings.map((finding, index) => (
          <FindingItem key={index} finding={finding} />
        ))}
      </ul>
    </Notice>
  );
}

export function FixScreen({ wizard, dispatch, commands, titleId }: StepProps) {
  const fix = wizard.diagnose.fix;
  const title = (
    <StepTitle
      id={titleId}
      lead="Keyless repairs through an ordinary run: it plans against what exists now, records each step on this computer, and can undo the run."
    >
      Fix
    </StepTitle>
  );
  if (fix === null) {
    return (
      <article className="step diagnose">
        {title}
        <p>Choose Fix on a connection in Findings first.</p>
      </article>
    );
  }
  const running = fixRunning(fix);
  const undoable = finishedFixRuns(fix);
  const names = fix.targets.map((target) => target.name).join(", ");
  return (
    <article className="step diagnose">
      {title}
      {fix.targets.map((target) => {
        const plan = fix.plans[target.connectionId] ?? { status: "idle" as const };
        const run = fix.runs[target.connectionId] ?? { status: "idle" as const };
        return (
          <section key={target.connectionId} className="fix-target" aria-labelledby={`fix-${target.connectionId}`}>
            <h2 id={`fix-${target.connectionId}`}>
              {target.name} <span className="muted">in {target.organization} / {target.project}</span>
            </h2>
            {plan.status === "loading" || plan.status === "idle" ? <Loading what={`Planning the fix of ${target.name} against what exists now…`} lines={2} /> : null}
            {plan.status === "failed" ? (
              <ErrorPanel title={`Keyless could not plan the fix of ${target.name}`} error={plan.error} onRetry={() => void commands.chooseFixes(fix.targets)} />
            ) : null}
            {plan.status === "loaded" && run.status === "idle" ? <FixPlan plan={plan.value} /> : null}
            {run.status !== "idle" ? <RunSteps progress={run.progress} running={run.status === "running"} label={`Fix of ${target.name}`} /> : null}
            <RunResult target={target} run={run} />
          </section>
        );
      })}
      {fix.undo.status === "confirming" ? (
        <div className="confirm" role="alertdialog" aria-labelledby="undo-title" aria-describedby="undo-text">
          <h2 id="undo-title">Undo the fix of {names}?</h2>
          <p id="undo-text">
            Keyless removes what the fix created (a federated credential, a role assignment, a membership) and nothing else.{" "}
            {fix.targets.length === 1 ? "The connection" : "The connections"} will fail again as before.
          </p>
          <div className="confirm-actions">
            <button type="button" className="button button-danger" autoFocus onClick={() => void commands.undoFixes(wizard)}>
              <Icon name="undo" /> Undo the fix of {names}
            </button>
            <button type="button" className="button button-text" onClick={() => dispatch({ type: "fixUndoDismissed" })}>
              Keep the fix
            </button>
          </div>
        </div>
      ) : null}
      {fix.undo.status === "running" ? <RunSteps progress={fix.undo.progress} running label="Undo steps" /> : null}
      {fix.undo.status === "failed" ? <ErrorPanel title="The undo stopped" error={fix.undo.error} onRetry={() => void commands.undoFixes(wizard)} /> : null}
      {fix.undo.status === "finished" ? (
        <Notice tone="info" title="Undone">
          <p>Keyless removed what the fix created. Findings shows the connection as it is now.</p>
        </Notice>
      ) : null}
      {undoable.length > 0 && !running && fix.undo.status !== "confirming" && fix.undo.status !== "finished" ? (
        <p>
          <button type="button" className="button button-text" onClick={() => dispatch({ type: "fixUndoConfirmRequested" })}>
            <Icon name="undo" /> Undo the fix…
          </button>
        </p>
      ) : null}
    </article>
  );
}
