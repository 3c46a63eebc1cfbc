// Tests of the migration after the inventory, without a DOM: the plan asked for and filed, accepting a finding, the progress fold by wave, the report and revert.
import { describe, expect, it } from "vitest";

import type { MigrationPlanView, MigrationProgressView, MigrationRunView } from "../ipc/bindings";
import { inventoryAt } from "../ipc/memoryInventory";
import { migrationPlanFor } from "../ipc/memoryMigration";
import { DEMO_SIGNED_IN } from "../ipc/memoryWorld";
import type { Wizard, WizardState } from "../wizard/model";
import { isOpen, pendingLoads, primaryAction } from "../wizard/selectors";
import { type WizardEvent, initialState, reduce } from "../wizard/state";
import { currentMigrationPlan, daysUntil, entriesByWave, expiryCounts, migrationRequest, planCounts, requestKey, revertConfirmed } from "./migration";
import { progressByWave } from "./progress";
import { connectionKey } from "./selectors";

const NOW = Date.parse("2026-12-03T10:00:00Z");

function play(state: WizardState, ...events: WizardEvent[]): Wizard {
  const next = events.reduce(reduce, state);
  if (next.phase !== "ready") throw new Error("expected a ready wizard");
  return next;
}

/** On the Plan step with `names` chosen from the memory estate. */
function planning(names: string[]): Wizard {
  const inventory = inventoryAt(NOW);
  const chosen = names.map((name) => {
    const connection = inventory.connections.find((candidate) => candidate.name === name);
    if (!connection) throw new Error(name);
    return { type: "inventoryRowSelected", key: connectionKey(connection) } as const;
  });
  return play(
    initialState(),
    { type: "sessionLoaded", session: DEMO_SIGNED_IN },
    { type: "pathChosen", path: "migrate" },
    { type: "stepSelected", step: "signIn" },
    { type: "stepSelected", step: "inventory" },
    { type: "loadSucceeded", load: { kind: "inventory" }, value: inventory },
    ...chosen,
    { type: "stepSelected", step: "migrationPlan" },
  );
}

function planned(wizard: Wizard): { wizard: Wizard; plan: MigrationPlanView } {
  const request = migrationRequest(wizard.migrate);
  const plan = migrationPlanFor(inventoryAt(NOW).connections, request);
  const load = { kind: "migrationPlan", requestKey: requestKey(wizard.migrate), request } as const;
  return { wizard: play(wizard, { type: "loadSucceeded", load, value: plan }), plan };
}

const progress = (wave: number | null, event: MigrationProgressView["progress"]): WizardEvent => ({
  type: "migrationProgressed",
  event: { wave, progress: event },
  at: NOW,
});

describe("the migration plan", () => {
  it("asks for the plan of the chosen connections on the Plan step, then offers to migrate the ones that can run", () => {
    const wizard = planning(["shop-prod-secret", "fabrikam-repos-pat"]);
    const loads = pendingLoads(wizard);
    expect(loads).toHaveLength(1);
    expect(loads[0]).toMatchObject({ kind: "migrationPlan", request: { connections: [{ acceptedFindings: [] }, { acceptedFindings: [] }] } });
    const { wizard: ready, plan } = planned(wizard);
    expect(currentMigrationPlan(ready.migrate)).toEqual(plan);
    expect(pendingLoads(ready)).toEqual([]);
    expect(primaryAction(ready)).toEqual({ label: "Migrate 2 connections", command: "applyMigration", disabled: false, note: null });
  });

  it("keeps a blocked connection out until its finding is accepted, which plans again with the finding overridden", () => {
    const { wizard, plan } = planned(planning(["shop-prod-secret", "payments-terraform"]));
    expect(planCounts(plan)).toMatchObject({ ready: 1, blocked: 1, runnable: 1 });
    expect(entriesByWave(plan).map((group) => [group.wave, group.entries.map((entry) => entry.name)])).toEqual([
      [1, ["shop-prod-secret"]],
      [null, ["payments-terraform"]],
    ]);
    expect(primaryAction(wizard)).toMatchObject({ label: "Migrate 1 connection", note: "1 chosen connection will be left as it is." });

    const blocked = plan.entries.find((entry) => entry.status === "blocked");
    const location = blocked?.findings[0]?.location ?? "";
    const accepted = play(wizard, { type: "migrationFindingToggled", connectionId: blocked?.id ?? "", location });
    expect(currentMigrationPlan(accepted.migrate)).toBeNull();
    expect(pendingLoads(accepted)[0]).toMatchObject({ kind: "migrationPlan", request: { connections: [{ acceptedFindings: [] }, { acceptedFindings: [location] }] } });
    const replanned = planned(accepted).plan;
    expect(planCounts(replanned)).toMatchObject({ ready: 2, blocked: 0 });
    const undone = play(accepted, { type: "migrationFindingToggled", connectionId: blocked?.id ?? "", location });
    expect(undone.migrate.migration.accepted).toEqual({});
  });

  it("drops an answer to a choice that has changed since it was asked", () => {
    const wizard = planning(["shop-prod-secret"]);
    const request = migrationRequest(wizard.migrate);
    const asked = play(wizard, { type: "loadStarted", load: { kind: "migrationPlan", requestKey: "newer", request } });
    const stale = play(asked, { type: "loadSucceeded", load: { kind: "migrationPlan", requestKey: "older", request }, value: migrationPlanFor(inventoryAt(NOW).connections, request) });
    expect(stale.migrate.migration.plan?.result.status).toBe("loading");
  });
});

