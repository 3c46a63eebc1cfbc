// The wizard's data types: the step list, what each step collects (drafts), remote data and run progress.
import type {
  AccessLevelInput,
  ConnectionTypeInput,
  IdentityView,
  InventoryView,
  IpcError,
  LocationView,
  MigrationPlanView,
  MigrationRequest,
  NameCheck,
  OrganizationList,
  PlanView,
  ProgressView,
  ProjectGroupInput,
  ProjectView,
  ResourceGroupView,
  RunSummaryView,
  RunView,
  SessionStatus,
  SetupInput,
  SignInEvent,
  SignInMethodView,
  StepOutcomeView,
  SubscriptionView,
  WhenFullInput,
} from "../ipc/bindings";
import type { DiagnoseState } from "../diagnose/model";
import type { MigrateState } from "../migrate/model";

/** What the user came to do: set up new connections, or migrate the ones the estate has. */
export type Path = "setup" | "migrate" | "diagnose";

/** The setup path's steps in the order the left rail lists them. */
export const STEPS = [
  { id: "welcome", title: "Welcome" },
  { id: "signIn", title: "Sign in" },
  { id: "organizations", title: "Organizations" },
  { id: "identity", title: "Identity" },
  { id: "access", title: "Access" },
  { id: "connections", title: "Connections" },
  { id: "review", title: "Review" },
  { id: "apply", title: "Apply" },
  { id: "done", title: "Done" },
] as const;

/** The migrate path's steps; Welcome and Sign in are the same screens as on the setup path. */
export const MIGRATE_STEPS = [
  { id: "welcome", title: "Welcome" },
  { id: "signIn", title: "Sign in" },
  { id: "inventory", title: "Inventory" },
  { id: "migrationPlan", title: "Plan" },
  { id: "migrationApply", title: "Migrate" },
  { id: "migrationReport", title: "Report" },
] as const;

/** The diagnose path's steps; Welcome and Sign in are the same screens as on the setup path. */
export const DIAGNOSE_STEPS = [
  { id: "welcome", title: "Welcome" },
  { id: "signIn", title: "Sign in" },
  { id: "diagnoseScope", title: "Diagnose" },
  { id: "diagnoseFindings", title: "Findings" },
  { id: "diagnoseFix", title: "Fix" },
] as const;

export type StepId =
  | (typeof STEPS)[number]["id"]
  | (typeof MIGRATE_STEPS)[number]["id"]
  | (typeof DIAGNOSE_STEPS)[number]["id"];

/** How the rail shows a step; never shown by colour alone. */
export type StepStatus = "current" | "done" | "available" | "attention" | "locked";

/** Data fetched from the backend. */
export type Remote<T> =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "loaded"; value: T }
  | { status: "failed"; error: IpcError };

export const IDLE = { status: "idle" } as const;

/** Every read the wizard makes, with what it answers; the reducer files each answer by its `load`. */
export type LoadOutcome =
  | { load: { kind: "organizations" }; value: OrganizationList }
  | { load: { kind: "projects"; organization: string }; value: ProjectView[] }
  | { load: { kind: "subscriptions" }; value: SubscriptionView[] }
  | { load: { kind: "resourceGroups"; subscription: string }; value: ResourceGroupView[] }
  | { load: { kind: "locations"; subscription: string }; value: LocationView[] }
  | { load: { kind: "identities"; query: string }; value: IdentityView[] }
  | { load: { kind: "nameCheck"; connectionId: number; key: string }; value: NameCheck }
  | { load: { kind: "plan"; setupKey: string; setup: SetupInput }; value: PlanView }
  | { load: { kind: "runs" }; value: RunSummaryView[] }
  | { load: { kind: "inventory" }; value: InventoryView }
  | { load: { kind: "migrationPlan"; requestKey: string; request: MigrationRequest }; value: MigrationPlanView };

export type Load = LoadOutcome["load"];

export type CloudChoice = "demo" | "azure";

export type CloudSwitch = { status: "idle" } | { status: "switching" } | { status: "failed"; error: IpcError };

export interface SignInForm {
  method: SignInMethodView;
  /** A tenant id or domain; empty means the account's home tenant. */
  tenant: string;
  remember: boolean;
}

export type SignInAttempt =
  | { status: "idle" }
  | { status: "waiting"; method: SignInMethodView; prompt: SignInEvent | null }
  | { status: "failed"; method: SignInMethodView; error: IpcError };

export type IdentityChoice = "appRegistration" | "managedIdentity" | "existing";

