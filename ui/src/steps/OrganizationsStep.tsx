// The Organizations step: a searchable multi-select of the Azure DevOps organizations the account reaches.
import type { OrganizationView } from "../ipc/bindings";
import { ErrorPanel } from "../components/ErrorPanel";
import { Icon } from "../components/Icon";
import { Loading } from "../components/Loading";
import { Notice } from "../components/Notice";
import { ShortValue } from "../components/ShortValue";
import { UnreadNotice } from "../components/UnreadNotice";
import { plural } from "../wizard/selectors";
import { StepTitle } from "./StepTitle";
import type { StepProps } from "./types";

/** The warnings a row carries, as sentences; an empty list for an organization ready to use. */
export function organizationWarnings(organization: OrganizationView): string[] {
  const warnings: string[] = [];
  if (!organization.tenantMatchesAccount) {
    warnings.push(
      "Connected to another Entra tenant than the one you signed in to: its identity and credentials must live in that tenant. Sign in to that tenant to set it up.",
    );
  }
  if (organization.isAdministrator === false) {
    warnings.push(
      "You are not a Project Collection Administrator here, so adding the identity to this organization will fail. Ask one of its administrators to run Keyless, or to make you one.",
    );
  }
  if (organization.problem) warnings.push(organization.problem);
  return warnings;
}

function OrganizationRow({ organization, selected, onToggle }: { organization: OrganizationView; selected: boolean; onToggle: () => void }) {
  const warnings = organizationWarnings(organization);
  const warningId = `org-${organization.name}-warnings`;
  return (
    <li className={selected ? "select-row selected" : "select-row"}>
      <label className="select-label">
        <input type="checkbox" checked={selected} onChange={onToggle} aria-describedby={warnings.length > 0 ? warningId : undefined} />
        <span className="select-main">
          <span className="select-title">{organization.name}</span>
          <span className="select-meta">
            {plural(organization.projectCount, "project")} ·{" "}
            {organization.isAdministrator ? "You administer it" : organization.isAdministrator === false ? "Member" : "Role unknown"}
          </span>
        </span>
      </label>
      <span className="select-side">
        <span className="muted">Tenant</span> <ShortValue value={organization.tenantId} label={`tenant ID of ${organization.name}`} />
      </span>
      {warnings.length > 0 ? (
        <ul id={warningId} className="row-warnings">
          {warnings.map((warning) => (
            <li key={warning}>
              <Icon name="warning" />
              <span>
                <span className="visually-hidden">Warning: </span>
                {warning}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function OrganizationsStep({ wizard, dispatch, commands, titleId }: StepProps) {
  const account = wizard.session.account;
  const remote = wizard.organizations;
  const title = (
    <StepTitle
      id={titleId}
      lead="Choose the organizations whose projects get service connections. Keyless adds the identity to each one you select."
    >
      Organizations
    </StepTitle>
  );
  if (remote.status === "idle" || remote.status === "loading") {
    return (
      <article className="step">
        {title}
        <Loading what={`Looking up the Azure DevOps organizations ${account?.userPrincipalName ?? "your account"} can reach, in every tenant it belongs to…`} />
      </article>
    );
  }
  if (remote.status === "failed") {
    return (
      <article className="step">
        {title}
        <ErrorPanel
          title="Keyless could not list your organizations"
          error={remote.error}
          onRetry={() => dispatch({ type: "loadRetried", load: { kind: "organizations" } })}
          onSignIn={() => dispatch({ type: "stepSelected", step: "signIn" })}
        />
      </article>
    );
  }
  const { organizations, failed } = remote.value;
  const query = wizard.organizationQuery.trim().toLowerCase();
  const shown = organizations.filter((organization) => organization.name.toLowerCase().includes(query));
  const selected = wizard.selectedOrganizations;
  return (
    <article className="step">
      {title}
      <UnreadNotice unread={failed} consequence="the others are listed below" />
      {organizations.length === 0 ? (
        <Notice tone="warning" title={`No organizations found for ${account?.userPrincipalName ?? "this account"} in tenant ${account?.tenantId ?? "unknown"}.`}>
          <p>Sign in with an account that belongs to an Azure DevOps organization, or ask an organization's administrator to add you.</p>
          <div className="button-row">
            <button type="button" className="button" onClick={() => void commands.signOut()}>
              Sign in with another account
            </button>
          </div>
        </Notice>
      ) : (
        <section className="select-list" aria-labelledby="organizations-list-title">
          <div className="list-toolbar">
            <h2 id="organizations-list-title" className="visually-hidden">
              Organizations you can reach
            </h2>
            <label className="search">
              <Icon name="search" />
              <span className="visually-hidden">Search organizations</span>
              <input
                type="search"
                className="input"
                placeholder="Search organizations"
                value={wizard.organizationQuery}
                onChange={(event) => dispatch({ type: "organizationQueryChanged", query: event.target.value })}
              />
            </label>
            <p className="muted" aria-live="polite">
              {selected.length === 0 ? "None selected" : `${plural(selected.length, "organization")} selected: ${selected.join(", ")}`}
            </p>
          </div>
          {shown.length === 0 ? (
            <p className="empty">No organization matches “{wizard.organizationQuery}”.</p>
          ) : (
            <ul className="rows" aria-label="Organizations">
              {shown.map((organization) => (
                <OrganizationRow
                  key={organization.name}
                  organization={organization}
                  selected={selected.includes(organization.name)}
                  onToggle={() => dispatch({ type: "organizationToggled", organization: organization.name })}
                />
              ))}
            </ul>
          )}
        </section>
      )}
    </article>
  );
}
