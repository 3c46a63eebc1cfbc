// The Identity step: create an app registration or a managed identity, or pick an existing identity, with advice on which.
import { useEffect } from "react";

import type { IdentityView } from "../ipc/bindings";
import { ErrorPanel } from "../components/ErrorPanel";
import { Field } from "../components/Field";
import { Icon } from "../components/Icon";
import { Loading } from "../components/Loading";
import { Notice } from "../components/Notice";
import { ShortValue } from "../components/ShortValue";
import type { IdentityChoice, Load, Remote } from "../wizard/model";
import { identityProblems } from "../wizard/selectors";
import { FEDERATION_URL } from "./links";
import { StepTitle } from "./StepTitle";
import type { StepProps } from "./types";

const CHOICES: { value: IdentityChoice; title: string; text: string }[] = [
  { value: "appRegistration", title: "Create an app registration", text: "A single-tenant Entra application. The usual choice." },
  { value: "managedIdentity", title: "Create a managed identity", text: "A user-assigned managed identity in an Azure resource group." },
  { value: "existing", title: "Use an existing identity", text: "An app registration or managed identity you already have." },
];

/** The most federated credentials Entra ID allows on one identity. */
export const CREDENTIAL_CAP = 20;

function RemoteSelect<T>({
  label,
  hint,
  remote,
  value,
  what,
  onChange,
  option,
  onRetry,
}: {
  label: string;
  hint?: string;
  remote: Remote<T[]> | undefined;
  value: string;
  what: string;
  onChange: (value: string) => void;
  option: (item: T) => { value: string; label: string; disabled?: boolean };
  onRetry: () => void;
}) {
  if (remote?.status === "failed") return <ErrorPanel title={`Keyless could not list ${what}`} error={remote.error} onRetry={onRetry} />;
  const loading = remote === undefined || remote.status !== "loaded";
  const items = remote?.status === "loaded" ? remote.value.map(option) : [];
  return (
    <Field label={label} hint={hint} note={!loading && items.length === 0 ? `No ${what} found.` : undefined}>
      {(ids) => (
        <select id={ids.id} aria-describedby={ids.describedBy} className="input" value={value} disabled={loading} onChange={(event) => onChange(event.target.value)}>
          <option value="">{loading ? `Loading ${what}…` : `Choose…`}</option>
          {items.map((item) => (
            <option key={item.value} value={item.value} disabled={item.disabled}>
              {item.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function ManagedIdentityFields({ wizard, dispatch }: StepProps) {
  const identity = wizard.identity;
  const retry = (load: Load) => dispatch({ type: "loadRetried", load });
  return (
    <div className="form-grid">
      <RemoteSelect
        label="Subscription"
        remote={wizard.subscriptions}
        value={identity.subscription}
        what="subscriptions"
        onChange={(subscription) => dispatch({ type: "identityChanged", patch: { subscription } })}
        option={(subscription) => ({ value: subscription.id, label: subscription.name })}
        onRetry={() => retry({ kind: "subscriptions" })}
      />
      {identity.subscription ? (
        <>
          <RemoteSelect
            label="Resource group"
            remote={wizard.resourceGroups[identity.subscription]}
            value={identity.resourceGroup}
            what="resource groups"
            onChange={(resourceGroup) => dispatch({ type: "identityChanged", patch: { resourceGroup } })}
            option={(group) => ({ value: group.name, label: `${group.name} (${group.location})` })}
            onRetry={() => retry({ kind: "resourceGroups", subscription: identity.subscription })}
          />
          <RemoteSelect
            label="Region"
            hint="Some regions do not support federated credentials on managed identities; they cannot be chosen."
            remote={wizard.locations[identity.subscription]}
            value={identity.location}
            what="regions"
            onChange={(location) => dispatch({ type: "identityChanged", patch: { location } })}
            option={(location) => ({
              value: location.name,
              label: location.supportsFederatedCredentials
                ? location.displayName
                : `${location.displayName} — no federated credentials on managed identities here`,
              disabled: !location.supportsFederatedCredentials,
            })}
            onRetry={() => retry({ kind: "locations", subscription: identity.subscription })}
          />
        </>
      ) : null}
    </div>
  );
}

function identityRefusal(identity: IdentityView): string | null {
  if (identity.multitenant) {
    return "Multitenant app: Entra ID refuses workload identity sign-ins to it with the Entra issuer (AADSTS70052).";
  }
  if (identity.federatedCredentialCount >= CREDENTIAL_CAP) return `Already has ${CREDENTIAL_CAP} federated credentials, the most Entra ID allows.`;
  return null;
}

function ExistingIdentityPicker({ wizard, dispatch, commands }: StepProps) {
  const query = wizard.identity.searchQuery;
  useEffect(() => {
    if (query.trim() === "") return;
    // Wait for a pause in typing instead of searching on every key.
    const timer = setTimeout(() => void commands.load({ kind: "identities", query: query.trim() }), 300);
    return () => clearTimeout(timer);
  }, [commands, query]);
  const search = wizard.identitySearch;
  const selected = wizard.identity.existing;
  return (
    <div className="existing-picker">
      <Field label="Search by name" hint="Type the start of an app registration's display name or a managed identity's name.">
        {(ids) => (
          <input
            id={ids.id}
            aria-describedby={ids.describedBy}
            type="search"
            className="input"
            value={query}
            spellCheck={false}
            onChange={(event) => dispatch({ type: "identityChanged", patch: { searchQuery: event.target.value } })}
          />
        )}
      </Field>
      {query.trim() === "" ? null : search.result.status === "failed" ? (
        <ErrorPanel
          title="Keyless could not search for identities"
          error={search.result.error}
          onRetry={() => void commands.load({ kind: "identities", query: query.trim() })}
        />
      ) : search.result.status !== "loaded" || search.query !== query.trim() ? (
        <Loading what={`Searching Entra ID and your subscriptions for identities named “${query.trim()}…”`} lines={2} />
      ) : search.result.value.length === 0 ? (
        <p className="empty">No app registration or managed identity starts with “{query.trim()}”.</p>
      ) : (
        <fieldset className="rows-fieldset">
          <legend className="visually-hidden">Matching identities</legend>
          <ul className="rows">
            {search.result.value.map((identity) => {
              const refusal = identityRefusal(identity);
              return (
                <li key={identity.clientId} className={selected?.clientId === identity.clientId ? "select-row selected" : "select-row"}>
                  <label className="select-label">
                    <input
                      type="radio"
                      name="existing-identity"
                      checked={selected?.clientId === identity.clientId}
                      disabled={refusal !== null}
                      onChange={() => dispatch({ type: "identityChanged", patch: { existing: identity } })}
                    />
                    <span className="select-main">
                      <span className="select-title">{identity.displayName}</span>
                      <span className="select-meta">
                        {identity.kind === "appRegistration" ? "App registration" : "Managed identity"} ·{" "}
                        {identity.federatedCredentialCount} of {CREDENTIAL_CAP} federated credentials used
                      </span>
                    </span>
                  </label>
                  <span className="select-side">
                    <span className="muted">Client ID</span> <ShortValue value={identity.clientId} label={`client ID of ${identity.displayName}`} />
                  </span>
                  {refusal ? (
                    <p className="row-warnings">
                      <Icon name="cross" />
                      <span>Cannot be used. {refusal}</span>
                    </p>
                  ) : !identity.canWrite ? (
                    <p className="row-note">
                      <Icon name="handOff" />
                      <span>
                        You cannot add credentials to it. Keyless will create the connections as drafts and give you a hand-off
                        pack for its owner.
                      </span>
                    </p>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </fieldset>
      )}
    </div>
  );
}

export function IdentityStep(props: StepProps) {
  const { wizard, dispatch, titleId } = props;
  const identity = wizard.identity;
  const problems = identityProblems(wizard);
  const tenant = wizard.session.account?.tenantId ?? "your tenant";
  return (
    <article className="step">
      <StepTitle
        id={titleId}
        lead="The identity is who your pipelines sign in to Azure as. It gets one federated credential per service connection, so there is no secret to leak or renew."
      >
        Identity
      </StepTitle>
      <div className="two-columns">
        <div className="stack">
          <fieldset className="choice-group">
            <legend>Which identity should the connections use?</legend>
            <div className="choice-column">
              {CHOICES.map((choice) => (
                <label key={choice.value} className="choice-card">
                  <input
                    type="radio"
                    name="identity-choice"
                    value={choice.value}
                    checked={identity.choice === choice.value}
                    onChange={() => dispatch({ type: "identityChanged", patch: { choice: choice.value } })}
                  />
                  <span className="choice-text">
                    <span className="choice-title">{choice.title}</span>
                    <span className="choice-hint">{choice.text}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          {identity.choice === "appRegistration" ? (
            <Field
              label="App registration name"
              hint={`Keyless will create a single-tenant app registration with this name in tenant ${tenant}, or reuse it if it exists.`}
              problem={problems.name}
            >
              {(ids) => (
                <input
                  id={ids.id}
                  aria-describedby={ids.describedBy}
                  aria-invalid={ids.invalid}
                  className="input"
                  value={identity.appName}
                  spellCheck={false}
                  onChange={(event) => dispatch({ type: "identityChanged", patch: { appName: event.target.value } })}
                />
              )}
            </Field>
          ) : identity.choice === "managedIdentity" ? (
            <>
              <Field label="Managed identity name" problem={problems.name}>
                {(ids) => (
                  <input
                    id={ids.id}
                    aria-describedby={ids.describedBy}
                    aria-invalid={ids.invalid}
                    className="input"
                    value={identity.managedName}
                    spellCheck={false}
                    onChange={(event) => dispatch({ type: "identityChanged", patch: { managedName: event.target.value } })}
                  />
                )}
              </Field>
              <ManagedIdentityFields {...props} />
            </>
          ) : (
            <ExistingIdentityPicker {...props} />
          )}
          {identity.choice !== "existing" ? (
            <label className="check">
              <input
                type="checkbox"
                checked={identity.whenFull === "newIdentity"}
                onChange={(event) => dispatch({ type: "identityChanged", patch: { whenFull: event.target.checked ? "newIdentity" : "stop" } })}
              />
              <span>
                If it would need more than {CREDENTIAL_CAP} federated credentials, create a second identity
                <span className="check-hint">Otherwise Keyless stops the plan and says how many connections fit.</span>
              </span>
            </label>
          ) : null}
        </div>
        <aside className="advice" aria-labelledby="advice-title">
          <h2 id="advice-title">Which one should I choose?</h2>
          <ul className="facts">
            <li>
              <Icon name="check" className="fact-yes" />
              <span>
                <strong>App registration</strong> in most cases. Your tenant must let you create applications.
              </span>
            </li>
            <li>
              <Icon name="info" />
              <span>
                <strong>Managed identity</strong> when your tenant blocks app creation, or for pipeline jobs that run longer than
                an hour: its tokens last about 24 hours, an app registration's about 1 hour (AADSTS700024).
              </span>
            </li>
            <li>
              <Icon name="info" />
              <span>
                <strong>Existing</strong> when your identity team already gave you one. Multitenant apps cannot be used: Entra ID
                refuses their federated sign-ins (AADSTS70052).
              </span>
            </li>
          </ul>
          <p className="muted">
            A <strong>federated credential</strong> is a trust rule on the identity: “accept tokens that Azure DevOps issues for
            this service connection”. At most {CREDENTIAL_CAP} fit on one identity.{" "}
            <a href={FEDERATION_URL} className="external-link">
              Learn more
              <Icon name="external" />
            </a>
          </p>
        </aside>
      </div>
      {identity.choice === "existing" && identity.existing && !identity.existing.canWrite ? (
        <Notice tone="info" title={`The owner of ${identity.existing.displayName} will add the credentials`}>
          <p>After the run you get a hand-off pack per connection, with the exact issuer, subject and a ready command.</p>
        </Notice>
      ) : null}
    </article>
  );
}
