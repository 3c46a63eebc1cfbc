// The wizard's side effects: each command calls the backend and reports what happened to the reducer as events.
import { type Backend, toIpcError } from "../ipc/backend";
import { createDiagnoseCommands } from "../diagnose/commands";
import { createMigrateCommands } from "../migrate/commands";
import type { ProgressView, RunView } from "../ipc/bindings";
import type { Load, LoadOutcome, RunKind, Wizard } from "./model";
import { currentPlan, setupInput, setupKey } from "./selectors";
import type { WizardEvent } from "./state";

export type Dispatch = (event: WizardEvent) => void;

/** Answers one load; the caller has already checked it is wanted. */
async function fetchLoad(backend: Backend, load: Load): Promise<LoadOutcome> {
  switch (load.kind) {
    case "organizations":
      return { load, value: await backend.listOrganizations() };
    case "projects":
      return { load, value: await backend.listProjects({ organization: load.organization }) };
    case "subscriptions":
      return { load, value: await backend.listSubscriptions() };
    case "resourceGroups":
      return { load, value: await backend.listResourceGroups({ subscription: load.subscription }) };
    case "locations":
      return { load, value: await backend.listLocations({ subscription: load.subscription }) };
    case "identities":
      return { load, value: await backend.searchIdentities({ query: load.query }) };
    case "nameCheck": {
      const [organization = "", project = "", ...rest] = load.key.split("/");
      return { load, value: await backend.checkConnectionName({ organization, project, name: rest.join("/") }) };
    }
    case "plan":
      return { load, value: await backend.planSetup({ setup: load.setup }) };
    case "runs":
      return { load, value: await backend.listRuns() };
    case "inventory":
      return { load, value: await backend.takeInventory({}) };
    case "migrationPlan":
      return { load, value: await backend.planMigration(load.request) };
  }
}

export function createCommands(backend: Backend, dispatch: Dispatch, now: () => number = Date.now) {
  async function load(request: Load): Promise<void> {
    dispatch({ type: "loadStarted", load: request });
    try {
      const outcome = await fetchLoad(backend, request);
      dispatch({ type: "loadSucceeded", ...outcome });
    } catch (thrown) {
      dispatch({ type: "loadFailed", load: request, error: toIpcError(thrown) });
    }
  }

  /** Runs an apply, undo or finish, streaming its progress into the reducer. */
  async function run(kind: RunKind, start: (onProgress: (event: ProgressView) => void) => Promise<RunView>): Promise<void> {
    try {
      const result = await start((event) => dispatch({ type: "runProgressed", kind, event, at: now() }));
      dispatch({ type: "runEnded", kind, run: result });
    } catch (thrown) {
      dispatch({ type: "runFailed", kind, error: toIpcError(thrown) });
    }
  }

  return {
    load,
    ...createMigrateCommands(backend, dispatch, now),
    ...createDiagnoseCommands(backend, dispatch, now),

    async loadSession(): Promise<void> {
      try {
        dispatch({ type: "sessionLoaded", session: await backend.sessionStatus() });
      } catch (thrown) {
        dispatch({ type: "sessionFailed", error: toIpcError(thrown) });
      }
    },

    async chooseCloud(wizard: Wizard): Promise<void> {
      dispatch({ type: "cloudSwitchStarted" });
      try {
        dispatch({ type: "cloudSwitched", session: await backend.chooseCloud({ demo: wizard.cloud === "demo" }) });
      } catch (thrown) {
        dispatch({ type: "cloudSwitchFailed", error: toIpcError(thrown) });
      }
    },

    async signIn(wizard: Wizard): Promise<void> {
      const form = wizard.signInForm;
      dispatch({ type: "signInStarted" });
      try {
        const tenant = form.tenant.trim();
        const session = await backend.signIn(
          { method: form.method, remember: form.remember, ...(tenant ? { tenant } : {}) },
          (prompt) => dispatch({ type: "signInPrompted", prompt }),
        );
        dispatch({ type: "signedIn", session });
      } catch (thrown) {
        dispatch({ type: "signInFailed", error: toIpcError(thrown) });
      }
    },

    async cancelSignIn(): Promise<void> {
      // The reducer forgets the attempt at once; the pending sign-in's rejection is then ignored.
      dispatch({ type: "signInCancelled" });
      await backend.cancelSignIn().catch(() => undefined);
    },

    async signOut(): Promise<void> {
      try {
        dispatch({ type: "signedOut", session: await backend.signOut() });
      } catch (thrown) {
        dispatch({ type: "signInFailed", error: toIpcError(thrown) });
      }
    },

    async apply(wizard: Wizard): Promise<void> {
      const plan = currentPlan(wizard);
      const setup = setupInput(wizard);
      dispatch({
        type: "runStarted",
        kind: "apply",
        at: now(),
        setupKey: setupKey(wizard),
        ...(plan ? { steps: plan.steps.map(({ id, title }) => ({ id, title })) } : {}),
      });
      dispatch({ type: "stepSelected", step: "apply" });
      await run("apply", (onProgress) => backend.applySetup({ setup }, onProgress));
    },

    async cancelApply(): Promise<void> {
      dispatch({ type: "cancelRequested" });
      await backend.cancelApply().catch(() => undefined);
    },

    async undo(runId: string): Promise<void> {
      dispatch({ type: "runStarted", kind: "undo", at: now(), steps: [] });
      await run("undo", (onProgress) => backend.rollbackRun({ runId }, onProgress));
    },

    async finish(runId: string): Promise<void> {
      dispatch({ type: "runStarted", kind: "finish", at: now(), steps: [] });
      await run("finish", (onProgress) => backend.finishRun({ runId }, onProgress));
    },
  };
}

export type Commands = ReturnType<typeof createCommands>;
