// The inventory table: sortable columns, a checkbox per connection that can be migrated, and details that open under each row.
import { useEffect, useRef } from "react";

import { Icon } from "../components/Icon";
import { ShortValue, shortenMiddle } from "../components/ShortValue";
import type { CredentialMatchView, InventoriedConnectionView } from "../ipc/bindings";
import type { Dispatch } from "../wizard/commands";
import type { MigrateState, SortColumn } from "./model";
import {
  CLASS_INFO,
  connectionKey,
  expiryWords,
  isSelectable,
  lastUsedWords,
  plural,
  schemeLabel,
  sentence,
  sharedWith,
  soonestExpiry,
  typeLabel,
  visibleSelection,
  whyNotSelectable,
} from "./selectors";

const COLUMNS: { column: SortColumn; label: string }[] = [
  { column: "name", label: "Connection" },
  { column: "organization", label: "Organization / project" },
  { column: "type", label: "Type" },
  { column: "identity", label: "Identity" },
  { column: "class", label: "Class" },
  { column: "lastUsed", label: "Last used" },
];

/** Secrets and certificates that expire within this many days are called out in the row. */
const EXPIRY_WARNING_DAYS = 30;

const MATCH_WORDS: Record<CredentialMatchView, string> = {
  exact: "Its federated credential matches the connection.",
  missing: "No federated credential of its identity matches the connection's issuer.",
  subjectDiffersInCase: "A federated credential matches except for letter case in the subject, which Entra ID refuses.",
  subjectDiffers: "A federated credential has the issuer but another subject.",
  audienceDiffers: "A federated credential matches but its audience is not api://AzureADTokenExchange.",
};

