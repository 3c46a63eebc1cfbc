// The Migrate path's slice of the wizard reducer: filters, sort, search, expanded rows and the selection kept for the plan.
import type { ConnectionClassView, InventoryView, IpcError, MigrationPlanView, MigrationProgressView, MigrationRunView } from "../ipc/bindings";
import type { Remote } from "../wizard/model";
import { type MigrateState, type MigrationState, NO_FILTERS, type SortColumn } from "./model";
import { advanceMigration, emptyMigrationProgress } from "./progress";
import { connectionKey, isSelectable, visibleConnections, visibleSelection } from "./selectors";

export type MigrateEvent =
  | { type: "inventoryClassToggled"; connectionClass: ConnectionClassView }
  | { type: "inventoryOrganizationFiltered"; organization: string | null }
  | { type: "inventoryTypeFiltered"; endpointType: string | null }
  | { type: "inventoryQueryChanged"; query: string }
  | { type: "inventoryFiltersCleared" }
  | { type: "inventorySorted"; column: SortColumn }
  | { type: "inventoryRowSelected"; key: string }
  | { type: "inventoryVisibleSelected" }
  | { type: "inventorySelectionCleared" }
  | { type: "inventoryRowExpanded"; key: string }
  | { type: "migrationFindingToggled"; connectionId: string; location: string }
  | { type: "migrationApplyStarted"; requestKey: string }
  | { type: "migrationProgressed"; event: MigrationProgressView; at: number }
  | { type: "migrationApplyEnded"; run: MigrationRunView }
  | { type: "migrationApplyFailed"; error: IpcError }
  | { type: "revertConfirmRequested" }
  | { type: "revertTyped"; typed: string }
  | { type: "revertDismissed" }
  | { type: "revertStarted" }
  | { type: "revertProgressed"; event: MigrationProgressView; at: number }
  | { type: "revertEnded"; run: MigrationRunView }
  | { type: "revertFailed"; error: IpcError };

const MIGRATE_EVENTS: ReadonlySet<string> = new Set<MigrateEvent["type"]>([
  "inventoryClassToggled",
  "inventoryOrganizationFiltered",
  "inventoryTypeFiltered",
  "inventoryQueryChanged",
  "inventoryFiltersCleared",
  "inventorySorted",
  "inventoryRowSelected",
  "inventoryVisibleSelected",
  "inventorySelectionCleared",
  "inventoryRowExpanded",
  "migrationFindingToggled",
  "migrationApplyStarted",
  "migrationProgressed",
  "migrationApplyEnded",
  "migrationApplyFailed",
  "revertConfirmRequested",
  "revertTyped",
  "revertDismissed",
  "revertStarted",
  "revertProgressed",
  "revertEnded",
  "revertFailed",
]);

export function isMigrateEvent(event: { type: string }): event is MigrateEvent {
  return MIGRATE_EVENTS.has(event.type);
}

function toggle<T>(values: readonly T[], value: T): T[] {
  return values.includes(value) ? values.filter((other) => other !== value) : [...values, value];
}

/** A new inventory keeps the choices that still name a connection that can be migrated. */
export function withInventory(migrate: MigrateState, inventory: InventoryView): MigrateState {
  const keys = new Set(inventory.connections.filter(isSelectable).map(connectionKey));
  const present = new Set(inventory.connections.map(connectionKey));
  return {
    ...migrate,
    inventory: { status: "loaded", value: inventory },
    selected: migrate.selected.filter((key) => keys.has(key)),
    expanded: migrate.expanded.filter((key) => present.has(key)),
  };
}

/** Files the plan of `requestKey`; an answer to an older request than the current one is dropped by the caller's key check. */
export function withMigrationPlan(migrate: MigrateState, requestKey: string, result: Remote<MigrationPlanView>): MigrateState {
  const current = migrate.migration.plan;
  if (result.status !== "loading" && current !== null && current.requestKey !== requestKey) return migrate;
  return { ...migrate, migration: { ...migrate.migration, plan: { requestKey, result } } };
}

