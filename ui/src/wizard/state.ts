// The wizard's state machine: one pure reducer over the WizardState union; every screen sends it events.
import type {
  AccessLevelInput,
  IpcError,
  ProgressView,
  ProjectGroupInput,
  RunView,
  SessionStatus,
  SignInEvent,
} from "../ipc/bindings";
import { EMPTY_DIAGNOSE } from "../diagnose/model";
import { type DiagnoseEvent, isDiagnoseEvent, reduceDiagnose } from "../diagnose/state";
import { EMPTY_MIGRATE } from "../migrate/model";
import { type MigrateEvent, isMigrateEvent, reduceMigrate, withInventory, withMigrationPlan } from "../migrate/state";
import {
  type CloudChoice,
  type ConnectionDraft,
  EMPTY_IDENTITY,
  IDLE,
  type IdentityDraft,
  type Load,
  type LoadOutcome,
  type Path,
  type Remote,
  type RunKind,
  type SignInForm,
  type StepId,
  type Wizard,
  type WizardState,
} from "./model";
import { advance, progressFor } from "./progress";
import { indexOf, isOpen } from "./selectors";

export type WizardEvent =
  | { type: "sessionLoaded"; session: SessionStatus }
  | { type: "sessionFailed"; error: IpcError }
  | { type: "retryRequested" }
  | { type: "stepSelected"; step: StepId }
  | { type: "cloudChosen"; cloud: CloudChoice }
  | { type: "cloudSwitchStarted" }
  | { type: "cloudSwitched"; session: SessionStatus }
  | { type: "cloudSwitchFailed"; error: IpcError }
  | { type: "signInFormChanged"; patch: Partial<SignInForm> }
  | { type: "signInStarted" }
  | { type: "signInPrompted"; prompt: SignInEvent }
  | { type: "signedIn"; session: SessionStatus }
  | { type: "signInFailed"; error: IpcError }
  | { type: "signInCancelled" }
  | { type: "signedOut"; session: SessionStatus }
  | { type: "loadStarted"; load: Load }
  | ({ type: "loadSucceeded" } & LoadOutcome)
  | { type: "loadFailed"; load: Load; error: IpcError }
  | { type: "loadRetried"; load: Load }
  | { type: "organizationQueryChanged"; query: string }
  | { type: "organizationToggled"; organization: string }
  | { type: "identityChanged"; patch: Partial<IdentityDraft> }
  | { type: "accessLevelChanged"; organization: string; accessLevel: AccessLevelInput }
  | { type: "projectGroupToggled"; organization: string; project: string; group: ProjectGroupInput }
  | { type: "connectionAdded" }
  | { type: "connectionChanged"; id: number; patch: Partial<ConnectionDraft> }
  | { type: "connectionRemoved"; id: number }
  | { type: "runStarted"; kind: RunKind; at: number; setupKey?: string; steps?: { id: string; title: string }[] }
  | { type: "runProgressed"; kind: RunKind; event: ProgressView; at: number }
  | { type: "runEnded"; kind: RunKind; run: RunView }
  | { type: "runFailed"; kind: RunKind; error: IpcError }
  | { type: "cancelRequested" }
  | { type: "undoConfirmRequested" }
  | { type: "undoDismissed" }
  | { type: "newSetupRequested" }
  | { type: "pathChosen"; path: Path }
  | MigrateEvent
  | DiagnoseEvent;

export function initialState(): WizardState {
  return { phase: "loading", step: "welcome" };
}

/** A wizard that has just learnt its session: nothing chosen yet, nothing loaded. */
export function freshWizard(step: StepId, session: SessionStatus): Wizard {
  return {
    phase: "ready",
    path: "setup",
    step,
    furthest: indexOf(step),
    session,
    // The demo is the default until someone signs in to Azure.
    cloud: session.cloud.isDemo || session.account === null ? "demo" : "azure",
    cloudSwitch: IDLE,
    signInForm: { method: session.cloud.isDemo ? "deviceCode" : "browser", tenant: "", remember: false },
    signIn: IDLE,
    ...emptyDirectory(),
    identity: EMPTY_IDENTITY,
    identitySearch: { query: "", result: IDLE },
    access: {},
    connections: [],
    nextConnectionId: 1,
    plan: null,
    appliedSetupKey: null,
    runs: { apply: IDLE, undo: IDLE, finish: IDLE },
    lastRun: null,
    journal: IDLE,
    migrate: EMPTY_MIGRATE,
    diagnose: EMPTY_DIAGNOSE,
  };
}

function emptyDirectory() {
  return {
    organizations: IDLE,
    organizationQuery: "",
    selectedOrganizations: [],
    projects: {},
    subscriptions: IDLE,
    resourceGroups: {},
    locations: {},
  } satisfies Partial<Wizard>;
}

