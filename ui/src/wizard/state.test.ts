// Tests of the wizard reducer: session, steps, sign-in, pickers, drafts, loads and runs, without a DOM.
import { describe, expect, it } from "vitest";

import type { IpcError } from "../ipc/bindings";
import { AZURE_SIGNED_IN, DEMO_SIGNED_IN, DEMO_SIGNED_OUT, IDENTITIES } from "../ipc/memoryWorld";
import { completedRun, connectionFilled, contosoSelected, play, reviewing, signedIn, signedOut } from "./fixtures";
import type { Wizard, WizardState } from "./model";
import { initialState, reduce } from "./state";

const unavailable: IpcError = { code: "unavailable", message: "The demo cloud did not answer.", help: "Try again." };

function ready(state: WizardState): Wizard {
  if (state.phase !== "ready") throw new Error(`not ready: ${state.phase}`);
  return state;
}

describe("session", () => {
  it("starts loading on the Welcome step", () => {
    expect(initialState()).toEqual({ phase: "loading", step: "welcome" });
  });

  it("becomes ready with the session the backend reported, the demo chosen while signed out", () => {
    const wizard = signedOut();
    expect(wizard.session).toEqual(DEMO_SIGNED_OUT);
    expect(wizard.cloud).toBe("demo");
    expect(wizard.signInForm.method).toBe("deviceCode");
  });

  it("chooses Azure and the browser for someone already signed in to Azure", () => {
    const wizard = ready(reduce(initialState(), { type: "sessionLoaded", session: AZURE_SIGNED_IN }));
    expect(wizard.cloud).toBe("azure");
    expect(wizard.signInForm.method).toBe("browser");
  });

  it("keeps the error and retries by loading again, and ignores Try again otherwise", () => {
    const failed = reduce(initialState(), { type: "sessionFailed", error: unavailable });
    expect(failed).toEqual({ phase: "failed", step: "welcome", error: unavailable });
    expect(reduce(failed, { type: "retryRequested" })).toEqual({ phase: "loading", step: "welcome" });
    const wizard = signedOut();
    expect(reduce(wizard, { type: "retryRequested" })).toBe(wizard);
  });

  it("forgets what another account loaded, and keeps it for the same account", () => {
    const selected = contosoSelected();
    expect(ready(reduce(selected, { type: "signedIn", session: DEMO_SIGNED_IN })).selectedOrganizations).toEqual(["contoso"]);
    const other = { ...DEMO_SIGNED_IN, account: { ...DEMO_SIGNED_IN.account!, userPrincipalName: "alex.wilber@contoso.com" } };
    const switched = ready(reduce(selected, { type: "signedIn", session: other }));
    expect(switched.selectedOrganizations).toEqual([]);
    expect(switched.organizations).toEqual({ status: "idle" });
  });
});

describe("steps", () => {
  it("refuses a locked step and the current one (same object, no re-render)", () => {
    const wizard = signedOut();
    expect(reduce(wizard, { type: "stepSelected", step: "review" })).toBe(wizard);
    expect(reduce(wizard, { type: "stepSelected", step: "welcome" })).toBe(wizard);
  });

  it("records the furthest step reached", () => {
    const wizard = contosoSelected();
    const back = ready(reduce(wizard, { type: "stepSelected", step: "welcome" }));
    expect(back.step).toBe("welcome");
    expect(back.furthest).toBe(2);
  });

  it("suggests identity names from the first organization until the user types one", () => {
    const identity = ready(reduce(contosoSelected(), { type: "stepSelected", step: "identity" }));
    expect(identity.identity.appName).toBe("kl-contoso-deployer");
    expect(identity.identity.managedName).toBe("id-kl-contoso-deployer");
    const typed = ready(play(identity, { type: "identityChanged", patch: { appName: "kl-mine" } }, { type: "stepSelected", step: "organizations" }, { type: "stepSelected", step: "identity" }));
    expect(typed.identity.appName).toBe("kl-mine");
  });

  it("starts the Connections step with one draft in the first project the identity joins", () => {
    const wizard = connectionFilled();
    expect(wizard.connections).toHaveLength(1);
    expect(wizard.connections[0]).toMatchObject({ organization: "contoso", project: "Shop", type: "azureRm", role: "Reader", scopeKind: "resourceGroup" });
  });
});