export interface IdentityDraft {
  choice: IdentityChoice;
  /** True once the user typed a name, so Keyless stops suggesting one. */
  nameEdited: boolean;
  appName: string;
  managedName: string;
  subscription: string;
  resourceGroup: string;
  location: string;
  existing: IdentityView | null;
  searchQuery: string;
  whenFull: WhenFullInput;
}

export interface OrganizationAccess {
  accessLevel: AccessLevelInput;
  /** Projects the identity joins, with the groups it joins there (never empty). */
  projects: Record<string, ProjectGroupInput[]>;
}

export type ScopeKind = "subscription" | "resourceGroup" | "managementGroup";

export interface ConnectionDraft {
  /** Local id, stable while the draft exists. */
  id: number;
  name: string;
  organization: string;
  project: string;
  type: ConnectionTypeInput;
  /** `azureDevops` only; empty means the owning organization. */
  targetOrganization: string;
  scopeKind: ScopeKind;
  subscription: string;
  resourceGroup: string;
  managementGroup: string;
  role: string;
  description: string;
  shareWith: string[];
  pipelines: string[];
  allPipelines: boolean;
  /** The live name check, for the "organization/project/name" it was asked about. */
  nameCheck: { key: string; result: Remote<NameCheck> };
}

export type StepRunState = "pending" | "running" | "waiting" | "done" | "failed";

export interface StepProgress {
  id: string;
  title: string;
  state: StepRunState;
  /** When the step started, in ms since the epoch (from the event that reported it). */
  startedAt: number | null;
  elapsedMs: number | null;
  outcome: StepOutcomeView | null;
  detail: string;
  wait: { reason: string; attempt: number; waitMs: number } | null;
  failure: { code: string; message: string; help: string } | null;
  requests: { method: string; url: string; status: number }[];
}

export interface RunProgress {
  runId: string | null;
  resumed: boolean;
  steps: StepProgress[];
  /** The engine's own totals, once the run finished. */
  totals: { done: number; failed: number; remaining: number } | null;
}

/** The three things that run steps: applying the setup, undoing a run, finishing hand-offs. */
export type RunKind = "apply" | "undo" | "finish";

export type RunState =
  | { status: "idle" }
  | { status: "confirming" }
  | { status: "running"; progress: RunProgress; cancelling: boolean }
  | { status: "finished"; progress: RunProgress; run: RunView }
  | { status: "failed"; progress: RunProgress; error: IpcError };

export interface Wizard {
  phase: "ready";
  path: Path;
  step: StepId;
  /** The furthest step reached, so the rail can say which earlier steps need attention. */
  furthest: number;
  session: SessionStatus;
  cloud: CloudChoice;
  cloudSwitch: CloudSwitch;
  signInForm: SignInForm;
  signIn: SignInAttempt;
  organizations: Remote<OrganizationList>;
  organizationQuery: string;
  selectedOrganizations: string[];
  projects: Record<string, Remote<ProjectView[]>>;
  subscriptions: Remote<SubscriptionView[]>;
  resourceGroups: Record<string, Remote<ResourceGroupView[]>>;
  locations: Record<string, Remote<LocationView[]>>;
  identity: IdentityDraft;
  identitySearch: { query: string; result: Remote<IdentityView[]> };
  access: Record<string, OrganizationAccess>;
  connections: ConnectionDraft[];
  nextConnectionId: number;
  plan: { setupKey: string; result: Remote<PlanView> } | null;
  /** The setup the current (or last) apply ran, so Retry applies exactly that. */
  appliedSetupKey: string | null;
  runs: Record<RunKind, RunState>;
  /** The newest RunView any run ended with; Done shows it. */
  lastRun: RunView | null;
  /** Unfinished runs on this machine, listed on Welcome. */
  journal: Remote<RunSummaryView[]>;
  /** The migrate path: the inventory, its table's filters and sort, and the connections chosen. */
  migrate: MigrateState;
  /** The diagnose path: what to diagnose, the findings, and the fixes with their undo. */
  diagnose: DiagnoseState;
}

export type WizardState =
  /** Asking the backend which cloud and account this session has. */
  | { phase: "loading"; step: StepId }
  /** The backend could not say; the panel shows the error and offers Try again. */
  | { phase: "failed"; step: StepId; error: IpcError }
  | Wizard;

export const EMPTY_IDENTITY: IdentityDraft = {
  choice: "appRegistration",
  nameEdited: false,
  appName: "",
  managedName: "",
  subscription: "",
  resourceGroup: "",
  location: "",
  existing: null,
  searchQuery: "",
  whenFull: "stop",
};

export function emptyProgress(): RunProgress {
  return { runId: null, resumed: false, steps: [], totals: null };
}

export type { ProgressView };
