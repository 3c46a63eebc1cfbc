// An in-memory Backend over a small Contoso world, for unit tests and running the UI in a plain browser (npm run dev).
import { type Backend, BackendError } from "./backend";
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
  RunStatusView,
  RunSummaryView,
  RunView,
  SessionStatus,
  SetupInput,
  SetupRequest,
  SignInEvent,
  SignInRequest,
  StepOutcomeView,
  SubscriptionRequest,
  SubscriptionView,
} from "./bindings";
import { MemoryDoctor } from "./memoryDoctor";
import { inventoryAt } from "./memoryInventory";
import { type MemoryMigration, migrationPlanFor, migrationRunView, runMigration } from "./memoryMigration";
import { connectionKey, connectionReport, existingIdentity, handOffFor, planFor, projectExists } from "./memoryPlanner";
import {
  AZURE_SIGNED_IN,
  AZURE_SIGNED_OUT,
  DEMO_SIGNED_IN,
  DEMO_SIGNED_OUT,
  EXISTING_CONNECTIONS,
  FABRIKAM_TENANT,
  IDENTITIES,
  LOCATIONS,
  ORGANIZATIONS,
  PROJECTS,
  RESOURCE_GROUPS,
  SUBSCRIPTIONS,
} from "./memoryWorld";

export { AZURE_SIGNED_IN, DEMO_ACCOUNT, DEMO_SIGNED_IN, DEMO_SIGNED_OUT } from "./memoryWorld";

/** What the in-memory backend answers; every delay is 0 unless the scenario says otherwise. */
export interface MemoryScenario {
  session: SessionStatus;
  /** Every call rejects with this. */
  failure?: IpcError;
  /** How long a sign-in waits for the (imaginary) user, and the pause before each apply step. */
  signInDelayMs?: number;
  stepDelayMs?: number;
  /** The first step whose id starts with this fails once; applying again resumes and succeeds. */
  failStepOnce?: string;
  organizations?: "all" | "partial" | "empty";
  /** `partial`: one organization cannot be read; `empty`: no connections anywhere. */
  inventory?: "all" | "partial" | "empty";
  /** How long taking the inventory takes. */
  inventoryDelayMs?: number;
  /** The first migration step whose id starts with this fails once; migrating again resumes and succeeds. */
  failMigrationStepOnce?: string;
}

interface Run {
  runId: string;
  setup: SetupInput;
  plan: PlanView;
  started: string;
  status: RunStatusView;
  done: Map<string, StepOutcomeView>;
  /** Why the last attempt stopped, when it did not finish. */
  stopReason: IpcError | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const SIGN_IN_CANCELLED: IpcError = {
  code: "cancelled",
  message: "The sign-in was cancelled.",
  help: "Choose a sign-in method to try again.",
};

export class MemoryBackend implements Backend {
  private scenario: MemoryScenario;
  private session: SessionStatus;
  private signInCancelled = false;
  private applyCancelled = false;
  private readonly runs: Run[] = [];
  private failedOnce = false;
  private readonly migrations: MemoryMigration[] = [];
  private migrationFailedOnce = false;
  private readonly doctor = new MemoryDoctor();

  constructor(scenario: MemoryScenario = { session: DEMO_SIGNED_OUT }) {
    this.scenario = scenario;
    this.session = scenario.session;
  }

  private answer<T>(value: T): Promise<T> {
    if (this.scenario.failure) return Promise.reject(new BackendError(this.scenario.failure));
    return Promise.resolve(structuredClone(value));
  }

  private requireAccount(): void {
    if (this.session.account === null) {
      throw new BackendError({ code: "signInRequired", message: "Nobody is signed in.", help: "Sign in on the Sign in step." });
    }
  }

  async sessionStatus(): Promise<SessionStatus> {
    return this.answer(this.session);
  }

  async chooseCloud(request: ChooseCloud): Promise<SessionStatus> {
    this.session = request.demo ? DEMO_SIGNED_OUT : AZURE_SIGNED_OUT;
    return this.answer(this.session);
  }

  async signIn(request: SignInRequest, onEvent: (event: SignInEvent) => void): Promise<SessionStatus> {
    if (this.scenario.failure) throw new BackendError(this.scenario.failure);
    this.signInCancelled = false;
    if (request.method === "deviceCode") {
      onEvent({
        kind: "deviceCode",
        userCode: "KLDEMO42",
        verificationUri: "https://microsoft.com/devicelogin",
        message: "To sign in, open https://microsoft.com/devicelogin and enter the code KLDEMO42.",
      });
    } else if (request.method === "browser") {
      onEvent({ kind: "browserOpened" });
    }
    await sleep(this.scenario.signInDelayMs ?? 0);
    if (this.signInCancelled) throw new BackendError(SIGN_IN_CANCELLED);
    this.session = this.session.cloud.isDemo ? DEMO_SIGNED_IN : AZURE_SIGNED_IN;
    return this.answer(this.session);
  }

