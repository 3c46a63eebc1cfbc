// Pure reads of the wizard state: the SetupInput it describes, each step's problem, status and primary action, what to load.
import type { ConnectionInput, IdentityInput, PlanView, SetupInput } from "../ipc/bindings";
import { currentMigrationPlan, migratePrimaryAction, migrateStepProblem, migrationRequest, migrationRunning, requestKey } from "../migrate/migration";
import { diagnosePrimaryAction, diagnoseStepProblem, fixRunning } from "../diagnose/selectors";
import {
  type ConnectionDraft,
  DIAGNOSE_STEPS,
  type Load,
  MIGRATE_STEPS,
  type Path,
  STEPS,
  type StepId,
  type StepStatus,
  type Wizard,
  type WizardState,
} from "./model";

/** The steps the rail lists for a path. */
export function stepsOf(path: Path): readonly { id: StepId; title: string }[] {
  return path === "migrate" ? MIGRATE_STEPS : path === "diagnose" ? DIAGNOSE_STEPS : STEPS;
}

/** A step's place in its path; the steps both paths share have the same place in each. */
export function indexOf(step: StepId): number {
  const setup = STEPS.findIndex((candidate) => candidate.id === step);
  if (setup >= 0) return setup;
  const migrate = MIGRATE_STEPS.findIndex((candidate) => candidate.id === step);
  return migrate >= 0 ? migrate : DIAGNOSE_STEPS.findIndex((candidate) => candidate.id === step);
}

/** The step after `step` on `path`, or null on the last one. */
export function nextStep(step: StepId, path: Path = "setup"): StepId | null {
  return stepsOf(path)[indexOf(step) + 1]?.id ?? null;
}

export function previousStep(step: StepId, path: Path = "setup"): StepId | null {
  return stepsOf(path)[indexOf(step) - 1]?.id ?? null;
}