function sameSession(left: SessionStatus, right: SessionStatus): boolean {
  return (
    left.cloud.name === right.cloud.name &&
    left.cloud.isDemo === right.cloud.isDemo &&
    left.account?.userPrincipalName === right.account?.userPrincipalName &&
    left.account?.tenantId === right.account?.tenantId
  );
}

/** Another account or cloud sees other organizations and identities: forget what the old one loaded. */
function withSession(wizard: Wizard, session: SessionStatus): Wizard {
  if (sameSession(wizard.session, session)) return { ...wizard, session };
  return {
    ...wizard,
    session,
    ...emptyDirectory(),
    identity: EMPTY_IDENTITY,
    identitySearch: { query: "", result: IDLE },
    access: {},
    connections: [],
    plan: null,
    journal: IDLE,
    migrate: EMPTY_MIGRATE,
    diagnose: EMPTY_DIAGNOSE,
  };
}

function newConnection(wizard: Wizard): ConnectionDraft {
  const organization = wizard.selectedOrganizations[0] ?? "";
  const project = Object.keys(wizard.access[organization]?.projects ?? {})[0] ?? "";
  return {
    id: wizard.nextConnectionId,
    name: "",
    organization,
    project,
    type: "azureRm",
    targetOrganization: "",
    scopeKind: "resourceGroup",
    subscription: "",
    resourceGroup: "",
    managementGroup: "",
    role: "Reader",
    description: "",
    shareWith: [],
    pipelines: [],
    allPipelines: false,
    nameCheck: { key: "", result: IDLE },
  };
}

function addConnection(wizard: Wizard): Wizard {
  return {
    ...wizard,
    connections: [...wizard.connections, newConnection(wizard)],
    nextConnectionId: wizard.nextConnectionId + 1,
  };
}

/** Entering a step for the first time fills in sensible defaults the user can change. */
function enter(wizard: Wizard, step: StepId): Wizard {
  const entered = { ...wizard, step, furthest: Math.max(wizard.furthest, indexOf(step)) };
  const first = wizard.selectedOrganizations[0] ?? "contoso";
  if (step === "identity" && !wizard.identity.nameEdited) {
    return {
      ...entered,
      identity: { ...wizard.identity, appName: `kl-${first}-deployer`, managedName: `id-kl-${first}-deployer` },
    };
  }
  if (step === "connections" && wizard.connections.length === 0) return addConnection(entered);
  return entered;
}

function changeIdentity(wizard: Wizard, patch: Partial<IdentityDraft>): Wizard {
  const identity = { ...wizard.identity, ...patch };
  if ("appName" in patch || "managedName" in patch) identity.nameEdited = true;
  if (patch.subscription !== undefined && patch.subscription !== wizard.identity.subscription) {
    // Another subscription has other resource groups; keep only what this same change chose.
    identity.resourceGroup = patch.resourceGroup ?? "";
    identity.location = patch.location ?? "";
  }
  if (patch.resourceGroup && identity.location === "") {
    // A new identity usually lives where its resource group lives.
    const groups = wizard.resourceGroups[identity.subscription];
    const group = groups?.status === "loaded" ? groups.value.find((candidate) => candidate.name === patch.resourceGroup) : undefined;
    const locations = wizard.locations[identity.subscription];
    const supported =
      locations?.status === "loaded" &&
      locations.value.some((location) => location.name === group?.location && location.supportsFederatedCredentials);
    if (group && supported) identity.location = group.location;
  }
  return { ...wizard, identity };
}

function changeConnection(draft: ConnectionDraft, patch: Partial<ConnectionDraft>): ConnectionDraft {
  const next = { ...draft, ...patch };
  if (patch.organization !== undefined && patch.organization !== draft.organization) {
    next.project = patch.project ?? "";
    next.targetOrganization = "";
  }
  if (next.project !== draft.project || next.organization !== draft.organization) {
    next.pipelines = [];
    next.shareWith = [];
  }
  if (patch.subscription !== undefined && patch.subscription !== draft.subscription) next.resourceGroup = "";
  return next;
}

function toggleGroup(wizard: Wizard, organization: string, project: string, group: ProjectGroupInput): Wizard {
  const access = wizard.access[organization] ?? { accessLevel: "basic", projects: {} };
  const groups = access.projects[project] ?? [];
  const same = (other: ProjectGroupInput) => JSON.stringify(other) === JSON.stringify(group);
  const nextGroups = groups.some(same) ? groups.filter((other) => !same(other)) : [...groups, group];
  const projects = { ...access.projects };
  if (nextGroups.length === 0) delete projects[project];
  else projects[project] = nextGroups;
  return { ...wizard, access: { ...wizard.access, [organization]: { ...access, projects } } };
}

