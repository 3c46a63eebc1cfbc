// Test fixtures: wizard states reached by playing real events through the reducer, never built by hand.
import type { PlanView, RunView } from "../ipc/bindings";
import { planFor } from "../ipc/memoryPlanner";
import { DEMO_SIGNED_IN, DEMO_SIGNED_OUT, ORGANIZATIONS, PROJECTS, RESOURCE_GROUPS, SUBSCRIPTIONS } from "../ipc/memoryWorld";
import type { Wizard, WizardState } from "./model";
import { setupInput, setupKey } from "./selectors";
import { type WizardEvent, initialState, reduce } from "./state";

export const PRODUCTION = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504";

export function play(state: WizardState, ...events: WizardEvent[]): WizardState {
  return events.reduce(reduce, state);
}

function ready(state: WizardState): Wizard {
  if (state.phase !== "ready") throw new Error(`expected a ready wizard, got ${state.phase}`);
  return state;
}

export function signedOut(): Wizard {
  return ready(play(initialState(), { type: "sessionLoaded", session: DEMO_SIGNED_OUT }));
}

export function signedIn(): Wizard {
  return ready(play(initialState(), { type: "sessionLoaded", session: DEMO_SIGNED_IN }));
}

/** Signed in, organizations listed, contoso selected with its projects, on the Organizations step. */
export function contosoSelected(): Wizard {
  return ready(
    play(
      signedIn(),
      { type: "stepSelected", step: "signIn" },
      { type: "stepSelected", step: "organizations" },
      { type: "loadSucceeded", load: { kind: "organizations" }, value: { organizations: ORGANIZATIONS, failed: [] } },
      { type: "organizationToggled", organization: "contoso" },
      { type: "loadSucceeded", load: { kind: "projects", organization: "contoso" }, value: PROJECTS.contoso ?? [] },
    ),
  );
}

/** The E2E setup up to the Connections step: app registration, Basic + Readers on Shop, one ARM connection filled in. */
export function connectionFilled(): Wizard {
  const wizard = ready(
    play(
      contosoSelected(),
      { type: "stepSelected", step: "identity" },
      { type: "stepSelected", step: "access" },
      { type: "projectGroupToggled", organization: "contoso", project: "Shop", group: "readers" },
      { type: "stepSelected", step: "connections" },
      { type: "loadSucceeded", load: { kind: "subscriptions" }, value: SUBSCRIPTIONS },
      { type: "loadSucceeded", load: { kind: "resourceGroups", subscription: PRODUCTION }, value: RESOURCE_GROUPS[PRODUCTION] ?? [] },
    ),
  );
  const id = wizard.connections[0]?.id ?? 0;
  return ready(
    play(
      wizard,
      { type: "connectionChanged", id, patch: { name: "sc-shop-prod", project: "Shop", subscription: PRODUCTION } },
      { type: "connectionChanged", id, patch: { resourceGroup: "rg-shop-prod", pipelines: ["shop-deploy"] } },
      { type: "loadStarted", load: { kind: "nameCheck", connectionId: id, key: "contoso/Shop/sc-shop-prod" } },
      { type: "loadSucceeded", load: { kind: "nameCheck", connectionId: id, key: "contoso/Shop/sc-shop-prod" }, value: { ok: true, problem: null, help: null } },
    ),
  );
}

/** On Review with the plan for `connectionFilled()` loaded. */
export function reviewing(): { wizard: Wizard; plan: PlanView } {
  const filled = connectionFilled();
  const plan = planFor(setupInput(filled));
  const key = setupKey(filled);
  const wizard = ready(
    play(
      filled,
      { type: "stepSelected", step: "review" },
      { type: "loadStarted", load: { kind: "plan", setupKey: key, setup: setupInput(filled) } },
      { type: "loadSucceeded", load: { kind: "plan", setupKey: key, setup: setupInput(filled) }, value: plan },
    ),
  );
  return { wizard, plan };
}

export function completedRun(plan: PlanView, status: RunView["status"] = "completed"): RunView {
  return {
    runId: "run-0001",
    status,
    error: null,
    report: {
      steps: plan.steps.map((step) => ({ id: step.id, title: step.title, outcome: step.action === "verify" ? "verified" : "created", detail: "" })),
      connections: [
        {
          key: "contoso/Shop/sc-shop-prod",
          id: "0c1d2e3f-4a5b-4c6d-8e7f-000000000001",
          issuer: "https://login.microsoftonline.com/6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b/v2.0",
          subject: "/eid1/c/pub/t/6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b/a/499b84ac-1321-427f-aa17-267ca6975798/sc/5a6b7c8d/0c1d2e3f",
          verified: status === "completed",
          pipelineYaml: "steps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: sc-shop-prod",
        },
      ],
      handOffs: [],
      markdown: "# Keyless run run-0001",
      json: "{}",
    },
  };
}