describe("cloud and sign-in", () => {
  it("switches clouds and moves on to Sign in", () => {
    const wizard = ready(play(signedOut(), { type: "cloudChosen", cloud: "azure" }, { type: "cloudSwitchStarted" }));
    expect(wizard.cloudSwitch.status).toBe("switching");
    const switched = ready(reduce(wizard, { type: "cloudSwitched", session: { cloud: { name: "AzureCloud", isDemo: false }, account: null } }));
    expect(switched.step).toBe("signIn");
    expect(switched.signInForm.method).toBe("browser");
    expect(switched.cloudSwitch.status).toBe("idle");
  });

  it("shows the device code while waiting and the account once signed in", () => {
    const prompt = { kind: "deviceCode", userCode: "ABCD", verificationUri: "https://microsoft.com/devicelogin", message: "Type ABCD" } as const;
    const waiting = ready(play(signedOut(), { type: "signInStarted" }, { type: "signInPrompted", prompt }));
    expect(waiting.signIn).toEqual({ status: "waiting", method: "deviceCode", prompt });
    const done = ready(reduce(waiting, { type: "signedIn", session: DEMO_SIGNED_IN }));
    expect(done.signIn.status).toBe("idle");
    expect(done.session.account?.displayName).toBe("Megan Bowen");
  });

  it("ignores the failure that a cancelled sign-in ends with", () => {
    const cancelled = play(signedOut(), { type: "signInStarted" }, { type: "signInCancelled" });
    const after = ready(reduce(cancelled, { type: "signInFailed", error: { ...unavailable, code: "cancelled" } }));
    expect(after.signIn.status).toBe("idle");
    const failed = ready(play(signedOut(), { type: "signInStarted" }, { type: "signInFailed", error: unavailable }));
    expect(failed.signIn).toEqual({ status: "failed", method: "deviceCode", error: unavailable });
  });

  it("goes back to Sign in after signing out", () => {
    const out = ready(reduce(contosoSelected(), { type: "signedOut", session: DEMO_SIGNED_OUT }));
    expect(out.step).toBe("signIn");
    expect(out.selectedOrganizations).toEqual([]);
  });
});

describe("drafts", () => {
  it("toggles organizations and gives each Basic access by default", () => {
    const wizard = contosoSelected();
    expect(wizard.access.contoso?.accessLevel).toBe("basic");
    const both = ready(reduce(wizard, { type: "organizationToggled", organization: "contoso-platform" }));
    expect(both.selectedOrganizations).toEqual(["contoso", "contoso-platform"]);
    expect(ready(reduce(both, { type: "organizationToggled", organization: "contoso" })).selectedOrganizations).toEqual(["contoso-platform"]);
  });

  it("adds and removes project groups, dropping a project without groups", () => {
    const once = ready(reduce(contosoSelected(), { type: "projectGroupToggled", organization: "contoso", project: "Shop", group: "readers" }));
    expect(once.access.contoso?.projects).toEqual({ Shop: ["readers"] });
    const custom = ready(reduce(once, { type: "projectGroupToggled", organization: "contoso", project: "Shop", group: { custom: "Deployers" } }));
    expect(custom.access.contoso?.projects.Shop).toEqual(["readers", { custom: "Deployers" }]);
    const none = ready(play(custom, { type: "projectGroupToggled", organization: "contoso", project: "Shop", group: "readers" }, { type: "projectGroupToggled", organization: "contoso", project: "Shop", group: { custom: "Deployers" } }));
    expect(none.access.contoso?.projects).toEqual({});
  });

  it("clears what depends on a changed subscription, organization or project", () => {
    const wizard = connectionFilled();
    const id = wizard.connections[0]!.id;
    const otherSubscription = ready(reduce(wizard, { type: "connectionChanged", id, patch: { subscription: "1a2b3c4d-5e6f-4789-8abc-def012345678" } }));
    expect(otherSubscription.connections[0]?.resourceGroup).toBe("");
    const otherProject = ready(reduce(wizard, { type: "connectionChanged", id, patch: { project: "Payments" } }));
    expect(otherProject.connections[0]?.pipelines).toEqual([]);
    const otherOrganization = ready(reduce(wizard, { type: "connectionChanged", id, patch: { organization: "contoso-platform" } }));
    expect(otherOrganization.connections[0]).toMatchObject({ project: "", pipelines: [] });
  });

  it("picks the resource group's region for a new managed identity when it supports federated credentials", () => {
    const wizard = ready(
      play(
        contosoSelected(),
        { type: "stepSelected", step: "identity" },
        { type: "identityChanged", patch: { choice: "managedIdentity", subscription: "s" } },
        { type: "loadSucceeded", load: { kind: "resourceGroups", subscription: "s" }, value: [{ name: "rg-nz", location: "newzealandnorth" }, { name: "rg-we", location: "westeurope" }] },
        {
          type: "loadSucceeded",
          load: { kind: "locations", subscription: "s" },
          value: [
            { name: "westeurope", displayName: "West Europe", supportsFederatedCredentials: true },
            { name: "newzealandnorth", displayName: "New Zealand North", supportsFederatedCredentials: false },
          ],
        },
      ),
    );
    expect(ready(reduce(wizard, { type: "identityChanged", patch: { resourceGroup: "rg-nz" } })).identity.location).toBe("");
    expect(ready(reduce(wizard, { type: "identityChanged", patch: { resourceGroup: "rg-we" } })).identity.location).toBe("westeurope");
    expect(ready(reduce(wizard, { type: "identityChanged", patch: { subscription: "t" } })).identity).toMatchObject({ resourceGroup: "", location: "" });
  });

  it("adds and removes connections with fresh ids", () => {
    const two = ready(reduce(connectionFilled(), { type: "connectionAdded" }));
    expect(two.connections.map((draft) => draft.id)).toEqual([1, 2]);
    expect(ready(reduce(two, { type: "connectionRemoved", id: 1 })).connections.map((draft) => draft.id)).toEqual([2]);
  });
});

