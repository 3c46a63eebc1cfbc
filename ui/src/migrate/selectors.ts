// Pure reads of the Migrate path's state: what each class means, which rows the filters and sort show, counts and the selection.
import type { ConnectionClassView, InventoriedConnectionView } from "../ipc/bindings";
import type { IconName } from "../components/Icon";
import type { InventoryFilters, MigrateState, SortColumn } from "./model";

/** The classes in the order the summary and the class sort list them: what needs a decision first. */
export const CLASS_ORDER: readonly ConnectionClassView[] = [
  "needsAttention",
  "convertibleInPlace",
  "convertibleAfterCredential",
  "tokenBased",
  "shared",
  "outOfScope",
  "zeroSecret",
];

export interface ClassInfo {
  title: string;
  /** One sentence saying what migrating a connection of this class takes. */
  meaning: string;
  icon: IconName;
  tone: "success" | "info" | "warning" | "muted";
}

export const CLASS_INFO: Record<ConnectionClassView, ClassInfo> = {
  needsAttention: {
    title: "Needs attention",
    meaning: "Something must be fixed before it can be migrated; its details say what.",
    icon: "warning",
    tone: "warning",
  },
  convertibleInPlace: {
    title: "Convert in place",
    meaning: "Azure DevOps created its identity, so the connection itself can be converted to workload identity federation.",
    icon: "retry",
    tone: "info",
  },
  convertibleAfterCredential: {
    title: "Credential first",
    meaning: "Its identity first gets a federated credential matching the connection; then the connection is converted.",
    icon: "plus",
    tone: "info",
  },
  tokenBased: {
    title: "Token",
    meaning: "Signs in with a personal access token or another token; a new workload identity connection replaces it.",
    icon: "clock",
    tone: "warning",
  },
  shared: {
    title: "Shared",
    meaning: "Other projects use it too; it is migrated once, from its owning project, for all of them.",
    icon: "external",
    tone: "muted",
  },
  outOfScope: {
    title: "Out of scope",
    meaning: "Keyless cannot migrate it; its details say why.",
    icon: "cross",
    tone: "muted",
  },
  zeroSecret: {
    title: "Zero secret",
    meaning: "Already signs in with workload identity federation and the Entra issuer: nothing to do.",
    icon: "check",
    tone: "success",
  },
};

/** The classes a migration plan can take. */
const MIGRATABLE: readonly ConnectionClassView[] = ["convertibleInPlace", "convertibleAfterCredential", "tokenBased", "shared"];

const TYPE_LABELS: Record<string, string> = {
  azurerm: "Azure Resource Manager",
  WorkloadIdentityUser: "Azure DevOps",
  externaltfs: "Azure Repos / TFS",
  externalnugetfeed: "NuGet",
  externalnpmregistry: "npm",
  github: "GitHub",
  dockerregistry: "Docker Registry",
  kubernetes: "Kubernetes",
  generic: "Generic",
};

const SCHEME_LABELS: Record<string, string> = {
  WorkloadIdentityFederation: "Workload identity federation",
  ServicePrincipal: "Secret or certificate",
  ManagedServiceIdentity: "Managed identity of the agent",
  Token: "Token",
  PersonalAccessToken: "Personal access token",
  UsernamePassword: "User name and password",
  None: "No sign-in",
};

export function typeLabel(endpointType: string): string {
  return TYPE_LABELS[endpointType] ?? endpointType;
}

export function schemeLabel(scheme: string): string {
  return SCHEME_LABELS[scheme] ?? scheme;
}

/** Identifies a row: one per connection of an organization, shared or not. */
export function connectionKey(connection: InventoriedConnectionView): string {
  return `${connection.organization}/${connection.id}`;
}

/** The projects other than the owning one that use a shared connection. */
export function sharedWith(connection: InventoriedConnectionView): string[] {
  return connection.projects.filter((project) => project !== connection.owningProject);
}