export function formatDay(iso: string): string {
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

function SortHeader({ column, label, migrate, dispatch }: { column: SortColumn; label: string; migrate: MigrateState; dispatch: Dispatch }) {
  const active = migrate.sort.column === column;
  const direction = migrate.sort.direction;
  return (
    <th scope="col" aria-sort={active ? direction : undefined}>
      <button type="button" className="sort-button" onClick={() => dispatch({ type: "inventorySorted", column })}>
        {label}
        <span className={active ? `sort-mark sort-${direction}` : "sort-mark"} aria-hidden="true">
          {active ? (direction === "ascending" ? "▲" : "▼") : "↕"}
        </span>
        {active ? null : <span className="visually-hidden">, sort by this column</span>}
      </button>
    </th>
  );
}

function SelectAllVisible({ migrate, dispatch, selectableCount }: { migrate: MigrateState; dispatch: Dispatch; selectableCount: number }) {
  const box = useRef<HTMLInputElement>(null);
  const state = visibleSelection(migrate);
  useEffect(() => {
    if (box.current) box.current.indeterminate = state === "some";
  }, [state]);
  return (
    <input
      ref={box}
      type="checkbox"
      checked={state === "all" && selectableCount > 0}
      disabled={selectableCount === 0}
      aria-label={`Choose all ${plural(selectableCount, "shown connection")} that can be migrated`}
      onChange={() => dispatch({ type: "inventoryVisibleSelected" })}
    />
  );
}

function identityKindWords(connection: InventoriedConnectionView): string {
  const identity = connection.identity;
  if (!identity) return connection.identityUnread ? "Could not be read" : "No Entra identity";
  if (identity.orphan === "identityGone") return "No longer exists";
  if (identity.orphan === "noServicePrincipal") return "No service principal";
  if (identity.kind === "managedIdentity") return "Managed identity";
  if (identity.kind === "appRegistration") return "App registration";
  return "Unknown kind";
}

/** Names Azure DevOps gives the apps it creates end in a subscription id; the cell keeps both ends readable. */
function IdentityName({ connection }: { connection: InventoriedConnectionView }) {
  const name = connection.identity?.displayName ?? (connection.identity ? "Unnamed" : "None");
  const short = shortenMiddle(name, 10);
  return short === name ? <span>{name}</span> : <span title={name}>{short}</span>;
}

function ExpiryNote({ connection, now }: { connection: InventoriedConnectionView; now: Date }) {
  const expiry = soonestExpiry(connection);
  if (expiry === null) return null;
  const soon = Date.parse(expiry) - now.getTime() < EXPIRY_WARNING_DAYS * 24 * 60 * 60 * 1000;
  if (!soon) return null;
  const what = connection.identity?.secretExpiries.includes(expiry) ? "Secret" : "Certificate";
  return (
    <span className="tag tag-warning">
      <Icon name="clock" />
      {what} {expiryWords(expiry, now)}
    </span>
  );
}

function Details({ connection, now, retirement }: { connection: InventoriedConnectionView; now: Date; retirement: string }) {
  const identity = connection.identity;
  const info = CLASS_INFO[connection.class];
  const others = sharedWith(connection);
  const pipelines = connection.allPipelines
    ? "Every pipeline of the project may use it."
    : connection.authorizedPipelines.length === 0
      ? "No pipeline is allowed to use it yet."
      : `Pipelines with id ${connection.authorizedPipelines.join(", ")}.`;
  return (
    <dl className="details inventory-details">
      <dt>Migration</dt>
      <dd>
        {info.meaning}
        {connection.reason ? ` ${sentence(connection.reason)}` : ""}
      </dd>
      <dt>Identity</dt>
      <dd>
        {identity ? (
          <>
            {identity.displayName ?? "Unnamed"} ({identityKindWords(connection).toLowerCase()}), client ID{" "}
            <ShortValue value={identity.clientId} label={`client ID of ${connection.name}'s identity`} />
            {identity.tenantId ? (
              <>
                {" "}
                in tenant <ShortValue value={identity.tenantId} label={`tenant ID of ${connection.name}'s identity`} />
              </>
            ) : null}
            <br />
            {identity.multitenant ? "Multitenant app. " : ""}
            {identity.credentialCount !== null ? `${identity.credentialCount} of 20 federated credentials. ` : ""}
            {identity.canWriteCredentials === true ? "You can add federated credentials to it." : ""}
            {identity.canWriteCredentials === false ? "Only its owners can add federated credentials to it." : ""}
          </>
        ) : (
          (connection.identityUnread ?? "None: it signs in with a token, not as an Entra identity.")
        )}
      </dd>
      {connection.issuer ? (
        <>
          <dt>Issuer</dt>
          <dd>
            <ShortValue value={connection.issuer} label={`issuer of ${connection.name}`} keep={28} />{" "}
            {connection.issuerKind === "azureDevOps"
              ? `Azure DevOps issuer, retiring ${formatDay(retirement)}.`
              : connection.issuerKind === "entra"
                ? "Entra issuer."
                : ""}
          </dd>
        </>
      ) : null}
      {connection.subject ? (
        <>
          <dt>Subject</dt>
          <dd>
            <ShortValue value={connection.subject} label={`subject of ${connection.name}`} keep={24} />
          </dd>
        </>
      ) : null}
      {connection.credentialMatch ? (
        <>
          <dt>Credential</dt>
          <dd>{MATCH_WORDS[connection.credentialMatch]}</dd>
        </>
      ) : null}
      {identity && identity.secretExpiries.length + identity.certificateExpiries.length > 0 ? (
        <>
          <dt>Expiries</dt>
          <dd>
            <ul className="plain-list">
              {identity.secretExpiries.map((expiry) => (
                <li key={`secret-${expiry}`}>
                  Client secret {expiryWords(expiry, now)} ({formatDay(expiry)})
                </li>
              ))}
              {identity.certificateExpiries.map((expiry) => (
                <li key={`certificate-${expiry}`}>
                  Certificate {expiryWords(expiry, now)} ({formatDay(expiry)})
                </li>
              ))}
            </ul>
          </dd>
        </>
      ) : null}
      <dt>Last used</dt>
      <dd>{connection.lastUsed ? `${lastUsedWords(connection.lastUsed, now)} (${formatDay(connection.lastUsed)})` : "No pipeline used it, or Azure DevOps does not say."}</dd>
      <dt>Pipelines</dt>
      <dd>{pipelines}</dd>
      <dt>Projects</dt>
      <dd>
        Owned by {connection.owningProject}
        {others.length > 0 ? `, shared with ${others.join(", ")}` : ""}.
      </dd>
      <dt>Sign-in</dt>
      <dd>
        {schemeLabel(connection.scheme)}
        {connection.creationMode ? `, created ${connection.creationMode === "Automatic" ? "by Azure DevOps (automatic)" : "by hand (manual)"}` : ""}
        {connection.isDraft ? ", left as an unfinished draft" : ""}.
      </dd>
      {connection.url ? (
        <>
          <dt>Points at</dt>
          <dd className="mono">{connection.url}</dd>
        </>
      ) : null}
      <dt>Connection ID</dt>
      <dd>
        <ShortValue value={connection.id} label={`connection ID of ${connection.name}`} />
      </dd>
    </dl>
  );
}

function Row({ connection, migrate, dispatch, now, retirement }: { connection: InventoriedConnectionView; migrate: MigrateState; dispatch: Dispatch; now: Date; retirement: string }) {
  const key = connectionKey(connection);
  const selected = migrate.selected.includes(key);
  const expanded = migrate.expanded.includes(key);
  const selectable = isSelectable(connection);
  const why = whyNotSelectable(connection);
  const domKey = key.replace(/[^A-Za-z0-9-]/g, "-");
  const whyId = `why-${domKey}`;
  const detailsId = `details-${domKey}`;
  const info = CLASS_INFO[connection.class];
  const others = sharedWith(connection);
  return (
    <>
      <tr className={selected ? "inventory-row selected" : "inventory-row"}>
        <td className="select-cell">
          <input
            type="checkbox"
            checked={selected}
            disabled={!selectable && !selected}
            aria-label={`Choose ${connection.name} in ${connection.organization} / ${connection.owningProject}`}
            aria-describedby={why ? whyId : undefined}
            title={why ?? undefined}
            onChange={() => dispatch({ type: "inventoryRowSelected", key })}
          />
          {why ? (
            <span id={whyId} className="visually-hidden">
              {why}
            </span>
          ) : null}
        </td>
        <th scope="row">
          <span className="connection-name">{connection.name}</span>
          {connection.isDraft ? <span className="tag tag-warning">Draft</span> : null}
          {others.length > 0 ? <span className="tag">Shared with {plural(others.length, "project")}</span> : null}
          <span className="cell-note">{schemeLabel(connection.scheme)}</span>
        </th>
        <td>
          {connection.organization} / {connection.owningProject}
        </td>
        <td>{typeLabel(connection.endpointType)}</td>
        <td>
          <IdentityName connection={connection} />
          <span className="cell-note">{identityKindWords(connection)}</span>
          <ExpiryNote connection={connection} now={now} />
        </td>
        <td>
          <span className={`class-badge class-${info.tone}`}>
            <Icon name={info.icon} />
            {info.title}
          </span>
        </td>
        <td>{connection.lastUsed ? <time dateTime={connection.lastUsed}>{lastUsedWords(connection.lastUsed, now)}</time> : <span className="muted">Never or unknown</span>}</td>
        <td className="expand-cell">
          <button
            type="button"
            className="icon-button"
            aria-expanded={expanded}
            aria-controls={detailsId}
            aria-label={`Details of ${connection.name}`}
            title={expanded ? "Hide details" : "Show details"}
            onClick={() => dispatch({ type: "inventoryRowExpanded", key })}
          >
            <Icon name="chevron" className={expanded ? "chevron chevron-open" : "chevron"} />
          </button>
        </td>
      </tr>
      {expanded ? (
        <tr id={detailsId} className="inventory-details-row">
          <td colSpan={COLUMNS.length + 2}>
            <Details connection={connection} now={now} retirement={retirement} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function InventoryTable({
  connections,
  migrate,
  dispatch,
  now,
  retirement,
}: {
  connections: InventoriedConnectionView[];
  migrate: MigrateState;
  dispatch: Dispatch;
  now: Date;
  retirement: string;
}) {
  const selectableCount = connections.filter(isSelectable).length;
  return (
    <div className="table-scroll">
      <table className="table inventory-table">
        <caption className="visually-hidden">Service connections; column headers sort the table.</caption>
        <thead>
          <tr>
            <th scope="col" className="select-cell">
              <SelectAllVisible migrate={migrate} dispatch={dispatch} selectableCount={selectableCount} />
            </th>
            {COLUMNS.map(({ column, label }) => (
              <SortHeader key={column} column={column} label={label} migrate={migrate} dispatch={dispatch} />
            ))}
            <th scope="col">
              <span className="visually-hidden">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {connections.map((connection) => (
            <Row key={connectionKey(connection)} connection={connection} migrate={migrate} dispatch={dispatch} now={now} retirement={retirement} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