describe("loads", () => {
  it("files loading, answers and errors, and Retry makes a load idle again", () => {
    const loading = ready(reduce(signedIn(), { type: "loadStarted", load: { kind: "organizations" } }));
    expect(loading.organizations).toEqual({ status: "loading" });
    const failed = ready(reduce(loading, { type: "loadFailed", load: { kind: "organizations" }, error: unavailable }));
    expect(failed.organizations).toEqual({ status: "failed", error: unavailable });
    expect(ready(reduce(failed, { type: "loadRetried", load: { kind: "organizations" } })).organizations).toEqual({ status: "idle" });
  });

  it("drops identity results for an older query", () => {
    const wizard = ready(play(signedIn(), { type: "loadStarted", load: { kind: "identities", query: "sh" } }, { type: "loadStarted", load: { kind: "identities", query: "shop" } }));
    const stale = reduce(wizard, { type: "loadSucceeded", load: { kind: "identities", query: "sh" }, value: IDENTITIES });
    expect(stale).toBe(wizard);
    const fresh = ready(reduce(wizard, { type: "loadSucceeded", load: { kind: "identities", query: "shop" }, value: IDENTITIES.slice(0, 1) }));
    expect(fresh.identitySearch.result).toEqual({ status: "loaded", value: IDENTITIES.slice(0, 1) });
  });

  it("drops a name check for a name the field no longer holds", () => {
    const wizard = connectionFilled();
    const id = wizard.connections[0]!.id;
    const typed = ready(play(wizard, { type: "loadStarted", load: { kind: "nameCheck", connectionId: id, key: "contoso/Shop/sc-new" } }));
    const late = ready(reduce(typed, { type: "loadSucceeded", load: { kind: "nameCheck", connectionId: id, key: "contoso/Shop/sc-old" }, value: { ok: false, problem: "taken", help: null } }));
    expect(late.connections[0]?.nameCheck).toEqual({ key: "contoso/Shop/sc-new", result: { status: "loading" } });
  });

  it("drops a plan made for another setup", () => {
    const { wizard } = reviewing();
    const other = reduce(wizard, { type: "loadFailed", load: { kind: "plan", setupKey: "{}", setup: { identity: { kind: "existing" }, organizations: [], connections: [] } }, error: unavailable });
    expect(other).toBe(wizard);
  });
});

describe("runs", () => {
  it("lays out every plan step as pending, folds progress in, and ends with the RunView", () => {
    const { wizard, plan } = reviewing();
    const started = ready(
      play(
        wizard,
        { type: "runStarted", kind: "apply", at: 1000, setupKey: "k", steps: plan.steps.map(({ id, title }) => ({ id, title })) },
        { type: "stepSelected", step: "apply" },
        { type: "runProgressed", kind: "apply", at: 1000, event: { event: "runStarted", runId: "run-0001", totalSteps: plan.steps.length, resumed: false } },
        { type: "runProgressed", kind: "apply", at: 1100, event: { event: "stepStarted", stepId: "identity/0", title: "Create app registration" } },
      ),
    );
    expect(started.step).toBe("apply");
    expect(started.appliedSetupKey).toBe("k");
    const apply = started.runs.apply;
    if (apply.status !== "running") throw new Error("not running");
    expect(apply.progress.steps).toHaveLength(plan.steps.length);
    expect(apply.progress.steps[0]).toMatchObject({ state: "running", startedAt: 1100 });
    const cancelling = ready(reduce(started, { type: "cancelRequested" }));
    expect(cancelling.runs.apply).toMatchObject({ status: "running", cancelling: true });
    const ended = ready(reduce(started, { type: "runEnded", kind: "apply", run: completedRun(plan) }));
    expect(ended.runs.apply.status).toBe("finished");
    expect(ended.lastRun?.runId).toBe("run-0001");
  });

  it("asks before undoing, and forgets the question when dismissed", () => {
    const { wizard } = reviewing();
    const confirming = ready(reduce(wizard, { type: "undoConfirmRequested" }));
    expect(confirming.runs.undo).toEqual({ status: "confirming" });
    expect(ready(reduce(confirming, { type: "undoDismissed" })).runs.undo).toEqual({ status: "idle" });
  });

  it("starts another setup on Organizations, keeping the session and what was listed", () => {
    const { wizard, plan } = reviewing();
    const next = ready(play(wizard, { type: "runEnded", kind: "apply", run: completedRun(plan) }, { type: "newSetupRequested" }));
    expect(next.step).toBe("organizations");
    expect(next.connections).toEqual([]);
    expect(next.lastRun).toBeNull();
    expect(next.organizations.status).toBe("loaded");
    expect(next.session).toEqual(DEMO_SIGNED_IN);
  });
});