  async cancelSignIn(): Promise<void> {
    this.signInCancelled = true;
  }

  async signOut(): Promise<SessionStatus> {
    this.session = { ...this.session, account: null };
    return this.answer(this.session);
  }

  async listOrganizations(): Promise<OrganizationList> {
    this.requireAccount();
    switch (this.scenario.organizations ?? "all") {
      case "empty":
        return this.answer({ organizations: [], failed: [] });
      case "partial":
        return this.answer({
          organizations: ORGANIZATIONS.filter((organization) => organization.name !== "fabrikam-shared"),
          failed: [
            {
              kind: "tenant",
              tenantId: FABRIKAM_TENANT,
              home: false,
              message: "Azure DevOps did not answer for tenant Fabrikam (503). Its organizations are missing from this list.",
            },
          ],
        });
      case "all":
        return this.answer({ organizations: ORGANIZATIONS, failed: [] });
    }
  }

  async listProjects(request: OrganizationRequest): Promise<ProjectView[]> {
    this.requireAccount();
    const projects = PROJECTS[request.organization];
    if (!projects) {
      throw new BackendError({
        code: "forbidden",
        message: `Azure DevOps refused to list the projects of ${request.organization} (401).`,
        help: `Ask a Project Collection Administrator of ${request.organization} to add your account.`,
      });
    }
    return this.answer(projects);
  }

  async listSubscriptions(): Promise<SubscriptionView[]> {
    this.requireAccount();
    return this.answer(SUBSCRIPTIONS);
  }

  async listResourceGroups(request: SubscriptionRequest): Promise<ResourceGroupView[]> {
    this.requireAccount();
    return this.answer(RESOURCE_GROUPS[request.subscription] ?? []);
  }

  async listLocations(request: SubscriptionRequest): Promise<LocationView[]> {
    void request;
    this.requireAccount();
    return this.answer(LOCATIONS);
  }

  async searchIdentities(request: IdentitySearchRequest): Promise<IdentityView[]> {
    this.requireAccount();
    const query = request.query.trim().toLowerCase();
    return this.answer(IDENTITIES.filter((identity) => identity.displayName.toLowerCase().startsWith(query)));
  }

  async checkConnectionName(request: ConnectionNameRequest): Promise<NameCheck> {
    this.requireAccount();
    const name = request.name.trim();
    if (name === "") return this.answer({ ok: false, problem: "A connection needs a name.", help: "Type a name, e.g. sc-shop-prod." });
    if (name.length > 256) {
      return this.answer({ ok: false, problem: "The name is longer than 256 characters.", help: "Shorten the name." });
    }
    if (!projectExists(request.organization, request.project)) {
      return this.answer({
        ok: false,
        problem: `${request.organization} / ${request.project} was not found.`,
        help: "Choose the project again.",
      });
    }
    const key = connectionKey(request).toLowerCase();
    if (EXISTING_CONNECTIONS.some((known) => known.toLowerCase() === key)) {
      return this.answer({
        ok: false,
        problem: `${request.project} already has a service connection named ${name}.`,
        help: "Choose another name, or manage the existing connection in Azure DevOps.",
      });
    }
    return this.answer({ ok: true, problem: null, help: null });
  }

  async planSetup(request: SetupRequest): Promise<PlanView> {
    this.requireAccount();
    if (this.scenario.failure) throw new BackendError(this.scenario.failure);
    return structuredClone(planFor(request.setup));
  }

  async applySetup(request: SetupRequest, onProgress: (event: ProgressView) => void): Promise<RunView> {
    this.requireAccount();
    const plan = planFor(request.setup);
    const setupKey = JSON.stringify(request.setup);
    let run = this.runs.find((candidate) => JSON.stringify(candidate.setup) === setupKey && candidate.status !== "rolledBack");
    const resumed = run !== undefined;
    if (!run) {
      run = {
        runId: `run-${String(this.runs.length + 1).padStart(4, "0")}`,
        setup: structuredClone(request.setup),
        plan,
        started: new Date(0).toISOString(),
        status: "running",
        done: new Map(),
        stopReason: null,
      };
      this.runs.push(run);
    }
    this.applyCancelled = false;
    return this.execute(run, resumed, onProgress);
  }

