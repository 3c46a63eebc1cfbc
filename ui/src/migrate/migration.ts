// Pure reads of the migration after the inventory: the request a choice makes, the plan's counts and waves, each screen's problem and primary action, and the estate's deadlines.
import type {
  InventoriedConnectionView,
  MigrationActionView,
  MigrationEntryStatusView,
  MigrationPlanView,
  MigrationRequest,
  PlannedMigrationView,
} from "../ipc/bindings";
import type { StepId, Wizard } from "../wizard/model";
import type { PrimaryAction } from "../wizard/selectors";
import type { MigrateState, MigrationRunState } from "./model";
import { plural, selectedConnections } from "./selectors";

/** What `planMigration` and `applyMigration` take for the current choice and accepted findings. */
export function migrationRequest(migrate: MigrateState): MigrationRequest {
  return {
    connections: selectedConnections(migrate).map((connection) => ({
      id: connection.id,
      acceptedFindings: migrate.migration.accepted[connection.id] ?? [],
    })),
  };
}

/** Identifies a request, so a plan or run is matched to exactly the choice it was made for. */
export function requestKey(migrate: MigrateState): string {
  return JSON.stringify(migrationRequest(migrate));
}

/** The plan of the current choice, once it is loaded. */
export function currentMigrationPlan(migrate: MigrateState): MigrationPlanView | null {
  const plan = migrate.migration.plan;
  return plan && plan.result.status === "loaded" && plan.requestKey === requestKey(migrate) ? plan.result.value : null;
}

export type PlanCounts = Record<MigrationEntryStatusView, number> & { runnable: number };

export function planCounts(plan: MigrationPlanView): PlanCounts {
  const counts: PlanCounts = { ready: 0, handOff: 0, refused: 0, blocked: 0, skipped: 0, runnable: 0 };
  for (const entry of plan.entries) counts[entry.status] += 1;
  counts.runnable = counts.ready + counts.handOff;
  return counts;
}

/** Terraform-style symbols: `~` changes a connection in place, `+` creates its replacement, `=` leaves it. */
export const ACTION_INFO: Record<MigrationActionView, { symbol: string; words: string }> = {
  convertInPlace: { symbol: "~", words: "Convert in place to workload identity federation" },
  switchIssuer: { symbol: "~", words: "Switch to the Entra issuer" },
  replaceWithAzureDevopsConnection: { symbol: "+", words: "Replace with a new Azure DevOps connection" },
  skip: { symbol: "=", words: "Leave as it is" },
};

export const STATUS_INFO: Record<MigrationEntryStatusView, { words: string; tone: "success" | "info" | "warning" | "error" | "muted" }> = {
  ready: { words: "Ready", tone: "success" },
  handOff: { words: "Hand-off: the identity's owner adds the credential", tone: "info" },
  refused: { words: "Refused", tone: "error" },
  blocked: { words: "Blocked by pipeline findings", tone: "warning" },
  skipped: { words: "Skipped", tone: "muted" },
};

export interface WaveEntries {
  /** From 1; null for the entries that do not run. */
  wave: number | null;
  entries: PlannedMigrationView[];
}

/** The plan's entries per wave in wave order, then the ones that do not run. */
export function entriesByWave(plan: MigrationPlanView): WaveEntries[] {
  const groups: WaveEntries[] = plan.waves.map((wave) => ({
    wave: wave.number,
    entries: wave.connectionIds.flatMap((id) => plan.entries.filter((entry) => entry.id === id)),
  }));
  const idle = plan.entries.filter((entry) => entry.wave === null);
  return idle.length > 0 ? [...groups, { wave: null, entries: idle }] : groups;
}

export function migrationRunning(migrate: MigrateState): boolean {
  return migrate.migration.run.status === "running" || migrate.migration.revert.status === "running";
}

function runFinished(run: MigrationRunState): boolean {
  return run.status === "finished" && ["completed", "waitingForHandOff", "reverted"].includes(run.run.status);
}

/** Why a migrate step is not finished yet, in a sentence; null when it is. */
export function migrateStepProblem(wizard: Wizard, step: StepId): string | null {
  const migrate = wizard.migrate;
  switch (step) {
    case "inventory":
      if (migrate.inventory.status !== "loaded") return "Take the inventory.";
      return selectedConnections(migrate).length > 0 ? null : "Select the connections to migrate.";
    case "migrationPlan": {
      const plan = currentMigrationPlan(migrate);
      if (plan === null) return "Review the migration plan.";
      return planCounts(plan).runnable > 0 ? null : "No chosen connection can be migrated as planned; see why in the plan.";
    }
    case "migrationApply":
      return runFinished(migrate.migration.run) ? null : "Migrate the connections.";
    default:
      return null;
  }
}

