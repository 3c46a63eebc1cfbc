// One service connection's form: type, owner project, name checked live, Azure scope and role, and which pipelines may use it.
import { useEffect } from "react";

import type { ConnectionTypeInput } from "../ipc/bindings";
import { ErrorPanel } from "../components/ErrorPanel";
import { Field } from "../components/Field";
import { Icon } from "../components/Icon";
import { Notice } from "../components/Notice";
import type { ConnectionDraft, ScopeKind } from "../wizard/model";
import { connectionKey, connectionProblems } from "../wizard/selectors";
import type { StepProps } from "./types";

const TYPES: { value: ConnectionTypeInput; title: string; text: string }[] = [
  { value: "azureRm", title: "Azure Resource Manager", text: "Pipelines deploy to Azure subscriptions and resource groups." },
  { value: "azureDevops", title: "Azure DevOps", text: "Pipelines call Azure DevOps (e.g. another organization's feeds) without a personal access token." },
];

const SCOPES: { value: ScopeKind; title: string }[] = [
  { value: "resourceGroup", title: "Resource group (narrowest)" },
  { value: "subscription", title: "Subscription" },
  { value: "managementGroup", title: "Management group" },
];

export const COMMON_ROLES = [
  { value: "Reader", text: "Reader — read only (least privilege)" },
  { value: "Contributor", text: "Contributor — create and change resources" },
];

const OTHER_ROLE = "__other__";

function NameStatus({ draft, problem }: { draft: ConnectionDraft; problem: string | undefined }) {
  const key = connectionKey(draft);
  if (draft.name.trim() === "" || draft.project === "") return null;
  const check = draft.nameCheck;
  if (check.key === key && check.result.status === "loaded" && !check.result.value.ok) {
    // The problem shows as the field's error; this is what to do about it.
    return check.result.value.help ? <span>{check.result.value.help}</span> : null;
  }
  if (problem) return null;
  if (check.key !== key || check.result.status === "idle" || check.result.status === "loading") {
    return <span className="muted">Checking whether the name is free in {draft.organization} / {draft.project}…</span>;
  }
  if (check.result.status === "failed") {
    return (
      <span className="muted">
        Keyless could not check the name ({check.result.error.message}). You can continue: the plan checks it again.
      </span>
    );
  }
  return (
    <span className="name-ok">
      <Icon name="check" />
      {check.result.value.help ? check.result.value.help : `The name is free in ${draft.organization} / ${draft.project}.`}
    </span>
  );
}