/** Files a load's remote state (loading, answer or error) where the screens read it. */
function fileLoad<T>(wizard: Wizard, load: Load, remote: Remote<T>): Wizard {
  const value = remote as Remote<never>;
  switch (load.kind) {
    case "organizations":
      return { ...wizard, organizations: value };
    case "projects":
      return { ...wizard, projects: { ...wizard.projects, [load.organization]: value } };
    case "subscriptions":
      return { ...wizard, subscriptions: value };
    case "resourceGroups":
      return { ...wizard, resourceGroups: { ...wizard.resourceGroups, [load.subscription]: value } };
    case "locations":
      return { ...wizard, locations: { ...wizard.locations, [load.subscription]: value } };
    case "runs":
      return { ...wizard, journal: value };
    case "inventory":
      return {
        ...wizard,
        migrate: value.status === "loaded" ? withInventory(wizard.migrate, value.value) : { ...wizard.migrate, inventory: value },
      };
    case "migrationPlan":
      return { ...wizard, migrate: withMigrationPlan(wizard.migrate, load.requestKey, value) };
    case "identities":
      // An answer to an older query than the one in the box is dropped.
      if (remote.status !== "loading" && wizard.identitySearch.query !== load.query) return wizard;
      return { ...wizard, identitySearch: { query: load.query, result: value } };
    case "plan":
      if (remote.status !== "loading" && wizard.plan?.setupKey !== load.setupKey) return wizard;
      return { ...wizard, plan: { setupKey: load.setupKey, result: value } };
    case "nameCheck":
      return {
        ...wizard,
        connections: wizard.connections.map((draft) =>
          draft.id === load.connectionId && (remote.status === "loading" || draft.nameCheck.key === load.key)
            ? { ...draft, nameCheck: { key: load.key, result: value } }
            : draft,
        ),
      };
  }
}

function reduceRun(wizard: Wizard, event: Extract<WizardEvent, { kind: RunKind }>): Wizard {
  const current = wizard.runs[event.kind];
  const runs = (state: Wizard["runs"][RunKind]) => ({ ...wizard.runs, [event.kind]: state });
  switch (event.type) {
    case "runStarted": {
      const previous = current.status === "running" || current.status === "finished" || current.status === "failed" ? current.progress : null;
      const progress = event.steps ? progressFor(event.steps) : (previous ?? progressFor([]));
      const started: Wizard = { ...wizard, runs: runs({ status: "running", progress, cancelling: false }) };
      if (event.kind !== "apply") return started;
      // A new attempt of the setup makes earlier undo and finish results stale.
      return {
        ...started,
        appliedSetupKey: event.setupKey ?? wizard.appliedSetupKey,
        runs: { apply: { status: "running", progress, cancelling: false }, undo: IDLE, finish: IDLE },
      };
    }
    case "runProgressed":
      if (current.status !== "running") return wizard;
      return { ...wizard, runs: runs({ ...current, progress: advance(current.progress, event.event, event.at) }) };
    case "runEnded": {
      const progress = current.status === "running" ? current.progress : progressFor([]);
      return { ...wizard, runs: runs({ status: "finished", progress, run: event.run }), lastRun: event.run };
    }
    case "runFailed": {
      const progress = current.status === "running" ? current.progress : progressFor([]);
      return { ...wizard, runs: runs({ status: "failed", progress, error: event.error }) };
    }
  }
}

export function reduce(state: WizardState, event: WizardEvent): WizardState {
  switch (event.type) {
    case "sessionLoaded":
      return state.phase === "ready" ? withSession(state, event.session) : freshWizard(state.step, event.session);
    case "sessionFailed":
      return { phase: "failed", step: state.step, error: event.error };
    case "retryRequested":
      return state.phase === "failed" ? { phase: "loading", step: state.step } : state;
    case "stepSelected":
      // Selecting a locked step, or the current one, changes nothing (same object, no re-render).
      if (event.step === state.step || !isOpen(state, event.step)) return state;
      return state.phase === "ready" ? enter(state, event.step) : { ...state, step: event.step };
  }
  if (state.phase !== "ready") return state;
  return reduceReady(state, event);
}

