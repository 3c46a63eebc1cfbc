// Tests of the commands against the in-memory backend: whole runs, a failure and its retry, cancel and resume, undo, hand-offs.
import { describe, expect, it } from "vitest";

import { MemoryBackend, type MemoryScenario } from "../ipc/memory";
import { DEMO_SIGNED_IN, DEMO_SIGNED_OUT, IDENTITIES } from "../ipc/memoryWorld";
import { createCommands } from "./commands";
import { connectionFilled } from "./fixtures";
import type { Wizard, WizardState } from "./model";
import { pendingLoads, primaryAction } from "./selectors";
import { type WizardEvent, initialState, reduce } from "./state";

/** The reducer and the commands wired together, as App wires them, with a fake clock. */
function harness(scenario: Partial<MemoryScenario> = {}, start: WizardState = initialState()) {
  let state = start;
  const events: WizardEvent[] = [];
  const backend = new MemoryBackend({ session: DEMO_SIGNED_OUT, ...scenario });
  let clock = 1_000;
  const commands = createCommands(
    backend,
    (event) => {
      events.push(event);
      state = reduce(state, event);
    },
    () => (clock += 10),
  );
  return {
    backend,
    commands,
    events,
    get state() {
      return state;
    },
    get wizard(): Wizard {
      if (state.phase !== "ready") throw new Error(`not ready: ${state.phase}`);
      return state;
    },
    send(event: WizardEvent) {
      state = reduce(state, event);
    },
    /** Runs every pending load until the state needs nothing more, as App's effect does. */
    async settle() {
      for (let round = 0; round < 10; round += 1) {
        const loads = pendingLoads(state);
        if (loads.length === 0) return;
        await Promise.all(loads.map((load) => commands.load(load)));
      }
      throw new Error("loads never settled");
    },
  };
}

async function reviewed(scenario: Partial<MemoryScenario> = {}) {
  const h = harness({ session: DEMO_SIGNED_IN, ...scenario }, connectionFilled());
  h.send({ type: "stepSelected", step: "review" });
  await h.settle();
  return h;
}

describe("session and sign-in", () => {
  it("loads the session, signs in with a device code and lists the organizations", async () => {
    const h = harness();
    await h.commands.loadSession();
    expect(h.wizard.session).toEqual(DEMO_SIGNED_OUT);
    h.send({ type: "stepSelected", step: "signIn" });
    await h.commands.signIn(h.wizard);
    expect(h.events.map((event) => event.type)).toEqual(["sessionLoaded", "signInStarted", "signInPrompted", "signedIn"]);
    h.send({ type: "stepSelected", step: "organizations" });
    await h.settle();
    const organizations = h.wizard.organizations;
    expect(organizations.status === "loaded" && organizations.value.organizations.map((organization) => organization.name)).toEqual([
      "contoso",
      "contoso-platform",
      "contoso-legacy",
      "fabrikam-shared",
    ]);
  });

  it("cancels a sign-in: nobody is signed in and no error shows", async () => {
    const h = harness({ signInDelayMs: 20 });
    await h.commands.loadSession();
    const signingIn = h.commands.signIn(h.wizard);
    await h.commands.cancelSignIn();
    await signingIn;
    expect(h.wizard.signIn).toEqual({ status: "idle" });
    expect(h.wizard.session.account).toBeNull();
  });

  it("switches to Azure and back to the demo", async () => {
    const h = harness();
    await h.commands.loadSession();
    h.send({ type: "cloudChosen", cloud: "azure" });
    await h.commands.chooseCloud(h.wizard);
    expect(h.wizard.session.cloud.isDemo).toBe(false);
    expect(h.wizard.step).toBe("signIn");
  });
});

