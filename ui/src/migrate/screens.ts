// The Migrate path's screens in one module, so the window loads their code (one chunk) only when that path is opened.
export { InventoryScreen } from "./InventoryScreen";
export { MigrationApplyScreen } from "./MigrationApplyScreen";
export { MigrationReportScreen } from "./MigrationReportScreen";
export { PlanScreen } from "./PlanScreen";
