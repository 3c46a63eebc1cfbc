// The Migrate path's slice of the wizard reducer: filters, sort, search, expanded rows and the selection kept for the plan.
import type { ConnectionClassView, InventoryView } from "../ipc/bindings";
import { type MigrateState, NO_FILTERS, type SortColumn } from "./model";
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
  | { type: "inventoryRowExpanded"; key: string };

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
  }
}