  private async execute(run: Run, resumed: boolean, onProgress: (event: ProgressView) => void): Promise<RunView> {
    const steps = run.plan.steps;
    const handOff = existingIdentity(run.setup)?.canWrite === false;
    onProgress({ event: "runStarted", runId: run.runId, totalSteps: steps.length, resumed });
    let failed = 0;
    for (const step of steps) {
      if (run.done.has(step.id)) {
        onProgress({ event: "stepFinished", stepId: step.id, outcome: "alreadyDone", detail: "Done by an earlier attempt", elapsedMs: 0 });
        continue;
      }
      if (this.applyCancelled) break;
      onProgress({ event: "stepStarted", stepId: step.id, title: step.title });
      await sleep(this.scenario.stepDelayMs ?? 0);
      onProgress({ event: "request", stepId: step.id, method: "POST", url: `https://demo.invalid/${step.id}`, status: 201 });
      if (step.id.startsWith("sp/") || step.id.startsWith("verify/")) {
        onProgress({
          event: "stepWaiting",
          stepId: step.id,
          wait: step.id.startsWith("sp/") ? "servicePrincipalInEntra" : "federatedCredential",
          code: step.id.startsWith("sp/") ? "Request_ResourceNotFound" : "AADSTS700213",
          attempt: 1,
          waitMs: 2000,
        });
        await sleep(this.scenario.stepDelayMs ?? 0);
      }
      const failOnce = this.scenario.failStepOnce;
      if (failOnce && !this.failedOnce && step.id.startsWith(failOnce)) {
        this.failedOnce = true;
        onProgress({
          event: "stepFailed",
          stepId: step.id,
          code: "service",
          message: "Entra ID has not seen the new federated credential yet.",
          help: "Wait a minute, then choose Retry: Keyless resumes where it stopped.",
        });
        failed = 1;
        break;
      }
      const outcome: StepOutcomeView =
        step.action === "verify"
          ? handOff
            ? "handedOff"
            : "verified"
          : step.id.startsWith("fic/") && handOff
            ? "handedOff"
            : step.action === "reuse"
              ? "reused"
              : "created";
      run.done.set(step.id, outcome);
      onProgress({ event: "stepFinished", stepId: step.id, outcome, detail: "", elapsedMs: (this.scenario.stepDelayMs ?? 0) + 120 });
    }
    const done = run.done.size;
    const remaining = steps.length - done - failed;
    run.status = failed > 0 || remaining > 0 ? "failed" : handOff ? "waitingForHandOff" : "completed";
    run.stopReason =
      failed > 0
        ? { code: "service", message: "A step failed; see it in the list.", help: "Choose Retry: Keyless resumes where it stopped." }
        : remaining > 0
          ? { code: "cancelled", message: "You stopped the run.", help: "Apply the same setup again to resume it." }
          : null;
    onProgress({ event: "runFinished", runId: run.runId, succeeded: run.status !== "failed", done, failed, remaining });
    return structuredClone(this.view(run));
  }

  private view(run: Run): RunView {
    const handOff = existingIdentity(run.setup)?.canWrite === false;
    const connections = run.setup.connections.map((connection, index) =>
      connectionReport(connection, index, run.status === "completed"),
    );
    const handOffs = handOff ? connections.map((connection) => handOffFor(run.setup, connection)) : [];
    const steps = run.plan.steps.map((step) => ({
      id: step.id,
      title: step.title,
      outcome: run.done.get(step.id) ?? null,
      detail: "",
    }));
    const markdown = [
      `# Keyless run ${run.runId}`,
      "",
      `Status: ${run.status}`,
      "",
      ...steps.map((step) => `- ${step.outcome ?? "not run"}: ${step.title}`),
    ].join("\n");
    return {
      runId: run.runId,
      status: run.status,
      error: run.status === "failed" ? run.stopReason : null,
      report: { steps, connections, handOffs, markdown, json: JSON.stringify({ runId: run.runId, status: run.status, steps }, null, 2) },
    };
  }

  async cancelApply(): Promise<void> {
    this.applyCancelled = true;
  }