describe("applying the migration", () => {
  const started = () => play(planned(planning(["shop-prod-secret", "fabrikam-repos-pat"])).wizard, { type: "migrationApplyStarted", requestKey: "k" }, { type: "stepSelected", step: "migrationApply" });

  it("folds progress into rows grouped by wave, with waits in words, and locks the other steps while it runs", () => {
    const wizard = play(
      started(),
      progress(null, { event: "runStarted", runId: "migration-0001", totalSteps: 3, resumed: false }),
      progress(1, { event: "stepStarted", stepId: "convert/a", title: "Convert shop-prod-secret" }),
      progress(1, { event: "stepFinished", stepId: "convert/a", outcome: "updated", detail: "", elapsedMs: 5 }),
      progress(2, { event: "stepStarted", stepId: "verify/b", title: "Verify fabrikam-repos-pat-wif" }),
      progress(2, { event: "stepWaiting", stepId: "verify/b", wait: "federatedCredential", code: null, attempt: 2, waitMs: 1000 }),
    );
    const run = wizard.migrate.migration.run;
    if (run.status !== "running") throw new Error("expected a running migration");
    const groups = progressByWave(run.progress);
    expect(groups.map((group) => [group.wave, group.progress.steps.map((step) => step.state)])).toEqual([
      [1, ["done"]],
      [2, ["waiting"]],
    ]);
    expect(groups[1]?.progress.steps[0]?.wait?.reason).toMatch(/^Waiting for Entra ID to put the new federated credential into effect/);
    expect(isOpen(wizard, "inventory")).toBe(false);
    expect(isOpen(wizard, "migrationApply")).toBe(true);
    expect(primaryAction(wizard)).toMatchObject({ label: "Migrating… 1 of 2 steps done", disabled: true });
  });

  it("offers Retry after a failed step and keeps the rows for the resumed run", () => {
    const failedRun: MigrationRunView = { runId: "migration-0001", status: "failed", waves: [], notRun: [], revertUntil: null, error: null, nextSteps: [], markdown: "", json: "" };
    const wizard = play(
      started(),
      progress(1, { event: "stepStarted", stepId: "verify/a", title: "Verify shop-prod-secret" }),
      progress(1, { event: "stepFailed", stepId: "verify/a", code: "unavailable", message: "not yet", help: "Wait, then retry." }),
      { type: "migrationApplyEnded", run: failedRun },
    );
    expect(primaryAction(wizard)).toEqual({ label: "Retry from the failed step", command: "applyMigration", disabled: false, note: null });
    const retried = play(wizard, { type: "migrationApplyStarted", requestKey: "k" });
    const run = retried.migrate.migration.run;
    expect(run.status === "running" && run.progress.run.steps.map((step) => step.id)).toEqual(["verify/a"]);
  });

  it("opens the report once the migration completed, and reverts only after typing the run id or the count", () => {
    const done: MigrationRunView = { runId: "migration-0001", status: "completed", waves: [], notRun: [], revertUntil: "2026-12-10T10:00:00Z", error: null, nextSteps: [], markdown: "", json: "" };
    const wizard = play(started(), { type: "migrationApplyEnded", run: done });
    expect(primaryAction(wizard)).toEqual({ label: "See the report", command: "next", disabled: false, note: null });
    expect(isOpen(wizard, "migrationReport")).toBe(true);
    const confirming = play(wizard, { type: "revertConfirmRequested" }, { type: "revertTyped", typed: "migration-0002" });
    const revert = confirming.migrate.migration.revert;
    expect(revert.status === "confirming" && revertConfirmed(revert.typed, "migration-0001", 2)).toBe(false);
    expect(revertConfirmed("migration-0001", "migration-0001", 2)).toBe(true);
    expect(revertConfirmed(" 2 ", "migration-0001", 2)).toBe(true);
    const reverted = play(confirming, { type: "revertStarted" }, { type: "revertEnded", run: { ...done, status: "reverted", revertUntil: null } });
    const run = reverted.migrate.migration.run;
    expect(run.status === "finished" && run.run.status).toBe("reverted");
  });
});

describe("the estate's deadlines", () => {
  it("counts each identity's secrets and certificates once, by how soon they expire", () => {
    const counts = expiryCounts(inventoryAt(NOW).connections, new Date(NOW));
    expect(counts.expired.secrets).toBeGreaterThan(0);
    expect(counts.within30.secrets).toBeGreaterThan(0);
    const twice = expiryCounts([...inventoryAt(NOW).connections, ...inventoryAt(NOW).connections], new Date(NOW));
    expect(twice).toEqual(counts);
  });

  it("counts the days left until the Azure DevOps issuer retires, and none after", () => {
    expect(daysUntil("2027-07-01", new Date("2026-12-03T10:00:00Z"))).toBe(210);
    expect(daysUntil("2027-07-01", new Date("2027-08-01T00:00:00Z"))).toBe(0);
  });
});
