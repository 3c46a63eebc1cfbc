// Tests of the selectors: the SetupInput the wizard derives, step problems and statuses, the footer's action, what to load.
import { describe, expect, it } from "vitest";

import { IDENTITIES } from "../ipc/memoryWorld";
import { PRODUCTION, completedRun, connectionFilled, contosoSelected, play, reviewing, signedIn, signedOut } from "./fixtures";
import { STEPS, type Wizard, type WizardState } from "./model";
import {
  backAllowed,
  connectionProblems,
  identityProblems,
  loadKey,
  nextStep,
  pendingLoads,
  primaryAction,
  setupInput,
  stepProblem,
  stepStatus,
  titleOf,
} from "./selectors";
import { initialState, reduce } from "./state";

function ready(state: WizardState): Wizard {
  if (state.phase !== "ready") throw new Error(`not ready: ${state.phase}`);
  return state;
}

const statuses = (state: WizardState) => STEPS.map((step) => stepStatus(state, step.id));

describe("setupInput", () => {
  it("describes the onboarding the E2E test walks through", () => {
    expect(setupInput(connectionFilled())).toEqual({
      identity: { kind: "appRegistration", name: "kl-contoso-deployer", whenFull: "stop" },
      organizations: [{ name: "contoso", accessLevel: "basic", projects: [{ name: "Shop", groups: ["readers"] }] }],
      connections: [
        {
          name: "sc-shop-prod",
          organization: "contoso",
          project: "Shop",
          type: "azureRm",
          scope: { subscription: PRODUCTION, resourceGroup: "rg-shop-prod" },
          role: "Reader",
          description: "",
          shareWith: [],
          pipelines: ["shop-deploy"],
          allPipelines: false,
        },
      ],
    });
  });

  it("sends no pipeline names with all pipelines, a management group alone, and a target organization only when it differs", () => {
    const wizard = connectionFilled();
    const id = wizard.connections[0]!.id;
    const all = ready(reduce(wizard, { type: "connectionChanged", id, patch: { allPipelines: true } }));
    expect(setupInput(all).connections[0]).toMatchObject({ pipelines: [], allPipelines: true });
    const group = ready(reduce(wizard, { type: "connectionChanged", id, patch: { scopeKind: "managementGroup", managementGroup: " mg-contoso " } }));
    expect(setupInput(group).connections[0]?.scope).toEqual({ managementGroup: "mg-contoso" });
    const devops = ready(reduce(wizard, { type: "connectionChanged", id, patch: { type: "azureDevops", targetOrganization: "contoso" } }));
    const input = setupInput(devops).connections[0]!;
    expect(input.scope).toBeUndefined();
    expect(input.role).toBeUndefined();
    expect(input.targetOrganization).toBeUndefined();
  });

  it("names an existing identity by its client id and a managed identity by its place", () => {
    const existing = ready(reduce(contosoSelected(), { type: "identityChanged", patch: { choice: "existing", existing: IDENTITIES[0]! } }));
    expect(setupInput(existing).identity).toEqual({ kind: "existing", clientId: IDENTITIES[0]!.clientId });
    const managed = ready(
      reduce(contosoSelected(), {
        type: "identityChanged",
        patch: { choice: "managedIdentity", managedName: "id-shop", subscription: PRODUCTION, resourceGroup: "rg-identities", location: "westeurope", whenFull: "newIdentity" },
      }),
    );
    expect(setupInput(managed).identity).toEqual({
      kind: "managedIdentity",
      name: "id-shop",
      subscription: PRODUCTION,
      resourceGroup: "rg-identities",
      location: "westeurope",
      whenFull: "newIdentity",
    });
  });
});