  async rollbackRun(request: RunRequest, onProgress: (event: ProgressView) => void): Promise<RunView> {
    if (this.doctor.owns(request.runId)) return this.doctor.undo(request.runId, onProgress, () => sleep(this.scenario.stepDelayMs ?? 0));
    const run = this.findRun(request.runId);
    const created = run.plan.steps.filter((step) => run.done.get(step.id) === "created").reverse();
    onProgress({ event: "runStarted", runId: run.runId, totalSteps: created.length, resumed: false });
    for (const step of created) {
      const stepId = `undo/${step.id}`;
      onProgress({ event: "stepStarted", stepId, title: `Undo: ${step.title}` });
      await sleep(this.scenario.stepDelayMs ?? 0);
      onProgress({ event: "stepFinished", stepId, outcome: "updated", detail: "Removed", elapsedMs: 90 });
    }
    run.done.clear();
    run.status = "rolledBack";
    onProgress({ event: "runFinished", runId: run.runId, succeeded: true, done: created.length, failed: 0, remaining: 0 });
    return structuredClone(this.view(run));
  }

  async finishRun(request: RunRequest, onProgress: (event: ProgressView) => void): Promise<RunView> {
    const run = this.findRun(request.runId);
    const waiting = run.plan.steps.filter((step) => run.done.get(step.id) === "handedOff");
    onProgress({ event: "runStarted", runId: run.runId, totalSteps: waiting.length, resumed: true });
    for (const step of waiting) {
      onProgress({ event: "stepStarted", stepId: step.id, title: step.title });
      await sleep(this.scenario.stepDelayMs ?? 0);
      const outcome: StepOutcomeView = step.action === "verify" ? "verified" : "created";
      run.done.set(step.id, outcome);
      onProgress({ event: "stepFinished", stepId: step.id, outcome, detail: "", elapsedMs: 80 });
    }
    run.status = "completed";
    onProgress({ event: "runFinished", runId: run.runId, succeeded: true, done: waiting.length, failed: 0, remaining: 0 });
    return structuredClone(this.view(run));
  }

  async listRuns(): Promise<RunSummaryView[]> {
    return this.answer(
      this.runs.map((run) => ({
        runId: run.runId,
        started: run.started,
        status: run.status,
        stepsDone: run.done.size,
        created: [...run.done.values()].filter((outcome) => outcome === "created").length,
      })),
    );
  }

  async takeInventory(request: InventoryRequest): Promise<InventoryView> {
    this.requireAccount();
    await sleep(this.scenario.inventoryDelayMs ?? 0);
    const estate = inventoryAt(Date.now());
    const wanted = request.organizations ?? null;
    const connections = estate.connections.filter((connection) => wanted === null || wanted.includes(connection.organization));
    switch (this.scenario.inventory ?? "all") {
      case "empty":
        return this.answer({ ...estate, connections: [] });
      case "partial":
        return this.answer({
          ...estate,
          connections: connections.filter((connection) => connection.organization !== "contoso-platform"),
          unread: [
            {
              kind: "organization",
              name: "contoso-platform",
              message: "Azure DevOps did not answer for contoso-platform (503 Service Unavailable).",
            },
          ],
        });
      case "all":
        return this.answer({ ...estate, connections });
    }
  }

  async planMigration(request: MigrationRequest): Promise<MigrationPlanView> {
    this.requireAccount();
    return this.answer(this.migrationPlan(request));
  }

  private migrationPlan(request: MigrationRequest): MigrationPlanView {
    try {
      return migrationPlanFor(inventoryAt(Date.now()).connections, request);
    } catch {
      throw new BackendError({
        code: "notFound",
        message: "A chosen connection was not found in the organizations this account reaches.",
        help: "It was deleted or moved since the inventory was taken: take the inventory again and choose anew.",
      });
    }
  }

  async applyMigration(request: MigrationRequest, onProgress: (event: MigrationProgressView) => void): Promise<MigrationRunView> {
    this.requireAccount();
    if (this.scenario.failure) throw new BackendError(this.scenario.failure);
    const requestKey = JSON.stringify(request.connections);
    let migration = this.migrations.find((candidate) => candidate.requestKey === requestKey && candidate.status === "failed");
    if (!migration) {
      migration = {
        runId: `migration-${String(this.migrations.length + 1).padStart(4, "0")}`,
        requestKey,
        plan: this.migrationPlan(request),
        started: new Date().toISOString(),
        done: new Set(),
        status: "running",
      };
      this.migrations.push(migration);
    }
    const failOnce = this.scenario.failMigrationStepOnce ?? null;
    const fail = failOnce !== null && !this.migrationFailedOnce ? failOnce : null;
    if (fail !== null) this.migrationFailedOnce = true;
    return structuredClone(await runMigration(migration, onProgress, () => sleep(this.scenario.stepDelayMs ?? 0), fail));
  }