/** A `reason` phrase as a sentence of its own. */
export function sentence(phrase: string): string {
  const trimmed = phrase.trim();
  if (trimmed === "") return trimmed;
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

export function isSelectable(connection: InventoriedConnectionView): boolean {
  return MIGRATABLE.includes(connection.class);
}

/** Why a row cannot be chosen for the plan, in a sentence; null when it can. */
export function whyNotSelectable(connection: InventoriedConnectionView): string | null {
  const reason = connection.reason ? ` ${sentence(connection.reason)}` : "";
  switch (connection.class) {
    case "convertibleInPlace":
    case "convertibleAfterCredential":
    case "tokenBased":
    case "shared":
      return null;
    case "zeroSecret":
      return "Nothing to migrate: it already signs in without a secret.";
    case "outOfScope":
      return `Keyless cannot migrate it.${reason}`;
    case "needsAttention":
      return `Fix it first.${reason}`;
  }
}

export function loadedConnections(migrate: MigrateState): InventoriedConnectionView[] {
  return migrate.inventory.status === "loaded" ? migrate.inventory.value.connections : [];
}

export type ClassCounts = Record<ConnectionClassView, number>;

export function classCounts(connections: readonly InventoriedConnectionView[]): ClassCounts {
  const counts = Object.fromEntries(CLASS_ORDER.map((kind) => [kind, 0])) as ClassCounts;
  for (const connection of connections) counts[connection.class] += 1;
  return counts;
}

/** Connections whose tokens still come from the Azure DevOps issuer, which retires on 1 July 2027. */
export function legacyIssuerCount(connections: readonly InventoriedConnectionView[]): number {
  return connections.filter((connection) => connection.issuerKind === "azureDevOps").length;
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort((left, right) => left.localeCompare(right));
}

export function organizationsOf(connections: readonly InventoriedConnectionView[]): string[] {
  return distinct(connections.map((connection) => connection.organization));
}

export function endpointTypesOf(connections: readonly InventoriedConnectionView[]): string[] {
  return distinct(connections.map((connection) => connection.endpointType));
}

function searchableText(connection: InventoriedConnectionView): string {
  const identity = connection.identity;
  return [
    connection.organization,
    ...connection.projects,
    connection.name,
    connection.id,
    connection.endpointType,
    typeLabel(connection.endpointType),
    connection.scheme,
    CLASS_INFO[connection.class].title,
    identity?.displayName ?? "",
    identity?.clientId ?? "",
    connection.issuer ?? "",
    connection.subject ?? "",
    connection.reason ?? "",
  ]
    .join("\n")
    .toLowerCase();
}

export function matchesFilters(connection: InventoriedConnectionView, filters: InventoryFilters): boolean {
  if (filters.classes.length > 0 && !filters.classes.includes(connection.class)) return false;
  if (filters.organization !== null && connection.organization !== filters.organization) return false;
  if (filters.endpointType !== null && connection.endpointType !== filters.endpointType) return false;
  const words = filters.query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = searchableText(connection);
  return words.every((word) => text.includes(word));
}

export function filtersActive(filters: InventoryFilters): boolean {
  return filters.classes.length > 0 || filters.organization !== null || filters.endpointType !== null || filters.query.trim() !== "";
}

const byText = (left: string, right: string) => left.localeCompare(right, undefined, { sensitivity: "base" });

/** Where a row lives: organization, then owning project, compared one after the other. */
function compareWhere(left: InventoriedConnectionView, right: InventoriedConnectionView): number {
  return byText(left.organization, right.organization) || byText(left.owningProject, right.owningProject);
}

function identityName(connection: InventoriedConnectionView): string | null {
  return connection.identity?.displayName ?? connection.identity?.clientId ?? null;
}

/** Absent values (no identity, never used) come first ascending: they are the smallest. */
function compareOptional(left: string | null, right: string | null): number {
  if (left === null || right === null) return left === right ? 0 : left === null ? -1 : 1;
  return byText(left, right);
}

function compareBy(column: SortColumn, left: InventoriedConnectionView, right: InventoriedConnectionView): number {
  switch (column) {
    case "name":
      return byText(left.name, right.name);
    case "organization":
      return compareWhere(left, right);
    case "type":
      return byText(typeLabel(left.endpointType), typeLabel(right.endpointType));
    case "identity":
      return compareOptional(identityName(left), identityName(right));
    case "class":
      return CLASS_ORDER.indexOf(left.class) - CLASS_ORDER.indexOf(right.class);
    case "lastUsed":
      // RFC 3339 in UTC sorts as text; never used counts as the oldest use.
      return compareOptional(left.lastUsed, right.lastUsed);
  }
}

/** The rows the table shows, filtered and sorted; ties keep organization, project and name order. */
export function visibleConnections(migrate: MigrateState): InventoriedConnectionView[] {
  const { column, direction } = migrate.sort;
  const sign = direction === "ascending" ? 1 : -1;
  return loadedConnections(migrate)
    .filter((connection) => matchesFilters(connection, migrate.filters))
    .sort(
      (left, right) =>
        sign * compareBy(column, left, right) ||
        compareWhere(left, right) ||
        byText(left.name, right.name) ||
        left.id.localeCompare(right.id),
    );
}

/** Whether every selectable visible row is selected, some are, or none. */
export function visibleSelection(migrate: MigrateState): "all" | "some" | "none" {
  const selectable = visibleConnections(migrate).filter(isSelectable).map(connectionKey);
  const chosen = selectable.filter((key) => migrate.selected.includes(key)).length;
  if (chosen === 0) return "none";
  return chosen === selectable.length ? "all" : "some";
}

export function selectedConnections(migrate: MigrateState): InventoriedConnectionView[] {
  return loadedConnections(migrate).filter((connection) => migrate.selected.includes(connectionKey(connection)));
}

/** How many chosen rows the filters hide, so the summary can say the selection is still there. */
export function hiddenSelectedCount(migrate: MigrateState): number {
  const shown = new Set(visibleConnections(migrate).map(connectionKey));
  return selectedConnections(migrate).filter((connection) => !shown.has(connectionKey(connection))).length;
}

/** The earliest of a connection's secret and certificate expiries, RFC 3339; null when it has none. */
export function soonestExpiry(connection: InventoriedConnectionView): string | null {
  const identity = connection.identity;
  if (!identity) return null;
  const dates = [...identity.secretExpiries, ...identity.certificateExpiries].sort();
  return dates[0] ?? null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** "expired 12 days ago", "expires in 20 days", "expires today"; plain and relative to `now`. */
export function expiryWords(expiry: string, now: Date): string {
  const days = Math.round((Date.parse(expiry) - now.getTime()) / DAY_MS);
  if (Number.isNaN(days)) return `expires ${expiry}`;
  if (days < 0) return `expired ${plural(-days, "day")} ago`;
  if (days === 0) return "expires today";
  return `expires in ${plural(days, "day")}`;
}

/** "today", "3 days ago", "never"; relative to `now`. */
export function lastUsedWords(lastUsed: string | null, now: Date): string {
  if (lastUsed === null) return "Never or unknown";
  const days = Math.floor((now.getTime() - Date.parse(lastUsed)) / DAY_MS);
  if (Number.isNaN(days)) return lastUsed;
  if (days <= 0) return "Today";
  return `${plural(days, "day")} ago`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