/** The footer's one primary action on the migrate screens after the inventory. */
export function migratePrimaryAction(wizard: Wizard): PrimaryAction {
  const migrate = wizard.migrate;
  const blocked = (label: string, note: string | null): PrimaryAction => ({ label, command: "none", disabled: true, note });
  switch (wizard.step) {
    case "inventory": {
      const problem = migrateStepProblem(wizard, "inventory");
      return { label: "Review migration plan", command: "next", disabled: problem !== null, note: problem };
    }
    case "migrationPlan": {
      const plan = currentMigrationPlan(migrate);
      if (plan === null) {
        const failed = migrate.migration.plan?.result.status === "failed";
        return blocked("Migrate", failed ? "Fix the problem above, then review again." : null);
      }
      const counts = planCounts(plan);
      if (counts.runnable === 0) return blocked("Migrate", migrateStepProblem(wizard, "migrationPlan"));
      const left = counts.refused + counts.blocked;
      const note = left > 0 ? `${plural(left, "chosen connection")} will be left as ${left === 1 ? "it is" : "they are"}.` : null;
      return { label: `Migrate ${plural(counts.runnable, "connection")}`, command: "applyMigration", disabled: false, note };
    }
    case "migrationApply": {
      const run = migrate.migration.run;
      if (run.status === "running") {
        const done = run.progress.run.steps.filter((step) => step.state === "done").length;
        return blocked(`Migrating… ${done} of ${run.progress.run.steps.length} steps done`, null);
      }
      if (runFinished(run)) return { label: "See the report", command: "next", disabled: false, note: null };
      if (run.status === "idle") return { label: "Migrate", command: "applyMigration", disabled: currentMigrationPlan(migrate) === null, note: null };
      const failedStep = run.progress.run.steps.some((step) => step.state === "failed");
      return { label: failedStep ? "Retry from the failed step" : "Resume the migration", command: "applyMigration", disabled: false, note: null };
    }
    case "migrationReport":
      return { label: "Take the inventory again", command: "inventoryAgain", disabled: migrationRunning(migrate), note: null };
    default:
      return blocked("Continue", null);
  }
}

// ---------------------------------------------------------------------------------- estate at a glance

const DAY_MS = 24 * 60 * 60 * 1000;

export type ExpiryBucket = "expired" | "within30" | "within90" | "later";

export const EXPIRY_BUCKETS: readonly { bucket: ExpiryBucket; words: string }[] = [
  { bucket: "expired", words: "Expired" },
  { bucket: "within30", words: "Within 30 days" },
  { bucket: "within90", words: "In 31 to 90 days" },
  { bucket: "later", words: "Later" },
];

export type ExpiryCounts = Record<ExpiryBucket, { secrets: number; certificates: number }>;

function bucketOf(expiry: string, now: Date): ExpiryBucket | null {
  const at = new Date(expiry).getTime();
  if (Number.isNaN(at)) return null;
  const days = (at - now.getTime()) / DAY_MS;
  if (days < 0) return "expired";
  if (days <= 30) return "within30";
  if (days <= 90) return "within90";
  return "later";
}

/** Client secrets and certificates of the estate's identities by how soon they expire; an identity several connections share counts once. */
export function expiryCounts(connections: readonly InventoriedConnectionView[], now: Date): ExpiryCounts {
  const counts: ExpiryCounts = {
    expired: { secrets: 0, certificates: 0 },
    within30: { secrets: 0, certificates: 0 },
    within90: { secrets: 0, certificates: 0 },
    later: { secrets: 0, certificates: 0 },
  };
  const seen = new Set<string>();
  for (const connection of connections) {
    const identity = connection.identity;
    if (!identity || seen.has(identity.clientId)) continue;
    seen.add(identity.clientId);
    for (const expiry of identity.secretExpiries) {
      const bucket = bucketOf(expiry, now);
      if (bucket) counts[bucket].secrets += 1;
    }
    for (const expiry of identity.certificateExpiries) {
      const bucket = bucketOf(expiry, now);
      if (bucket) counts[bucket].certificates += 1;
    }
  }
  return counts;
}

/** Whole days from `now` until the issuer retires (0 on and after the day). */
export function daysUntil(day: string, now: Date): number {
  const at = new Date(day.length === 10 ? `${day}T00:00:00Z` : day).getTime();
  if (Number.isNaN(at)) return 0;
  return Math.max(0, Math.ceil((at - now.getTime()) / DAY_MS));
}

/** The run id or the number of connections it changed: either confirms a revert. */
export function revertConfirmed(typed: string, runId: string, connections: number): boolean {
  const answer = typed.trim();
  return answer !== "" && (answer === runId || answer === String(connections));
}
