// The Inventory screen of the Migrate path: the estate at a glance, filters and search, the table, and the connections chosen for the plan.
import { ErrorPanel } from "../components/ErrorPanel";
import { Icon } from "../components/Icon";
import { Loading } from "../components/Loading";
import { Notice } from "../components/Notice";
import { UnreadNotice } from "../components/UnreadNotice";
import type { InventoriedConnectionView } from "../ipc/bindings";
import { LEARN_MORE_URL } from "../steps/links";
import { StepTitle } from "../steps/StepTitle";
import type { StepProps } from "../steps/types";
import type { Dispatch } from "../wizard/commands";
import { ExpiryChart, IssuerDeadline } from "./EstateChart";
import { formatDay, InventoryTable } from "./InventoryTable";
import type { MigrateState } from "./model";
import {
  CLASS_INFO,
  CLASS_ORDER,
  classCounts,
  endpointTypesOf,
  filtersActive,
  hiddenSelectedCount,
  legacyIssuerCount,
  organizationsOf,
  plural,
  selectedConnections,
  typeLabel,
  visibleConnections,
} from "./selectors";

function EstateSummary({
  connections,
  migrate,
  dispatch,
  retirement,
  now,
}: {
  connections: InventoriedConnectionView[];
  migrate: MigrateState;
  dispatch: Dispatch;
  retirement: string;
  now: Date;
}) {
  const counts = classCounts(connections);
  const legacy = legacyIssuerCount(connections);
  const organizations = organizationsOf(connections);
  return (
    <section className="estate" aria-labelledby="estate-title">
      <h2 id="estate-title">Your estate at a glance</h2>
      <p>
        {plural(connections.length, "service connection")} in {plural(organizations.length, "organization")}. Choose a class to show
        only its connections.
      </p>
      <ul className="class-chips" aria-label="Connections per class">
        {CLASS_ORDER.map((connectionClass) => {
          const info = CLASS_INFO[connectionClass];
          const pressed = migrate.filters.classes.includes(connectionClass);
          return (
            <li key={connectionClass}>
              <button
                type="button"
                className={`class-chip class-${info.tone}`}
                aria-pressed={pressed}
                disabled={counts[connectionClass] === 0 && !pressed}
                title={info.meaning}
                onClick={() => dispatch({ type: "inventoryClassToggled", connectionClass })}
              >
                <Icon name={info.icon} />
                <span className="class-chip-count">{counts[connectionClass]}</span>
                <span>{info.title}</span>
              </button>
            </li>
          );
        })}
      </ul>
      <div className="estate-deadlines">
        <ExpiryChart connections={connections} now={now} />
        <IssuerDeadline connections={connections} retirement={retirement} now={now} />
      </div>
      {legacy > 0 ? (
        <Notice tone="warning" title={`${plural(legacy, "connection")} still ${legacy === 1 ? "uses" : "use"} the Azure DevOps issuer, retiring ${formatDay(retirement)}.`}>
          <p>
            The <strong>issuer</strong> is the service that vouches for a pipeline's token. Entra ID stops accepting tokens from
            the Azure DevOps issuer (vstoken.dev.azure.com) on that day; these connections must move to the Entra issuer before
            then, with a matching federated credential.{" "}
            <a href={LEARN_MORE_URL} className="external-link">
              Learn more on Microsoft Learn
              <Icon name="external" />
            </a>
          </p>
        </Notice>
      ) : null}
    </section>
  );
}