describe("validation", () => {
  it("refuses multitenant apps with the AADSTS70052 reason and asks to pick an identity", () => {
    const multitenant = IDENTITIES.find((identity) => identity.multitenant)!;
    const wizard = ready(reduce(contosoSelected(), { type: "identityChanged", patch: { choice: "existing", existing: multitenant } }));
    expect(identityProblems(wizard).existing).toContain("AADSTS70052");
    const none = ready(reduce(contosoSelected(), { type: "identityChanged", patch: { choice: "existing" } }));
    expect(identityProblems(none)).toEqual({ existing: "Search for the identity and select it." });
  });

  it("checks managed identity names and refuses regions without federated credentials", () => {
    const wizard = ready(
      play(
        contosoSelected(),
        { type: "identityChanged", patch: { choice: "managedIdentity", managedName: "x", subscription: "s", resourceGroup: "rg", location: "newzealandnorth" } },
        { type: "loadSucceeded", load: { kind: "locations", subscription: "s" }, value: [{ name: "newzealandnorth", displayName: "New Zealand North", supportsFederatedCredentials: false }] },
      ),
    );
    const problems = identityProblems(wizard);
    expect(problems.name).toMatch(/3 to 128/);
    expect(problems.location).toMatch(/New Zealand North does not support federated credentials/);
  });

  it("waits for the name check, then shows its problem", () => {
    const wizard = connectionFilled();
    const draft = wizard.connections[0]!;
    expect(connectionProblems(wizard, draft)).toEqual({});
    const renamed = ready(reduce(wizard, { type: "connectionChanged", id: draft.id, patch: { name: "shop-prod" } }));
    expect(connectionProblems(renamed, renamed.connections[0]!)).toEqual({ nameCheck: "Keyless is still checking the name." });
    const taken = ready(
      play(renamed, { type: "loadStarted", load: { kind: "nameCheck", connectionId: draft.id, key: "contoso/Shop/shop-prod" } }, {
        type: "loadSucceeded",
        load: { kind: "nameCheck", connectionId: draft.id, key: "contoso/Shop/shop-prod" },
        value: { ok: false, problem: "Shop already has a service connection named shop-prod.", help: "Choose another name." },
      }),
    );
    expect(connectionProblems(taken, taken.connections[0]!).name).toBe("Shop already has a service connection named shop-prod.");
  });

  it("asks for the scope's missing parts and a role", () => {
    const wizard = connectionFilled();
    const id = wizard.connections[0]!.id;
    const noGroup = ready(reduce(wizard, { type: "connectionChanged", id, patch: { resourceGroup: "", role: " " } }));
    expect(connectionProblems(noGroup, noGroup.connections[0]!)).toMatchObject({ resourceGroup: "Choose a resource group.", role: expect.stringMatching(/role/) });
  });

  it("refuses two connections with the same name in one project", () => {
    const wizard = connectionFilled();
    const two = ready(play(wizard, { type: "connectionAdded" }, { type: "connectionChanged", id: 2, patch: { name: "sc-shop-prod", project: "Shop" } }));
    expect(connectionProblems(two, two.connections[1]!).name).toMatch(/already called sc-shop-prod/);
    expect(stepProblem(two, "connections")).toMatch(/^sc-shop-prod: /);
  });
});

describe("step status", () => {
  it("opens only Welcome and Sign in before anyone signs in", () => {
    expect(statuses(signedOut())).toEqual(["current", "available", "locked", "locked", "locked", "locked", "locked", "locked", "locked"]);
    expect(statuses(initialState())).toEqual(["current", "locked", "locked", "locked", "locked", "locked", "locked", "locked", "locked"]);
  });

  it("flags the current step when the session check failed", () => {
    const failed = reduce(initialState(), { type: "sessionFailed", error: { code: "network", message: "m", help: "h" } });
    expect(stepStatus(failed, "welcome")).toBe("attention");
  });

  it("marks finished steps done and opens the next one as the user goes", () => {
    expect(statuses(connectionFilled())).toEqual(["done", "done", "done", "done", "done", "current", "available", "locked", "locked"]);
  });

  it("flags an earlier step that a later change broke", () => {
    const wizard = ready(play(connectionFilled(), { type: "stepSelected", step: "organizations" }, { type: "organizationToggled", organization: "contoso" }));
    expect(stepStatus(wizard, "organizations")).toBe("current");
    expect(stepStatus(wizard, "identity")).toBe("locked");
    const back = ready(play(connectionFilled(), { type: "stepSelected", step: "identity" }, { type: "identityChanged", patch: { appName: "" } }, { type: "stepSelected", step: "welcome" }));
    expect(stepStatus(back, "identity")).toBe("attention");
  });

  it("locks everything before Apply while a run is in progress", () => {
    const { wizard } = reviewing();
    const running = play(wizard, { type: "runStarted", kind: "apply", at: 0, steps: [] }, { type: "stepSelected", step: "apply" });
    expect(statuses(running)).toEqual(["locked", "locked", "locked", "locked", "locked", "locked", "locked", "current", "locked"]);
    expect(backAllowed(running)).toBe(false);
  });

  it("names steps in wizard order", () => {
    expect(STEPS.map((step) => step.title)).toEqual(["Welcome", "Sign in", "Organizations", "Identity", "Access", "Connections", "Review", "Apply", "Done"]);
    expect(nextStep("welcome")).toBe("signIn");
    expect(nextStep("done")).toBeNull();
    expect(titleOf("signIn")).toBe("Sign in");
  });
});

