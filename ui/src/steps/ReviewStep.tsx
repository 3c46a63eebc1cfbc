// The Review step: the plan read like a good terraform plan — counts, steps grouped by where they act, the permission each needs.
import type { PlanView, StepActionView, StepView } from "../ipc/bindings";
import { CopyButton } from "../components/CopyButton";
import { ErrorPanel } from "../components/ErrorPanel";
import { Icon } from "../components/Icon";
import { Loading } from "../components/Loading";
import { Notice } from "../components/Notice";
import { CREDENTIAL_CAP } from "./IdentityStep";
import { StepTitle } from "./StepTitle";
import type { StepProps } from "./types";

export const ACTIONS: Record<StepActionView, { symbol: string; word: string; counted: string }> = {
  create: { symbol: "+", word: "create", counted: "to create" },
  update: { symbol: "~", word: "update", counted: "to update" },
  reuse: { symbol: "=", word: "reuse", counted: "to reuse" },
  verify: { symbol: "?", word: "verify", counted: "to verify" },
};

export function ActionBadge({ action }: { action: StepActionView }) {
  const { symbol, word } = ACTIONS[action];
  return (
    <span className={`action action-${action}`}>
      <span aria-hidden="true" className="action-symbol">
        {symbol}
      </span>
      {word}
    </span>
  );
}

/** Steps by `group`, groups in the order their first step appears (the plan's dependency order). */
export function groupSteps(steps: StepView[]): { group: string; steps: StepView[] }[] {
  const groups = new Map<string, StepView[]>();
  for (const step of steps) groups.set(step.group, [...(groups.get(step.group) ?? []), step]);
  return [...groups].map(([group, grouped]) => ({ group, steps: grouped }));
}

function PlanCounts({ plan }: { plan: PlanView }) {
  return (
    <ul className="plan-counts" aria-label="Plan summary">
      {(Object.keys(ACTIONS) as StepActionView[]).map((action) => (
        <li key={action} className={plan.counts[action] === 0 ? "plan-count zero" : "plan-count"}>
          <span className={`action-symbol action-${action}`} aria-hidden="true">
            {ACTIONS[action].symbol}
          </span>
          <span className="plan-count-number">{plan.counts[action]}</span>
          <span>{ACTIONS[action].counted}</span>
        </li>
      ))}
    </ul>
  );
}

function PlanBody({ plan }: { plan: PlanView }) {
  return (
    <>
      <PlanCounts plan={plan} />
      <ul className="identity-summary">
        {plan.identities.map((identity) => (
          <li key={identity.displayName}>
            <strong>{identity.displayName}</strong> ({identity.kind === "appRegistration" ? "app registration" : "managed identity"}):
            federated credentials {identity.ficsBefore} → {identity.ficsAfter} of {CREDENTIAL_CAP}
            {identity.handOff ? (
              <span className="tag tag-warning">
                <Icon name="handOff" />
                Its owner adds the credentials
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {plan.warnings.map((warning) => (
        <Notice key={warning} tone="warning" title={warning} />
      ))}
      {groupSteps(plan.steps).map(({ group, steps }) => (
        <section key={group} className="plan-group" aria-label={group}>
          <h2>{group}</h2>
          <ol className="plan-steps">
            {steps.map((step) => (
              <li key={step.id} className="plan-step">
                <ActionBadge action={step.action} />
                <span className="plan-step-text">
                  <span>{step.title}</span>
                  <span className="plan-needs">Needs: {step.needs}</span>
                </span>
              </li>
            ))}
          </ol>
        </section>
      ))}
      <div className="button-row">
        <CopyButton value={plan.text} label="the plan as text" showText text="Copy the plan as text" size="regular" />
        <span className="muted">Legend: + create, ~ update, = reuse (already right), ? verify (check only).</span>
      </div>
    </>
  );
}

export function ReviewStep({ wizard, dispatch, titleId }: StepProps) {
  const plan = wizard.plan;
  const result = plan?.result;
  return (
    <article className="step">
      <StepTitle id={titleId} lead="Nothing has changed yet. This is everything Keyless will do when you apply, in order, with the permission each step needs.">
        Review the plan
      </StepTitle>
      {result === undefined || result.status === "idle" || result.status === "loading" ? (
        <Loading what="Reading what already exists in Entra ID, Azure and Azure DevOps to work out the plan…" lines={5} />
      ) : result.status === "failed" ? (
        <ErrorPanel
          title={result.error.code === "invalidInput" ? "Keyless will not apply this setup" : "Keyless could not work out the plan"}
          error={result.error}
          onRetry={() => plan && dispatch({ type: "loadRetried", load: { kind: "plan", setupKey: plan.setupKey, setup: JSON.parse(plan.setupKey) } })}
          onSignIn={() => dispatch({ type: "stepSelected", step: "signIn" })}
        />
      ) : (
        <PlanBody plan={result.value} />
      )}
    </article>
  );
}