function Toolbar({ connections, migrate, dispatch }: { connections: InventoriedConnectionView[]; migrate: MigrateState; dispatch: Dispatch }) {
  const filters = migrate.filters;
  return (
    <div className="list-toolbar inventory-toolbar">
      <label className="search">
        <Icon name="search" />
        <span className="visually-hidden">Search connections</span>
        <input
          type="search"
          className="input"
          placeholder="Search names, projects, identities, ids"
          value={filters.query}
          onChange={(event) => dispatch({ type: "inventoryQueryChanged", query: event.target.value })}
        />
      </label>
      <label className="filter">
        <span>Organization</span>
        <select
          className="input"
          value={filters.organization ?? ""}
          onChange={(event) => dispatch({ type: "inventoryOrganizationFiltered", organization: event.target.value || null })}
        >
          <option value="">All organizations</option>
          {organizationsOf(connections).map((organization) => (
            <option key={organization} value={organization}>
              {organization}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        <span>Type</span>
        <select
          className="input"
          value={filters.endpointType ?? ""}
          onChange={(event) => dispatch({ type: "inventoryTypeFiltered", endpointType: event.target.value || null })}
        >
          <option value="">All types</option>
          {endpointTypesOf(connections).map((endpointType) => (
            <option key={endpointType} value={endpointType}>
              {typeLabel(endpointType)}
            </option>
          ))}
        </select>
      </label>
      {filtersActive(filters) ? (
        <button type="button" className="button button-text" onClick={() => dispatch({ type: "inventoryFiltersCleared" })}>
          Clear filters
        </button>
      ) : null}
    </div>
  );
}

function SelectionSummary({ migrate, dispatch }: { migrate: MigrateState; dispatch: Dispatch }) {
  const chosen = selectedConnections(migrate);
  const hidden = hiddenSelectedCount(migrate);
  const counts = classCounts(chosen);
  const parts = CLASS_ORDER.filter((connectionClass) => counts[connectionClass] > 0).map(
    (connectionClass) => `${counts[connectionClass]} ${CLASS_INFO[connectionClass].title.toLowerCase()}`,
  );
  return (
    <section className="selection-summary" aria-labelledby="selection-title">
      <h2 id="selection-title">Chosen for the migration plan</h2>
      <p aria-live="polite">
        {chosen.length === 0
          ? "None yet. Tick the connections to migrate; connections that cannot be migrated say why."
          : `${plural(chosen.length, "connection")}: ${parts.join(", ")}.${hidden > 0 ? ` ${hidden} of them ${hidden === 1 ? "is" : "are"} hidden by the filters.` : ""}`}
      </p>
      {chosen.length > 0 ? (
        <button type="button" className="button button-text" onClick={() => dispatch({ type: "inventorySelectionCleared" })}>
          Clear the choice
        </button>
      ) : null}
    </section>
  );
}

export function InventoryScreen({ wizard, dispatch, titleId }: StepProps) {
  const migrate = wizard.migrate;
  const remote = migrate.inventory;
  const account = wizard.session.account;
  const title = (
    <StepTitle
      id={titleId}
      lead="Every service connection in the organizations you reach, and what moving each one to workload identity federation takes. Keyless only reads here: nothing changes."
    >
      Inventory
    </StepTitle>
  );
  if (remote.status === "idle" || remote.status === "loading") {
    return (
      <article className="step">
        {title}
        <Loading
          what={`Reading the service connections of every organization ${account?.userPrincipalName ?? "your account"} can reach, with their identities, credentials and last use…`}
        />
      </article>
    );
  }
  if (remote.status === "failed") {
    return (
      <article className="step">
        {title}
        <ErrorPanel
          title="Keyless could not take the inventory"
          error={remote.error}
          onRetry={() => dispatch({ type: "loadRetried", load: { kind: "inventory" } })}
          onSignIn={() => dispatch({ type: "stepSelected", step: "signIn" })}
        />
      </article>
    );
  }
  const { connections, unread, azureDevopsIssuerRetirement } = remote.value;
  const shown = visibleConnections(migrate);
  const now = new Date();
  return (
    <article className="step inventory">
      {title}
      <UnreadNotice unread={unread} consequence="their connections are missing below" />
      {connections.length === 0 ? (
        <Notice tone="info" title={`No service connections found for ${account?.userPrincipalName ?? "this account"}.`}>
          <p>
            The organizations you reach have no service connections, or your account cannot see them. Sign in with an account that
            is a member of the projects, or set up new connections instead.
          </p>
        </Notice>
      ) : (
        <>
          <EstateSummary connections={connections} migrate={migrate} dispatch={dispatch} retirement={azureDevopsIssuerRetirement} now={now} />
          <section className="inventory-list" aria-labelledby="inventory-list-title">
            <h2 id="inventory-list-title">Service connections</h2>
            <Toolbar connections={connections} migrate={migrate} dispatch={dispatch} />
            <p className="muted" aria-live="polite">
              Showing {shown.length} of {plural(connections.length, "connection")}.
            </p>
            {shown.length === 0 ? (
              <p className="empty">
                No connection matches these filters.{" "}
                <button type="button" className="button button-text" onClick={() => dispatch({ type: "inventoryFiltersCleared" })}>
                  Clear filters
                </button>
              </p>
            ) : (
              <InventoryTable connections={shown} migrate={migrate} dispatch={dispatch} now={now} retirement={azureDevopsIssuerRetirement} />
            )}
          </section>
          <SelectionSummary migrate={migrate} dispatch={dispatch} />
        </>
      )}
    </article>
  );
}