describe("primary action", () => {
  it("says what it does on every step", () => {
    expect(primaryAction(signedOut())).toMatchObject({ label: "Continue to sign in", command: "next", disabled: false });
    expect(primaryAction(reduce(signedOut(), { type: "cloudChosen", cloud: "azure" }))).toMatchObject({ label: "Use Azure", command: "chooseCloud" });
    const signIn = reduce(signedOut(), { type: "stepSelected", step: "signIn" });
    expect(primaryAction(signIn)).toMatchObject({ label: "Sign in with a device code", command: "signIn" });
    expect(primaryAction(reduce(signIn, { type: "signInStarted" }))).toMatchObject({ label: "Waiting for you to sign in…", disabled: true });
    expect(primaryAction(contosoSelected())).toMatchObject({ label: "Continue with 1 organization", disabled: false });
    expect(primaryAction(reduce(contosoSelected(), { type: "stepSelected", step: "identity" })).label).toBe("Choose access for kl-contoso-deployer");
    expect(primaryAction(connectionFilled()).label).toBe("Review the plan for 1 connection");
    const { wizard, plan } = reviewing();
    expect(primaryAction(wizard)).toMatchObject({ label: `Apply ${plan.counts.create + plan.counts.update} changes`, command: "apply" });
    const done = play(wizard, { type: "runEnded", kind: "apply", run: completedRun(plan) }, { type: "stepSelected", step: "done" });
    expect(primaryAction(done)).toMatchObject({ label: "Start another setup", command: "newSetup" });
  });

  it("says why it is disabled", () => {
    const none = reduce(contosoSelected(), { type: "organizationToggled", organization: "contoso" });
    expect(primaryAction(none)).toMatchObject({ disabled: true, note: "Select at least one organization." });
  });

  it("offers Retry after a failed step and Resume after a cancel", () => {
    const { wizard } = reviewing();
    const failedRun = play(
      wizard,
      { type: "runStarted", kind: "apply", at: 0, steps: [{ id: "a", title: "A" }] },
      { type: "stepSelected", step: "apply" },
      { type: "runProgressed", kind: "apply", at: 1, event: { event: "stepFailed", stepId: "a", code: "service", message: "m", help: "h" } },
      { type: "runEnded", kind: "apply", run: { ...completedRun(reviewing().plan, "failed"), error: { code: "service", message: "m", help: "h" } } },
    );
    expect(primaryAction(failedRun)).toMatchObject({ label: "Retry from the failed step", command: "apply" });
    expect(stepStatus(failedRun, "done")).toBe("locked");
    expect(stepStatus(failedRun, "apply")).toBe("current");
    const cancelled = play(
      wizard,
      { type: "runStarted", kind: "apply", at: 0, steps: [{ id: "a", title: "A" }] },
      { type: "stepSelected", step: "apply" },
      { type: "runEnded", kind: "apply", run: { ...completedRun(reviewing().plan, "failed"), error: { code: "cancelled", message: "m", help: "h" } } },
    );
    expect(primaryAction(cancelled)).toMatchObject({ label: "Resume the run", command: "apply" });
  });
});

describe("pendingLoads", () => {
  it("lists runs on Welcome, organizations and their projects once signed in, the plan on Review", () => {
    expect(pendingLoads(signedOut())).toEqual([{ kind: "runs" }]);
    const organizations = reduce(reduce(signedIn(), { type: "stepSelected", step: "signIn" }), { type: "stepSelected", step: "organizations" });
    expect(pendingLoads(organizations)).toEqual([{ kind: "organizations" }]);
    const selected = reduce(
      reduce(organizations, { type: "loadStarted", load: { kind: "organizations" } }),
      { type: "organizationToggled", organization: "contoso" },
    );
    expect(pendingLoads(selected)).toEqual([{ kind: "projects", organization: "contoso" }]);
    const review = reduce(connectionFilled(), { type: "stepSelected", step: "review" });
    expect(pendingLoads(review)).toEqual([expect.objectContaining({ kind: "plan", setup: setupInput(connectionFilled()) })]);
  });

  it("asks for subscriptions, resource groups and regions a managed identity needs", () => {
    const identity = play(contosoSelected(), { type: "stepSelected", step: "identity" }, { type: "identityChanged", patch: { choice: "managedIdentity", subscription: PRODUCTION } });
    expect(pendingLoads(identity)).toEqual([
      { kind: "subscriptions" },
      { kind: "locations", subscription: PRODUCTION },
      { kind: "resourceGroups", subscription: PRODUCTION },
    ]);
  });

  it("names each load uniquely", () => {
    expect(loadKey({ kind: "projects", organization: "contoso" })).not.toBe(loadKey({ kind: "projects", organization: "fabrikam" }));
    expect(loadKey({ kind: "nameCheck", connectionId: 1, key: "a/b/c" })).toBe("nameCheck:1:a/b/c");
  });
});