describe("apply", () => {
  it("runs every planned step and ends completed on Apply", async () => {
    const h = await reviewed();
    expect(primaryAction(h.state).label).toBe("Apply 7 changes");
    await h.commands.apply(h.wizard);
    const apply = h.wizard.runs.apply;
    if (apply.status !== "finished") throw new Error(apply.status);
    expect(apply.run.status).toBe("completed");
    expect(apply.progress.steps.every((step) => step.state === "done")).toBe(true);
    expect(apply.progress.steps.find((step) => step.id === "sp/0")?.wait?.reason).toMatch(/replicate the new service principal/);
    expect(apply.progress.totals).toEqual({ done: 8, failed: 0, remaining: 0 });
    expect(h.wizard.step).toBe("apply");
    expect(primaryAction(h.state).label).toBe("See the summary");
  });

  it("shows the failed step with its fix, and Retry resumes from it", async () => {
    const h = await reviewed({ failStepOnce: "fic/" });
    await h.commands.apply(h.wizard);
    const failed = h.wizard.runs.apply;
    if (failed.status !== "finished") throw new Error(failed.status);
    expect(failed.run.status).toBe("failed");
    const row = failed.progress.steps.find((step) => step.state === "failed");
    expect(row).toMatchObject({ id: "fic/contoso/Shop/sc-shop-prod", failure: { code: "service" } });
    expect(primaryAction(h.state).label).toBe("Retry from the failed step");

    await h.commands.apply(h.wizard);
    const retried = h.wizard.runs.apply;
    if (retried.status !== "finished") throw new Error(retried.status);
    expect(retried.run.status).toBe("completed");
    expect(retried.progress.resumed).toBe(true);
    expect(retried.progress.steps.filter((step) => step.outcome === "alreadyDone")).toHaveLength(5);
  });

  it("stops after the current step on cancel, keeping a resumable run", async () => {
    const h = await reviewed({ stepDelayMs: 5 });
    const applying = h.commands.apply(h.wizard);
    await new Promise((resolve) => setTimeout(resolve, 8));
    await h.commands.cancelApply();
    await applying;
    const apply = h.wizard.runs.apply;
    if (apply.status !== "finished") throw new Error(apply.status);
    expect(apply.run.error?.code).toBe("cancelled");
    expect(apply.progress.totals?.remaining).toBeGreaterThan(0);
    expect(primaryAction(h.state)).toMatchObject({ label: "Resume the run", command: "apply" });
  });

  it("undoes the run", async () => {
    const h = await reviewed();
    await h.commands.apply(h.wizard);
    const runId = h.wizard.lastRun!.runId;
    await h.commands.undo(runId);
    expect(h.wizard.lastRun?.status).toBe("rolledBack");
    const undo = h.wizard.runs.undo;
    expect(undo.status === "finished" && undo.progress.steps.map((step) => step.id)[0]).toBe("undo/access/contoso/Shop/sc-shop-prod");
  });

  it("hands off credentials it cannot write, then finishes once the owner added them", async () => {
    const h = harness({ session: DEMO_SIGNED_IN }, connectionFilled());
    const locked = IDENTITIES.find((identity) => !identity.canWrite)!;
    h.send({ type: "identityChanged", patch: { choice: "existing", existing: locked } });
    h.send({ type: "stepSelected", step: "review" });
    await h.settle();
    await h.commands.apply(h.wizard);
    expect(h.wizard.lastRun?.status).toBe("waitingForHandOff");
    expect(h.wizard.lastRun?.report.handOffs[0]).toMatchObject({ identityName: locked.displayName, audience: "api://AzureADTokenExchange" });
    await h.commands.finish(h.wizard.lastRun!.runId);
    expect(h.wizard.lastRun?.status).toBe("completed");
  });

  it("shows the planner's refusal instead of a plan", async () => {
    const h = harness({ session: DEMO_SIGNED_IN }, connectionFilled());
    const id = h.wizard.connections[0]!.id;
    // The name check said yes (a stale answer); the planner refuses the existing connection.
    h.send({ type: "connectionChanged", id, patch: { name: "shop-prod" } });
    h.send({ type: "loadStarted", load: { kind: "nameCheck", connectionId: id, key: "contoso/Shop/shop-prod" } });
    h.send({ type: "loadSucceeded", load: { kind: "nameCheck", connectionId: id, key: "contoso/Shop/shop-prod" }, value: { ok: true, problem: null, help: null } });
    h.send({ type: "stepSelected", step: "review" });
    await h.settle();
    expect(h.wizard.plan?.result).toMatchObject({ status: "failed", error: { code: "invalidInput" } });
    expect(primaryAction(h.state)).toMatchObject({ disabled: true, note: "Fix the problem above, then review again." });
  });
});