export function ConnectionEditor({ draft, index, ...props }: StepProps & { draft: ConnectionDraft; index: number }) {
  const { wizard, dispatch, commands } = props;
  const change = (patch: Partial<ConnectionDraft>) => dispatch({ type: "connectionChanged", id: draft.id, patch });
  const problems = connectionProblems(wizard, draft);
  const key = connectionKey(draft);
  const needsCheck = draft.name.trim() !== "" && draft.project !== "" && draft.nameCheck.key !== key;

  useEffect(() => {
    if (!needsCheck) return;
    // Check once typing pauses, not on every key.
    const timer = setTimeout(() => void commands.load({ kind: "nameCheck", connectionId: draft.id, key }), 400);
    return () => clearTimeout(timer);
  }, [commands, draft.id, key, needsCheck]);

  const projects = wizard.projects[draft.organization];
  const projectList = projects?.status === "loaded" ? projects.value : [];
  const project = projectList.find((candidate) => candidate.name === draft.project);
  const subscriptions = wizard.subscriptions.status === "loaded" ? wizard.subscriptions.value : [];
  const groups = wizard.resourceGroups[draft.subscription];
  const groupList = groups?.status === "loaded" ? groups.value : [];
  const headingId = `connection-${draft.id}-title`;
  const roleIsCommon = COMMON_ROLES.some((role) => role.value === draft.role);

  return (
    <section className="card connection" aria-labelledby={headingId}>
      <div className="card-header">
        <h2 id={headingId}>
          Connection {index + 1}
          {draft.name.trim() ? `: ${draft.name.trim()}` : ""}
        </h2>
        {wizard.connections.length > 1 ? (
          <button type="button" className="button button-text button-small" onClick={() => dispatch({ type: "connectionRemoved", id: draft.id })}>
            <Icon name="trash" />
            Remove connection {index + 1}
          </button>
        ) : null}
      </div>

      <fieldset className="inline-choices">
        <legend>Type</legend>
        {TYPES.map((type) => (
          <label key={type.value} className="inline-choice">
            <input type="radio" name={`type-${draft.id}`} checked={draft.type === type.value} onChange={() => change({ type: type.value })} />
            <span>
              <span className="choice-title">{type.title}</span>
              <span className="choice-hint">{type.text}</span>
            </span>
          </label>
        ))}
      </fieldset>

      <div className="form-grid">
        <Field label="Organization" problem={problems.organization}>
          {(ids) => (
            <select id={ids.id} aria-describedby={ids.describedBy} className="input" value={draft.organization} onChange={(event) => change({ organization: event.target.value })}>
              <option value="">Choose…</option>
              {wizard.selectedOrganizations.map((organization) => (
                <option key={organization} value={organization}>
                  {organization}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Project" hint="The project that owns the connection." problem={problems.project}>
          {(ids) => (
            <select
              id={ids.id}
              aria-describedby={ids.describedBy}
              className="input"
              value={draft.project}
              disabled={projects?.status !== "loaded"}
              onChange={(event) => change({ project: event.target.value })}
            >
              <option value="">
                {projects?.status === "loaded"
                  ? "Choose…"
                  : projects?.status === "failed"
                    ? "Projects could not be listed"
                    : `Loading the projects of ${draft.organization}…`}
              </option>
              {projectList.map((candidate) => (
                <option key={candidate.id} value={candidate.name}>
                  {candidate.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Connection name" hint="What pipelines put in azureSubscription or connectedServiceName." problem={problems.name} note={<NameStatus draft={draft} problem={problems.name} />}>
          {(ids) => (
            <input
              id={ids.id}
              aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid}
              className="input"
              value={draft.name}
              placeholder="e.g. sc-shop-prod"
              spellCheck={false}
              onChange={(event) => change({ name: event.target.value })}
            />
          )}
        </Field>
        {draft.type === "azureDevops" ? (
          <Field label="Organization the pipelines reach" problem={problems.targetOrganization}>
            {(ids) => (
              <select id={ids.id} aria-describedby={ids.describedBy} className="input" value={draft.targetOrganization} onChange={(event) => change({ targetOrganization: event.target.value })}>
                <option value="">The same organization ({draft.organization || "the owner"})</option>
                {wizard.selectedOrganizations
                  .filter((organization) => organization !== draft.organization)
                  .map((organization) => (
                    <option key={organization} value={organization}>
                      {organization} (same tenant)
                    </option>
                  ))}
              </select>
            )}
          </Field>
        ) : null}
      </div>

      {projects?.status === "failed" ? (
        <ErrorPanel
          title={`Keyless could not list the projects of ${draft.organization}`}
          error={projects.error}
          onRetry={() => dispatch({ type: "loadRetried", load: { kind: "projects", organization: draft.organization } })}
        />
      ) : null}

      {draft.type === "azureRm" ? (
        <div className="subsection">
          {wizard.subscriptions.status === "failed" ? (
            <ErrorPanel
              title="Keyless could not list your subscriptions"
              error={wizard.subscriptions.error}
              onRetry={() => dispatch({ type: "loadRetried", load: { kind: "subscriptions" } })}
              onSignIn={() => dispatch({ type: "stepSelected", step: "signIn" })}
            />
          ) : null}
          {groups?.status === "failed" ? (
            <ErrorPanel
              title="Keyless could not list the resource groups"
              error={groups.error}
              onRetry={() => dispatch({ type: "loadRetried", load: { kind: "resourceGroups", subscription: draft.subscription } })}
            />
          ) : null}
          <fieldset className="inline-choices inline-choices-row">
            <legend>Where the connection may act in Azure</legend>
            {SCOPES.map((scope) => (
              <label key={scope.value} className="inline-choice">
                <input type="radio" name={`scope-${draft.id}`} checked={draft.scopeKind === scope.value} onChange={() => change({ scopeKind: scope.value })} />
                <span className="choice-title">{scope.title}</span>
              </label>
            ))}
          </fieldset>
          <div className="form-grid">
            {draft.scopeKind === "managementGroup" ? (
              <Field label="Management group ID" hint="e.g. mg-contoso-prod" problem={problems.managementGroup}>
                {(ids) => (
                  <input id={ids.id} aria-describedby={ids.describedBy} className="input" value={draft.managementGroup} spellCheck={false} onChange={(event) => change({ managementGroup: event.target.value })} />
                )}
              </Field>
            ) : (
              <>
                <Field label="Subscription" problem={problems.subscription}>
                  {(ids) => (
                    <select
                      id={ids.id}
                      aria-describedby={ids.describedBy}
                      className="input"
                      value={draft.subscription}
                      disabled={wizard.subscriptions.status !== "loaded"}
                      onChange={(event) => change({ subscription: event.target.value })}
                    >
                      <option value="">
                        {wizard.subscriptions.status === "failed"
                          ? "Subscriptions could not be listed"
                          : wizard.subscriptions.status === "loaded"
                            ? subscriptions.length === 0
                              ? "No subscriptions found for this account"
                              : "Choose…"
                            : "Loading subscriptions…"}
                      </option>
                      {subscriptions.map((subscription) => (
                        <option key={subscription.id} value={subscription.id}>
                          {subscription.name}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                {draft.scopeKind === "resourceGroup" ? (
                  <Field label="Resource group" problem={draft.subscription ? problems.resourceGroup : undefined}>
                    {(ids) => (
                      <select
                        id={ids.id}
                        aria-describedby={ids.describedBy}
                        className="input"
                        value={draft.resourceGroup}
                        disabled={groups?.status !== "loaded"}
                        onChange={(event) => change({ resourceGroup: event.target.value })}
                      >
                        <option value="">
                          {draft.subscription === "" ? "Choose a subscription first" : groups?.status === "loaded" ? "Choose…" : "Loading resource groups…"}
                        </option>
                        {groupList.map((group) => (
                          <option key={group.name} value={group.name}>
                            {group.name} ({group.location})
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                ) : null}
              </>
            )}
            <Field label="Azure role" hint="Give the least the pipelines need; you can add more later." problem={problems.role}>
              {(ids) => (
                <select
                  id={ids.id}
                  aria-describedby={ids.describedBy}
                  className="input"
                  value={roleIsCommon ? draft.role : OTHER_ROLE}
                  onChange={(event) => change({ role: event.target.value === OTHER_ROLE ? "" : event.target.value })}
                >
                  {COMMON_ROLES.map((role) => (
                    <option key={role.value} value={role.value}>
                      {role.text}
                    </option>
                  ))}
                  <option value={OTHER_ROLE}>Another role…</option>
                </select>
              )}
            </Field>
            {roleIsCommon ? null : (
              <Field label="Role name or role definition ID" hint="e.g. Website Contributor">
                {(ids) => (
                  <input id={ids.id} aria-describedby={ids.describedBy} className="input" value={draft.role} spellCheck={false} onChange={(event) => change({ role: event.target.value })} />
                )}
              </Field>
            )}
          </div>
        </div>
      ) : null}

      <fieldset className="subsection pipelines">
        <legend>Pipelines that may use it</legend>
        {project === undefined ? (
          <p className="muted">Choose the project first.</p>
        ) : project.pipelines.length === 0 ? (
          <p className="muted">{project.name} has no pipelines yet. Allow them later in Azure DevOps (Pipeline permissions).</p>
        ) : (
          <ul className="check-list">
            {project.pipelines.map((pipeline) => (
              <li key={pipeline.id}>
                <label className="check">
                  <input
                    type="checkbox"
                    disabled={draft.allPipelines}
                    checked={draft.allPipelines || draft.pipelines.includes(pipeline.name)}
                    onChange={(event) =>
                      change({
                        pipelines: event.target.checked
                          ? [...draft.pipelines, pipeline.name]
                          : draft.pipelines.filter((name) => name !== pipeline.name),
                      })
                    }
                  />
                  <span className="mono">{pipeline.name}</span>
                </label>
              </li>
            ))}
          </ul>
        )}
        <label className="check">
          <input type="checkbox" checked={draft.allPipelines} onChange={(event) => change({ allPipelines: event.target.checked })} />
          <span>Allow every pipeline in the project, including ones added later</span>
        </label>
        {draft.allPipelines ? (
          <Notice tone="warning" title="Every pipeline in the project will be able to use this connection.">
            <p>Anyone who can edit or add a pipeline there can then act in Azure as the identity. Prefer naming the pipelines above.</p>
          </Notice>
        ) : draft.pipelines.length === 0 && project && project.pipelines.length > 0 ? (
          <p className="muted">No pipeline selected: none can use the connection until you allow it in Azure DevOps.</p>
        ) : null}
      </fieldset>

      <details className="more-options">
        <summary>More options: description, sharing</summary>
        <div className="form-grid">
          <Field label="Description (optional)">
            {(ids) => <input id={ids.id} className="input" value={draft.description} onChange={(event) => change({ description: event.target.value })} />}
          </Field>
        </div>
        {projectList.length > 1 ? (
          <fieldset className="inline-choices">
            <legend>Share with other projects of {draft.organization}</legend>
            {projectList
              .filter((candidate) => candidate.name !== draft.project)
              .map((candidate) => (
                <label key={candidate.id} className="check">
                  <input
                    type="checkbox"
                    checked={draft.shareWith.includes(candidate.name)}
                    onChange={(event) =>
                      change({
                        shareWith: event.target.checked
                          ? [...draft.shareWith, candidate.name]
                          : draft.shareWith.filter((name) => name !== candidate.name),
                      })
                    }
                  />
                  <span>{candidate.name}</span>
                </label>
              ))}
          </fieldset>
        ) : null}
      </details>
    </section>
  );
}
