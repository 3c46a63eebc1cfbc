// The Diagnose screen: choose what to diagnose against live state (the whole estate, an organization, a project or one
// connection), or paste a pipeline log to have each failure it mentions explained.
import "./diagnose.css";

import { Icon } from "../components/Icon";
import { StepTitle } from "../steps/StepTitle";
import type { StepProps } from "../steps/types";
import type { DiagnoseMode, ScopeKind } from "./model";

const MODES: { value: DiagnoseMode; title: string; text: string }[] = [
  {
    value: "scope",
    title: "Check connections",
    text: "Keyless reads each connection, its identity, federated credentials, role and memberships, and says what is broken.",
  },
  {
    value: "paste",
    title: "Paste a pipeline log",
    text: "Paste the failing step's log or error message; Keyless explains each failure it mentions.",
  },
];

const SCOPES: { value: ScopeKind; title: string }[] = [
  { value: "everything", title: "Every organization you reach" },
  { value: "organization", title: "One organization" },
  { value: "project", title: "One project" },
  { value: "connection", title: "One service connection" },
];

export function ScopeScreen({ wizard, dispatch, titleId }: StepProps) {
  const state = wizard.diagnose;
  const scope = state.scope;
  const organizations = wizard.organizations.status === "loaded" ? wizard.organizations.value.organizations.map((org) => org.name) : [];
  const needs = (kinds: ScopeKind[]) => kinds.includes(scope.kind);
  return (
    <article className="step diagnose">
      <StepTitle
        id={titleId}
        lead="Find out why a service connection fails: Keyless compares what Azure DevOps presents with what Entra ID, Azure and the organization hold, and changes nothing until you choose a fix."
      >
        Diagnose a broken connection
      </StepTitle>
      <fieldset className="choice-group">
        <legend>How do you want to start?</legend>
        <div className="choice-row">
          {MODES.map((mode) => (
            <label key={mode.value} className="choice-card">
              <input
                type="radio"
                name="diagnose-mode"
                value={mode.value}
                checked={state.mode === mode.value}
                onChange={() => dispatch({ type: "diagnoseModeChosen", mode: mode.value })}
              />
              <span className="choice-text">
                <span className="choice-title">{mode.title}</span>
                <span className="choice-hint">{mode.text}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      {state.mode === "scope" ? (
        <fieldset className="diagnose-scope">
          <legend>What should Keyless check?</legend>
          {wizard.session.account === null ? (
            <p className="notice-inline">
              <Icon name="lock" /> Sign in first: checking connections reads them from Azure.
            </p>
          ) : null}
          <div className="scope-kinds" role="radiogroup" aria-label="Scope">
            {SCOPES.map((kind) => (
              <label key={kind.value} className="scope-kind">
                <input
                  type="radio"
                  name="diagnose-scope"
                  value={kind.value}
                  checked={scope.kind === kind.value}
                  onChange={() => dispatch({ type: "diagnoseScopeChanged", patch: { kind: kind.value } })}
                />
                {kind.title}
              </label>
            ))}
          </div>
          {needs(["organization", "project", "connection"]) ? (
            <label className="field">
              <span className="field-label">Organization</span>
              <input
                type="text"
                list="diagnose-organizations"
                value={scope.organization}
                placeholder="contoso"
                onChange={(event) => dispatch({ type: "diagnoseScopeChanged", patch: { organization: event.target.value } })}
              />
              <datalist id="diagnose-organizations">
                {organizations.map((name) => (
                  <option key={name} value={name} />
                ))}
              </datalist>
            </label>
          ) : null}
          {needs(["project", "connection"]) ? (
            <label className="field">
              <span className="field-label">Project</span>
              <input
                type="text"
                value={scope.project}
                placeholder="Shop"
                onChange={(event) => dispatch({ type: "diagnoseScopeChanged", patch: { project: event.target.value } })}
              />
            </label>
          ) : null}
          {needs(["connection"]) ? (
            <label className="field">
              <span className="field-label">Service connection name or id</span>
              <input
                type="text"
                value={scope.connection}
                placeholder="sc-prod"
                onChange={(event) => dispatch({ type: "diagnoseScopeChanged", patch: { connection: event.target.value } })}
              />
            </label>
          ) : null}
        </fieldset>
      ) : (
        <label className="field diagnose-paste">
          <span className="field-label">Pipeline log or error message</span>
          <span className="field-hint" id="paste-hint">
            Paste it as it is; Keyless reads the text on this computer and keeps nothing. When you are signed in it also checks
            the connections the log names.
          </span>
          <textarea
            rows={10}
            spellCheck={false}
            aria-describedby="paste-hint"
            value={state.pasted}
            onChange={(event) => dispatch({ type: "pastedLogChanged", text: event.target.value })}
          />
        </label>
      )}
    </article>
  );
}
