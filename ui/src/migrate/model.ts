// The Migrate path's data types: the inventory as loaded, the table's filters and sort, and the connections chosen for the plan.
import type { ConnectionClassView, InventoryView } from "../ipc/bindings";
import type { Remote } from "../wizard/model";

/** The columns the inventory table sorts by. */
export type SortColumn = "name" | "organization" | "type" | "identity" | "class" | "lastUsed";

export type SortDirection = "ascending" | "descending";

export interface InventoryFilters {
  /** Classes to show; empty shows every class. */
  classes: ConnectionClassView[];
  /** One organization, or null for all of them. */
  organization: string | null;
  /** One endpoint type (`azurerm`, `externaltfs`...), or null for all. */
  endpointType: string | null;
  /** Free text matched against names, projects, identities, ids, issuers and subjects. */
  query: string;
}

export interface MigrateState {
  inventory: Remote<InventoryView>;
  filters: InventoryFilters;
  sort: { column: SortColumn; direction: SortDirection };
  /** Keys of the connections chosen for the migration plan; kept while filters hide them. */
  selected: string[];
  /** Keys of the rows whose details are open. */
  expanded: string[];
}

export const NO_FILTERS: InventoryFilters = { classes: [], organization: null, endpointType: null, query: "" };

export const EMPTY_MIGRATE: MigrateState = {
  inventory: { status: "idle" },
  filters: NO_FILTERS,
  sort: { column: "class", direction: "ascending" },
  selected: [],
  expanded: [],
};
