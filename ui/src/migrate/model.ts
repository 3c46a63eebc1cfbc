// The Migrate path's data types: the inventory as loaded, the table's filters and sort, and the connections chosen for the plan.
import type { ConnectionClassView, InventoryView, IpcError, MigrationPlanView, MigrationRunView } from "../ipc/bindings";
import type { Remote, RunProgress } from "../wizard/model";

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
  /** The plan, the run and its revert, for the connections chosen. */
  migration: MigrationState;
}

export const NO_FILTERS: InventoryFilters = { classes: [], organization: null, endpointType: null, query: "" };


// ---------------------------------------------------------------------------------- plan, apply, report

/** A migration run's progress: the engine's steps (one fold for the whole run) and the wave each step belongs to. */
export interface MigrationProgress {
  run: RunProgress;
  /** Step id to wave number; steps of the whole run (no wave) are left out. */
  waveOf: Record<string, number>;
}

export type MigrationRunState =
  | { status: "idle" }
  | { status: "running"; requestKey: string; progress: MigrationProgress }
  | { status: "finished"; requestKey: string; progress: MigrationProgress; run: MigrationRunView }
  | { status: "failed"; requestKey: string; progress: MigrationProgress; error: IpcError };

/** Reverting a finished run: confirmed by typing its run id or its connection count. */
export type RevertState =
  | { status: "idle" }
  | { status: "confirming"; typed: string }
  | { status: "running"; progress: MigrationProgress }
  | { status: "finished"; run: MigrationRunView }
  | { status: "failed"; error: IpcError };

export interface MigrationState {
  /** The plan of the current choice, keyed by the request it answers. */
  plan: { requestKey: string; result: Remote<MigrationPlanView> } | null;
  /** Blocking findings accepted, by connection id, each by its location. */
  accepted: Record<string, string[]>;
  run: MigrationRunState;
  revert: RevertState;
}

export const EMPTY_MIGRATION: MigrationState = { plan: null, accepted: {}, run: { status: "idle" }, revert: { status: "idle" } };

export const EMPTY_MIGRATE: MigrateState = {
  inventory: { status: "idle" },
  filters: NO_FILTERS,
  sort: { column: "class", direction: "ascending" },
  selected: [],
  expanded: [],
  migration: EMPTY_MIGRATION,
};