export function titleOf(step: StepId): string {
  return [...STEPS, ...MIGRATE_STEPS, ...DIAGNOSE_STEPS].find((candidate) => candidate.id === step)?.title ?? step;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------------- the setup

export function identityInput(wizard: Wizard): IdentityInput {
  const identity = wizard.identity;
  switch (identity.choice) {
    case "appRegistration":
      return { kind: "appRegistration", name: identity.appName.trim(), whenFull: identity.whenFull };
    case "managedIdentity":
      return {
        kind: "managedIdentity",
        name: identity.managedName.trim(),
        subscription: identity.subscription,
        resourceGroup: identity.resourceGroup,
        location: identity.location,
        whenFull: identity.whenFull,
      };
    case "existing":
      return { kind: "existing", clientId: identity.existing?.clientId ?? "" };
  }
}

/** The name the identity goes by in sentences ("Keyless will add kl-shop to contoso"). */
export function identityLabel(wizard: Wizard): string {
  const identity = wizard.identity;
  const name =
    identity.choice === "appRegistration"
      ? identity.appName
      : identity.choice === "managedIdentity"
        ? identity.managedName
        : (identity.existing?.displayName ?? "");
  return name.trim() || "the identity";
}

export function connectionInput(draft: ConnectionDraft): ConnectionInput {
  const input: ConnectionInput = {
    name: draft.name.trim(),
    organization: draft.organization,
    project: draft.project,
    type: draft.type,
    description: draft.description.trim(),
    shareWith: draft.shareWith,
    pipelines: draft.allPipelines ? [] : draft.pipelines,
    allPipelines: draft.allPipelines,
  };
  if (draft.type === "azureRm") {
    input.scope =
      draft.scopeKind === "managementGroup"
        ? { managementGroup: draft.managementGroup.trim() }
        : draft.scopeKind === "resourceGroup"
          ? { subscription: draft.subscription, resourceGroup: draft.resourceGroup }
          : { subscription: draft.subscription };
    input.role = draft.role.trim() || "Reader";
  } else if (draft.targetOrganization && draft.targetOrganization !== draft.organization) {
    input.targetOrganization = draft.targetOrganization;
  }
  return input;
}

/** The setup the wizard describes, in the shape `planSetup` and `applySetup` take. */
export function setupInput(wizard: Wizard): SetupInput {
  return {
    identity: identityInput(wizard),
    organizations: wizard.selectedOrganizations.map((name) => {
      const access = wizard.access[name];
      return {
        name,
        accessLevel: access?.accessLevel ?? "basic",
        projects: Object.entries(access?.projects ?? {}).map(([project, groups]) => ({ name: project, groups })),
      };
    }),
    connections: wizard.connections.map(connectionInput),
  };
}

/** Identifies a setup, so a plan or run is matched to exactly the setup it was made for. */
export function setupKey(wizard: Wizard): string {
  return JSON.stringify(setupInput(wizard));
}

export function connectionKey(draft: Pick<ConnectionDraft, "organization" | "project" | "name">): string {
  return `${draft.organization}/${draft.project}/${draft.name.trim()}`;
}

// ---------------------------------------------------------------------------------- validation

const MANAGED_IDENTITY_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/;

export type IdentityField = "name" | "subscription" | "resourceGroup" | "location" | "existing";

/** What is wrong with the identity, field by field; an empty object when it is ready. */
export function identityProblems(wizard: Wizard): Partial<Record<IdentityField, string>> {
  const identity = wizard.identity;
  switch (identity.choice) {
    case "appRegistration": {
      const name = identity.appName.trim();
      if (name === "") return { name: "Name the app registration." };
      if (name.length > 120) return { name: "App registration names are at most 120 characters." };
      return {};
    }
    case "managedIdentity": {
      const problems: Partial<Record<IdentityField, string>> = {};
      const name = identity.managedName.trim();
      if (name === "") problems.name = "Name the managed identity.";
      else if (!MANAGED_IDENTITY_NAME.test(name)) {
        problems.name =
          "A managed identity name has 3 to 128 letters, digits, hyphens or underscores and starts with a letter or digit.";
      }
      if (identity.subscription === "") problems.subscription = "Choose the subscription for the managed identity.";
      else if (identity.resourceGroup === "") problems.resourceGroup = "Choose the resource group for the managed identity.";
      else if (identity.location === "") problems.location = "Choose the region for the managed identity.";
      const locations = wizard.locations[identity.subscription];
      const location =
        locations?.status === "loaded" ? locations.value.find((candidate) => candidate.name === identity.location) : undefined;
      if (location && !location.supportsFederatedCredentials) {
        problems.location = `${location.displayName} does not support federated credentials on managed identities; choose another region.`;
      }
      return problems;
    }
    case "existing": {
      const existing = identity.existing;
      if (existing === null) return { existing: "Search for the identity and select it." };
      if (existing.multitenant) {
        return {
          existing: `${existing.displayName} is a multitenant app; Entra ID refuses its federated sign-ins (AADSTS70052). Choose a single-tenant app or a managed identity.`,
        };
      }
      return {};
    }
  }
}

export function identityProblem(wizard: Wizard): string | null {
  return Object.values(identityProblems(wizard))[0] ?? null;
}

/** What is wrong with one connection, field by field; an empty object when it is ready. */
export function connectionProblems(wizard: Wizard, draft: ConnectionDraft): Partial<Record<keyof ConnectionDraft, string>> {
  const problems: Partial<Record<keyof ConnectionDraft, string>> = {};
  if (!wizard.selectedOrganizations.includes(draft.organization)) problems.organization = "Choose one of your organizations.";
  if (draft.project === "") problems.project = "Choose the project that owns the connection.";
  const name = draft.name.trim();
  if (name === "") {
    problems.name = "Name the connection.";
  } else if (wizard.connections.some((other) => other.id !== draft.id && connectionKey(other) === connectionKey(draft))) {
    problems.name = `Another connection in ${draft.project} is already called ${name}.`;
  } else if (draft.project !== "") {
    const check = draft.nameCheck;
    if (check.key !== connectionKey(draft) || check.result.status === "idle" || check.result.status === "loading") {
      problems.nameCheck = "Keyless is still checking the name.";
    } else if (check.result.status === "loaded" && !check.result.value.ok) {
      problems.name = check.result.value.problem ?? "This name cannot be used.";
    }
  }
  if (draft.type === "azureRm") {
    if (draft.role.trim() === "") problems.role = "Type a built-in role name or a role definition GUID.";
    if (draft.scopeKind === "managementGroup") {
      if (draft.managementGroup.trim() === "") problems.managementGroup = "Type the management group's name (its id).";
    } else {
      if (draft.subscription === "") problems.subscription = "Choose a subscription.";
      if (draft.scopeKind === "resourceGroup" && draft.resourceGroup === "") problems.resourceGroup = "Choose a resource group.";
    }
  } else if (draft.targetOrganization !== "" && !wizard.selectedOrganizations.includes(draft.targetOrganization)) {
    problems.targetOrganization = "Choose one of your organizations.";
  }
  return problems;
}

export function connectionsProblem(wizard: Wizard): string | null {
  if (wizard.connections.length === 0) return "Add at least one service connection.";
  for (const draft of wizard.connections) {
    const first = Object.values(connectionProblems(wizard, draft))[0];
    if (first) return `${draft.name.trim() || "A new connection"}: ${first}`;
  }
  return null;
}

export function currentPlan(wizard: Wizard): PlanView | null {
  const plan = wizard.plan;
  return plan && plan.result.status === "loaded" && plan.setupKey === setupKey(wizard) ? plan.result.value : null;
}

/** Why `step` is not finished yet, in a sentence; null when it is. */
export function stepProblem(wizard: Wizard, step: StepId): string | null {
  switch (step) {
    case "welcome":
    case "done":
      return null;
    case "inventory":
    case "migrationPlan":
    case "migrationApply":
    case "migrationReport":
      return migrateStepProblem(wizard, step);
    case "diagnoseScope":
    case "diagnoseFindings":
    case "diagnoseFix":
      return diagnoseStepProblem(wizard, step);
    case "signIn":
      // A pasted log can be explained without signing in; live diagnosis asks for it on its own screen.
      return wizard.session.account || wizard.path === "diagnose" ? null : "Sign in to continue.";
    case "organizations":
      return wizard.selectedOrganizations.length > 0 ? null : "Select at least one organization.";
    case "identity":
      return identityProblem(wizard);
    case "access":
      return null;
    case "connections":
      return connectionsProblem(wizard);
    case "review":
      return currentPlan(wizard) ? null : "Review the plan.";
    case "apply": {
      const apply = wizard.runs.apply;
      const finished = apply.status === "finished" && ["completed", "waitingForHandOff"].includes(apply.run.status);
      return finished ? null : "Apply the plan.";
    }
  }
}

export function applyRunning(wizard: Wizard): boolean {
  return wizard.runs.apply.status === "running" || wizard.runs.undo.status === "running" || wizard.runs.finish.status === "running";
}

/** Whether the user may go to `step` now. */
export function isOpen(state: WizardState, step: StepId): boolean {
  if (state.phase !== "ready") return step === "welcome";
  const steps = stepsOf(state.path);
  if (!steps.some((candidate) => candidate.id === step)) return false;
  const index = indexOf(step);
  if (applyRunning(state)) return index >= indexOf("apply") && step !== "done";
  // While a migration or its revert runs, its screens are the place to watch it.
  if (migrationRunning(state.migrate)) return step === "migrationApply" || step === "migrationReport";
  // While a fix or its undo runs, the Fix screen is the place to watch it.
  if (fixRunning(state.diagnose.fix)) return step === "diagnoseFix";
  if (step === "apply" && state.runs.apply.status !== "idle") return true;
  // Done summarises a run that got somewhere: finished, waiting for hand-offs, or undone.
  if (step === "done") return state.lastRun !== null && state.lastRun.status !== "failed" && state.lastRun.status !== "running";
  return steps.slice(0, index).every((earlier) => stepProblem(state, earlier.id) === null);
}

export function stepStatus(state: WizardState, step: StepId): StepStatus {
  if (step === state.step) return state.phase === "failed" ? "attention" : "current";
  if (!isOpen(state, step)) return "locked";
  if (state.phase !== "ready") return "available";
  const index = indexOf(step);
  if (index > state.furthest) return "available";
  const apply = state.runs.apply;
  if (step === "apply" && apply.status === "failed") return "attention";
  if (step === "apply" && apply.status === "finished" && apply.run.status === "failed") return "attention";
  return stepProblem(state, step) === null ? "done" : "attention";
}

// ---------------------------------------------------------------------------------- footer

export type PrimaryCommand = "next" | "chooseCloud" | "signIn" | "apply" | "newSetup" | "applyMigration" | "inventoryAgain" | "diagnose" | "none";

export interface PrimaryAction {
  label: string;
  command: PrimaryCommand;
  disabled: boolean;
  /** Why it is disabled, shown next to the button. */
  note: string | null;
}

function changeCount(plan: PlanView): number {
  return plan.counts.create + plan.counts.update;
}

export function applyLabel(plan: PlanView | null): string {
  if (plan === null) return "Apply";
  const changes = changeCount(plan);
  return changes === 0 ? "Verify (nothing to change)" : `Apply ${plural(changes, "change")}`;
}

function blocked(label: string, note: string | null): PrimaryAction {
  return { label, command: "none", disabled: true, note };
}

function forward(label: string, wizard: Wizard): PrimaryAction {
  const problem = stepProblem(wizard, wizard.step);
  return { label, command: "next", disabled: problem !== null, note: problem };
}

export function primaryAction(state: WizardState): PrimaryAction {
  if (state.phase !== "ready") return blocked("Continue to sign in", state.phase === "loading" ? "Checking your session…" : null);
  const wizard = state;
  switch (wizard.step) {
    case "welcome": {
      if (wizard.cloudSwitch.status === "switching") return blocked("Switching clouds…", null);
      const wantsDemo = wizard.cloud === "demo";
      if (wantsDemo !== wizard.session.cloud.isDemo) {
        return { label: wantsDemo ? "Use the demo cloud" : "Use Azure", command: "chooseCloud", disabled: false, note: null };
      }
      return forward("Continue to sign in", wizard);
    }
    case "signIn": {
      if (wizard.session.account) {
        const label = { setup: "Choose organizations", migrate: "Take the inventory", diagnose: "Choose what to diagnose" }[wizard.path];
        return forward(label, wizard);
      }
      if (wizard.signIn.status === "waiting") return blocked("Waiting for you to sign in…", null);
      const label = {
        browser: "Sign in with the browser",
        deviceCode: "Sign in with a device code",
        azureCli: "Sign in with Azure CLI",
      }[wizard.signInForm.method];
      return { label, command: "signIn", disabled: false, note: null };
    }
    case "organizations": {
      const count = wizard.selectedOrganizations.length;
      return forward(count === 0 ? "Choose the identity" : `Continue with ${plural(count, "organization")}`, wizard);
    }
    case "identity":
      return forward(`Choose access for ${identityLabel(wizard)}`, wizard);
    case "access":
      return forward("Set up service connections", wizard);
    case "connections":
      return forward(`Review the plan for ${plural(wizard.connections.length, "connection")}`, wizard);
    case "review": {
      const plan = currentPlan(wizard);
      if (plan) return { label: applyLabel(plan), command: "apply", disabled: false, note: null };
      const result = wizard.plan?.result;
      if (result?.status === "failed") return blocked("Apply", "Fix the problem above, then review again.");
      return blocked("Working out the plan…", null);
    }
    case "apply": {
      const apply = wizard.runs.apply;
      if (apply.status === "running") {
        const done = apply.progress.steps.filter((step) => step.state === "done").length;
        return blocked(`Applying… ${done} of ${apply.progress.steps.length} done`, null);
      }
      if (apply.status === "finished" && apply.run.status !== "failed" && apply.run.status !== "running") {
        return { label: "See the summary", command: "next", disabled: false, note: null };
      }
      if (apply.status === "idle" || apply.status === "confirming") {
        return { label: applyLabel(currentPlan(wizard)), command: "apply", disabled: currentPlan(wizard) === null, note: null };
      }
      const failedStep = apply.progress.steps.some((step) => step.state === "failed");
      return { label: failedStep ? "Retry from the failed step" : "Resume the run", command: "apply", disabled: false, note: null };
    }
    case "done":
      return { label: "Start another setup", command: "newSetup", disabled: applyRunning(wizard), note: null };
    case "inventory":
    case "migrationPlan":
    case "migrationApply":
    case "migrationReport":
      return migratePrimaryAction(wizard);
    case "diagnoseScope":
    case "diagnoseFindings":
    case "diagnoseFix":
      return { ...diagnosePrimaryAction(wizard, wizard.step), command: "diagnose" };
  }
}

export function backAllowed(state: WizardState): boolean {
  if (state.phase !== "ready" || state.step === "welcome") return false;
  const previous = previousStep(state.step, state.path);
  return previous !== null && isOpen(state, previous);
}

// ---------------------------------------------------------------------------------- loading

/** What the current step needs fetched and has not asked for yet. */
export function pendingLoads(state: WizardState): Load[] {
  if (state.phase !== "ready") return [];
  const wizard = state;
  const loads: Load[] = [];
  if (wizard.step === "welcome" && wizard.journal.status === "idle") loads.push({ kind: "runs" });
  if (wizard.session.account === null) return loads;
  if (wizard.path === "migrate") {
    if (wizard.step === "inventory" && wizard.migrate.inventory.status === "idle") loads.push({ kind: "inventory" });
    if (wizard.step === "migrationPlan" && isOpen(wizard, "migrationPlan") && currentMigrationPlan(wizard.migrate) === null) {
      const key = requestKey(wizard.migrate);
      const plan = wizard.migrate.migration.plan;
      const asked = plan !== null && plan.requestKey === key && plan.result.status !== "idle";
      if (!asked) loads.push({ kind: "migrationPlan", requestKey: key, request: migrationRequest(wizard.migrate) });
    }
    return loads;
  }
  const index = indexOf(wizard.step);
  if (index >= indexOf("organizations") && wizard.organizations.status === "idle") loads.push({ kind: "organizations" });
  if (index >= indexOf("organizations")) {
    for (const organization of wizard.selectedOrganizations) {
      if ((wizard.projects[organization] ?? { status: "idle" }).status === "idle") loads.push({ kind: "projects", organization });
    }
  }
  const subscriptions = new Set<string>();
  const wantsAzure =
    (wizard.step === "identity" && wizard.identity.choice === "managedIdentity") ||
    (wizard.step === "connections" && wizard.connections.some((draft) => draft.type === "azureRm"));
  if (wantsAzure && wizard.subscriptions.status === "idle") loads.push({ kind: "subscriptions" });
  if (wizard.step === "identity" && wizard.identity.choice === "managedIdentity" && wizard.identity.subscription !== "") {
    subscriptions.add(wizard.identity.subscription);
    const locations = wizard.locations[wizard.identity.subscription];
    if (!locations || locations.status === "idle") loads.push({ kind: "locations", subscription: wizard.identity.subscription });
  }
  if (wizard.step === "connections") {
    for (const draft of wizard.connections) {
      if (draft.type === "azureRm" && draft.subscription !== "") subscriptions.add(draft.subscription);
    }
  }
  for (const subscription of subscriptions) {
    const groups = wizard.resourceGroups[subscription];
    if (!groups || groups.status === "idle") loads.push({ kind: "resourceGroups", subscription });
  }
  if (wizard.step === "review" && isOpen(wizard, "review")) {
    const key = setupKey(wizard);
    if (wizard.plan === null || wizard.plan.setupKey !== key || wizard.plan.result.status === "idle") loads.push({ kind: "plan", setupKey: key, setup: setupInput(wizard) });
  }
  return loads;
}

/** A stable name for a load, so the same request is never in flight twice. */
export function loadKey(load: Load): string {
  switch (load.kind) {
    case "plan":
      return `plan:${load.setupKey}`;
    case "migrationPlan":
      return `migrationPlan:${load.requestKey}`;
    case "nameCheck":
      return `nameCheck:${load.connectionId}:${load.key}`;
    default:
      return `${load.kind}:${JSON.stringify(Object.values(load).slice(1))}`;
  }
}