  async revertMigration(request: MigrationRunRequest, onProgress: (event: MigrationProgressView) => void): Promise<MigrationRunView> {
    this.requireAccount();
    const migration = this.migrations.find((candidate) => candidate.runId === request.runId);
    if (!migration) {
      throw new BackendError({ code: "notFound", message: `There is no migration ${request.runId} on this machine.`, help: "Choose a migration from the list." });
    }
    onProgress({ wave: null, progress: { event: "runStarted", runId: migration.runId, totalSteps: migration.done.size, resumed: false } });
    for (const id of migration.done) {
      await sleep(this.scenario.stepDelayMs ?? 0);
      const entry = migration.plan.entries.find((candidate) => candidate.id === id);
      const stepId = `revert/${id}`;
      onProgress({ wave: entry?.wave ?? null, progress: { event: "stepStarted", stepId, title: `Put ${entry?.name ?? id} back on its secret` } });
      onProgress({ wave: entry?.wave ?? null, progress: { event: "stepFinished", stepId, outcome: "updated", detail: "", elapsedMs: 80 } });
    }
    migration.status = "reverted";
    onProgress({ wave: null, progress: { event: "runFinished", runId: migration.runId, succeeded: true, done: migration.done.size, failed: 0, remaining: 0 } });
    return structuredClone(migrationRunView(migration, null));
  }

  async migrationRuns(): Promise<MigrationRunSummaryView[]> {
    return this.answer(
      this.migrations.map((migration) => {
        const view = migrationRunView(migration, null);
        return { runId: migration.runId, started: migration.started, status: migration.status, connections: migration.done.size, revertUntil: view.revertUntil };
      }),
    );
  }

  async diagnose(request: DiagnoseRequest): Promise<DiagnosisView> {
    this.requireAccount();
    await sleep(this.scenario.inventoryDelayMs ?? 0);
    return this.answer(this.doctor.diagnose(request.target));
  }

  async diagnosePastedLog(request: PastedLogRequest): Promise<PastedLogView> {
    return this.answer(this.doctor.pastedLog(request.text, this.session.account !== null));
  }

  async planFix(request: FixRequest): Promise<FixPlanView> {
    this.requireAccount();
    return this.answer(this.doctor.planFix(request));
  }

  async applyFix(request: FixRequest, onProgress: (event: ProgressView) => void): Promise<FixRunView> {
    this.requireAccount();
    if (this.scenario.failure) throw new BackendError(this.scenario.failure);
    return structuredClone(await this.doctor.applyFix(request, onProgress, () => sleep(this.scenario.stepDelayMs ?? 0)));
  }

  private findRun(runId: string): Run {
    const run = this.runs.find((candidate) => candidate.runId === runId);
    if (!run) {
      throw new BackendError({ code: "invalidInput", message: `There is no run ${runId} on this machine.`, help: "Choose a run from the list." });
    }
    return run;
  }
}

const BACKEND_UNAVAILABLE: IpcError = {
  code: "unavailable",
  message: "The demo cloud did not answer.",
  help: "Wait a few seconds and choose Try again.",
  requestId: "demo-0000-request",
};

/**
 * Picks a scenario from the page's query string, so a plain browser (and the browser tests) can
 * show each state: `session=signed-in|azure|failed`, `orgs=partial|empty`, `apply=fail-once`.
 * Sign-in and apply take a little time in a browser, so their progress is visible.
 */
export function scenarioFromQuery(search: string): MemoryScenario {
  const query = new URLSearchParams(search);
  const scenario: MemoryScenario = { session: DEMO_SIGNED_OUT, signInDelayMs: 1500, stepDelayMs: 250 };
  switch (query.get("session")) {
    case "signed-in":
      scenario.session = DEMO_SIGNED_IN;
      break;
    case "azure":
      scenario.session = AZURE_SIGNED_IN;
      break;
    case "failed":
      scenario.failure = BACKEND_UNAVAILABLE;
      break;
  }
  const organizations = query.get("orgs");
  if (organizations === "partial" || organizations === "empty") scenario.organizations = organizations;
  const inventory = query.get("inventory");
  if (inventory === "partial" || inventory === "empty") scenario.inventory = inventory;
  if (query.get("apply") === "fail-once") scenario.failStepOnce = "fic/";
  if (query.get("migrate") === "fail-once") scenario.failMigrationStepOnce = "verify/";
  return scenario;
}