function reduceMigration(migration: MigrationState, event: MigrateEvent): MigrationState {
  const run = migration.run;
  const revert = migration.revert;
  switch (event.type) {
    case "migrationFindingToggled": {
      const accepted = migration.accepted[event.connectionId] ?? [];
      const next = toggle(accepted, event.location);
      const rest = Object.fromEntries(Object.entries(migration.accepted).filter(([id]) => id !== event.connectionId));
      return { ...migration, accepted: next.length > 0 ? { ...rest, [event.connectionId]: next } : rest };
    }
    case "migrationApplyStarted": {
      // A retry of the same choice keeps the rows: the resumed run reports what is already done.
      const progress = run.status !== "idle" && run.requestKey === event.requestKey ? run.progress : emptyMigrationProgress();
      return { ...migration, run: { status: "running", requestKey: event.requestKey, progress }, revert: { status: "idle" } };
    }
    case "migrationProgressed":
      if (run.status !== "running") return migration;
      return { ...migration, run: { ...run, progress: advanceMigration(run.progress, event.event, event.at) } };
    case "migrationApplyEnded":
      if (run.status !== "running") return migration;
      return { ...migration, run: { status: "finished", requestKey: run.requestKey, progress: run.progress, run: event.run } };
    case "migrationApplyFailed":
      if (run.status !== "running") return migration;
      return { ...migration, run: { status: "failed", requestKey: run.requestKey, progress: run.progress, error: event.error } };
    case "revertConfirmRequested":
      return revert.status === "running" ? migration : { ...migration, revert: { status: "confirming", typed: "" } };
    case "revertTyped":
      return revert.status === "confirming" ? { ...migration, revert: { status: "confirming", typed: event.typed } } : migration;
    case "revertDismissed":
      return revert.status === "confirming" || revert.status === "failed" ? { ...migration, revert: { status: "idle" } } : migration;
    case "revertStarted":
      return { ...migration, revert: { status: "running", progress: emptyMigrationProgress() } };
    case "revertProgressed":
      if (revert.status !== "running") return migration;
      return { ...migration, revert: { status: "running", progress: advanceMigration(revert.progress, event.event, event.at) } };
    case "revertEnded":
      // The report now shows the reverted run.
      if (run.status !== "finished") return { ...migration, revert: { status: "finished", run: event.run } };
      return { ...migration, revert: { status: "finished", run: event.run }, run: { ...run, run: event.run } };
    case "revertFailed":
      return { ...migration, revert: { status: "failed", error: event.error } };
    default:
      return migration;
  }
}

export function reduceMigrate(migrate: MigrateState, event: MigrateEvent): MigrateState {
  const filters = migrate.filters;
  switch (event.type) {
    case "inventoryClassToggled":
      return { ...migrate, filters: { ...filters, classes: toggle(filters.classes, event.connectionClass) } };
    case "inventoryOrganizationFiltered":
      return { ...migrate, filters: { ...filters, organization: event.organization } };
    case "inventoryTypeFiltered":
      return { ...migrate, filters: { ...filters, endpointType: event.endpointType } };
    case "inventoryQueryChanged":
      return { ...migrate, filters: { ...filters, query: event.query } };
    case "inventoryFiltersCleared":
      return { ...migrate, filters: NO_FILTERS };
    case "inventorySorted": {
      const same = migrate.sort.column === event.column;
      const direction = same && migrate.sort.direction === "ascending" ? "descending" : "ascending";
      return { ...migrate, sort: { column: event.column, direction } };
    }
    case "inventoryRowSelected": {
      const connection = visibleConnections(migrate).find((candidate) => connectionKey(candidate) === event.key);
      // Only rows on screen that can be migrated can be chosen; unchoosing always works.
      if (!migrate.selected.includes(event.key) && !(connection && isSelectable(connection))) return migrate;
      return { ...migrate, selected: toggle(migrate.selected, event.key) };
    }
    case "inventoryVisibleSelected": {
      const visible = visibleConnections(migrate).filter(isSelectable).map(connectionKey);
      if (visibleSelection(migrate) === "all") {
        return { ...migrate, selected: migrate.selected.filter((key) => !visible.includes(key)) };
      }
      return { ...migrate, selected: [...migrate.selected, ...visible.filter((key) => !migrate.selected.includes(key))] };
    }
    case "inventorySelectionCleared":
      return { ...migrate, selected: [] };
    case "inventoryRowExpanded":
      return { ...migrate, expanded: toggle(migrate.expanded, event.key) };
    default:
      return { ...migrate, migration: reduceMigration(migrate.migration, event) };
  }
}