function reduceReady(wizard: Wizard, event: WizardEvent): Wizard {
  if (isMigrateEvent(event)) return { ...wizard, migrate: reduceMigrate(wizard.migrate, event) };
  if (isDiagnoseEvent(event)) return { ...wizard, diagnose: reduceDiagnose(wizard.diagnose, event) };
  switch (event.type) {
    case "cloudChosen":
      return { ...wizard, cloud: event.cloud, cloudSwitch: IDLE };
    case "cloudSwitchStarted":
      return { ...wizard, cloudSwitch: { status: "switching" } };
    case "cloudSwitched": {
      const switched = withSession({ ...wizard, cloudSwitch: IDLE, signIn: IDLE }, event.session);
      const method = event.session.cloud.isDemo ? "deviceCode" : "browser";
      return enter({ ...switched, signInForm: { ...switched.signInForm, method } }, "signIn");
    }
    case "cloudSwitchFailed":
      return { ...wizard, cloudSwitch: { status: "failed", error: event.error } };
    case "signInFormChanged":
      return { ...wizard, signInForm: { ...wizard.signInForm, ...event.patch } };
    case "signInStarted":
      return { ...wizard, signIn: { status: "waiting", method: wizard.signInForm.method, prompt: null } };
    case "signInPrompted":
      return wizard.signIn.status === "waiting" ? { ...wizard, signIn: { ...wizard.signIn, prompt: event.prompt } } : wizard;
    case "signedIn":
      return { ...withSession(wizard, event.session), signIn: IDLE };
    case "signInFailed":
      // A failure that arrives after Cancel is the cancellation itself: nothing to show.
      return wizard.signIn.status === "waiting"
        ? { ...wizard, signIn: { status: "failed", method: wizard.signIn.method, error: event.error } }
        : wizard;
    case "signInCancelled":
      return { ...wizard, signIn: IDLE };
    case "signedOut":
      return { ...withSession(wizard, event.session), signIn: IDLE, step: "signIn", furthest: indexOf("signIn") };
    case "loadStarted":
      return fileLoad(wizard, event.load, { status: "loading" });
    case "loadSucceeded":
      return fileLoad(wizard, event.load, { status: "loaded", value: event.value });
    case "loadFailed":
      return fileLoad(wizard, event.load, { status: "failed", error: event.error });
    case "loadRetried":
      return fileLoad(wizard, event.load, IDLE);
    case "organizationQueryChanged":
      return { ...wizard, organizationQuery: event.query };
    case "organizationToggled": {
      const selected = wizard.selectedOrganizations.includes(event.organization)
        ? wizard.selectedOrganizations.filter((name) => name !== event.organization)
        : [...wizard.selectedOrganizations, event.organization];
      const access = wizard.access[event.organization]
        ? wizard.access
        : { ...wizard.access, [event.organization]: { accessLevel: "basic" as const, projects: {} } };
      return { ...wizard, selectedOrganizations: selected, access };
    }
    case "identityChanged":
      return changeIdentity(wizard, event.patch);
    case "accessLevelChanged": {
      const access = wizard.access[event.organization] ?? { accessLevel: "basic", projects: {} };
      return { ...wizard, access: { ...wizard.access, [event.organization]: { ...access, accessLevel: event.accessLevel } } };
    }
    case "projectGroupToggled":
      return toggleGroup(wizard, event.organization, event.project, event.group);
    case "connectionAdded":
      return addConnection(wizard);
    case "connectionChanged":
      return {
        ...wizard,
        connections: wizard.connections.map((draft) => (draft.id === event.id ? changeConnection(draft, event.patch) : draft)),
      };
    case "connectionRemoved":
      return { ...wizard, connections: wizard.connections.filter((draft) => draft.id !== event.id) };
    case "runStarted":
    case "runProgressed":
    case "runEnded":
    case "runFailed":
      return reduceRun(wizard, event);
    case "cancelRequested": {
      const apply = wizard.runs.apply;
      return apply.status === "running" ? { ...wizard, runs: { ...wizard.runs, apply: { ...apply, cancelling: true } } } : wizard;
    }
    case "undoConfirmRequested":
      return wizard.runs.undo.status === "running" ? wizard : { ...wizard, runs: { ...wizard.runs, undo: { status: "confirming" } } };
    case "undoDismissed":
      return wizard.runs.undo.status === "confirming" ? { ...wizard, runs: { ...wizard.runs, undo: IDLE } } : wizard;
    case "newSetupRequested": {
      const fresh = freshWizard("organizations", wizard.session);
      return { ...fresh, organizations: wizard.organizations, projects: wizard.projects, subscriptions: wizard.subscriptions };
    }
    case "pathChosen":
      // The other path's later steps are not reached yet, whatever this one reached.
      if (event.path === wizard.path) return wizard;
      return { ...wizard, path: event.path, furthest: Math.min(wizard.furthest, indexOf("signIn")) };
    case "sessionLoaded":
    case "sessionFailed":
    case "retryRequested":
    case "stepSelected":
      return wizard;
  }
}
