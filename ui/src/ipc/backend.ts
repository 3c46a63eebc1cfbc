// The Backend interface the UI talks to (one method per desktop command), and the error every call rejects with.
import type {
  ChooseCloud,
  ConnectionNameRequest,
  DiagnoseRequest,
  DiagnosisView,
  FixPlanView,
  FixRequest,
  FixRunView,
  PastedLogRequest,
  PastedLogView,
  IdentitySearchRequest,
  IdentityView,
  InventoryRequest,
  InventoryView,
  IpcError,
  IpcErrorCode,
  LocationView,
  MigrationPlanView,
  MigrationProgressView,
  MigrationRequest,
  MigrationRunRequest,
  MigrationRunSummaryView,
  MigrationRunView,
  NameCheck,
  OrganizationList,
  OrganizationRequest,
  PlanView,
  ProgressView,
  ProjectView,
  ResourceGroupView,
  RunRequest,
  RunSummaryView,
  RunView,
  SessionStatus,
  SetupRequest,
  SignInEvent,
  SignInRequest,
  SubscriptionRequest,
  SubscriptionView,
} from "./bindings";

/** Everything the UI can ask of Keyless. One method per desktop command. */
export interface Backend {
  /** The cloud Keyless talks to and the signed-in account, if any. */
  sessionStatus(): Promise<SessionStatus>;
  /** Switches between Azure and the built-in demo cloud; whoever was signed in is signed out. */
  chooseCloud(request: ChooseCloud): Promise<SessionStatus>;
  /** Signs in; `onEvent` receives what the user must do meanwhile (a device code, "continue in the browser"). */
  signIn(request: SignInRequest, onEvent: (event: SignInEvent) => void): Promise<SessionStatus>;
  /** Stops a sign-in in progress; the pending `signIn` then rejects. */
  cancelSignIn(): Promise<void>;
  signOut(): Promise<SessionStatus>;
  listOrganizations(): Promise<OrganizationList>;
  listProjects(request: OrganizationRequest): Promise<ProjectView[]>;
  listSubscriptions(): Promise<SubscriptionView[]>;
  listResourceGroups(request: SubscriptionRequest): Promise<ResourceGroupView[]>;
  listLocations(request: SubscriptionRequest): Promise<LocationView[]>;
  searchIdentities(request: IdentitySearchRequest): Promise<IdentityView[]>;
  checkConnectionName(request: ConnectionNameRequest): Promise<NameCheck>;
  /** What applying the setup would change; changes nothing. */
  planSetup(request: SetupRequest): Promise<PlanView>;
  /** Applies the setup, resuming an unfinished run of the same setup; streams progress. */
  applySetup(request: SetupRequest, onProgress: (event: ProgressView) => void): Promise<RunView>;
  /** Stops the run after the step in progress; the run stays resumable. */
  cancelApply(): Promise<void>;
  /** Removes what the run created, newest first. */
  rollbackRun(request: RunRequest, onProgress: (event: ProgressView) => void): Promise<RunView>;
  /** Completes draft connections once the identity's owner added the credentials. */
  finishRun(request: RunRequest, onProgress: (event: ProgressView) => void): Promise<RunView>;
  listRuns(): Promise<RunSummaryView[]>;
  /** Every service connection of the organizations, classified by what migrating it takes; changes nothing. */
  takeInventory(request: InventoryRequest): Promise<InventoryView>;
  /** What migrating the chosen connections would do, wave by wave; changes nothing. */
  planMigration(request: MigrationRequest): Promise<MigrationPlanView>;
  /** Migrates the chosen connections wave by wave, resuming an unfinished migration of the same choice; streams progress. */
  applyMigration(request: MigrationRequest, onProgress: (event: MigrationProgressView) => void): Promise<MigrationRunView>;
  /** Puts the run's converted connections back on their secrets, within Azure DevOps' 7-day window. */
  revertMigration(request: MigrationRunRequest, onProgress: (event: MigrationProgressView) => void): Promise<MigrationRunView>;
  /** The migrations recorded on this machine, newest first. */
  migrationRuns(): Promise<MigrationRunSummaryView[]>;
  /** Finds and explains broken connections in the target against live state; changes nothing. */
  diagnose(request: DiagnoseRequest): Promise<DiagnosisView>;
  /** Explains each failure a pasted pipeline log mentions; live for the connections it names when signed in. */
  diagnosePastedLog(request: PastedLogRequest): Promise<PastedLogView>;
  /** The run that would repair one connection, planned against what exists now; changes nothing. */
  planFix(request: FixRequest): Promise<FixPlanView>;
  /** Repairs one connection as a run (undo with `rollbackRun`), then diagnoses it again; streams progress. */
  applyFix(request: FixRequest, onProgress: (event: ProgressView) => void): Promise<FixRunView>;
}

/** A failed backend call; `error` is what the desktop command returned. */
export class BackendError extends Error {
  readonly error: IpcError;

  constructor(error: IpcError) {
    super(error.message);
    this.name = "BackendError";
    this.error = error;
  }
}

/** Every code the desktop commands send; `satisfies` makes a new code in the bindings fail to compile here. */
const ERROR_CODES = {
  invalidInput: true,
  signInRequired: true,
  forbidden: true,
  unavailable: true,
  network: true,
  service: true,
  internal: true,
  cancelled: true,
  notFound: true,
  busy: true,
  handOffPending: true,
} satisfies Record<IpcErrorCode, true>;

/** True when `value` has the shape of an `IpcError` sent by a desktop command. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.code === "string" &&
    Object.hasOwn(ERROR_CODES, candidate.code) &&
    typeof candidate.message === "string" &&
    typeof candidate.help === "string"
  );
}

/** Turns anything a call threw into an `IpcError` the UI can show. */
export function toIpcError(thrown: unknown): IpcError {
  if (thrown instanceof BackendError) return thrown.error;
  if (isIpcError(thrown)) return thrown;
  const detail = thrown instanceof Error ? thrown.message : String(thrown);
  return {
    code: "internal",
    message: `Keyless could not reach its own backend: ${detail}`,
    help: "Restart Keyless. If this keeps happening, report it with the details below.",
  };
}
