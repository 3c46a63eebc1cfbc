// Tests of the Diagnose slice without a DOM: scope to target, results grouped broken first, differences marked,
// fixes folded into progress, the connection shown passing after its fix, and undo confirmed first.
import { describe, expect, it } from "vitest";

import type { ConnectionDiagnosisView, FixRunView, ProgressView } from "../ipc/bindings";
import { MemoryDoctor } from "../ipc/memoryDoctor";
import { DEMO_SIGNED_IN, DEMO_SIGNED_OUT } from "../ipc/memoryWorld";
import type { Wizard } from "../wizard/model";
import { announcement } from "../wizard/announce";
import { isOpen, primaryAction, stepsOf } from "../wizard/selectors";
import { type WizardEvent, initialState, reduce } from "../wizard/state";
import { differences, groupedConnections, targetOf } from "./selectors";

function wizardOn(session = DEMO_SIGNED_IN, ...events: WizardEvent[]): Wizard {
  const state = [
    { type: "sessionLoaded", session } as WizardEvent,
    { type: "pathChosen", path: "diagnose" } as WizardEvent,
    { type: "stepSelected", step: "signIn" } as WizardEvent,
    { type: "stepSelected", step: "diagnoseScope" } as WizardEvent,
    ...events,
  ].reduce(reduce, initialState());
  if (state.phase !== "ready") throw new Error(state.phase);
  return state;
}

const everything = { kind: "everything" } as const;
const doctor = () => new MemoryDoctor();
const broken = (): ConnectionDiagnosisView => {
  const found = doctor().diagnose(everything).connections.find((connection) => connection.name === "shop-case-mismatch");
  if (!found) throw new Error("the memory doctor lost its broken connection");
  return found;
};

describe("the diagnose path", () => {
  it("lists Welcome, Sign in, Diagnose, Findings and Fix on the rail", () => {
    expect(stepsOf("diagnose").map((step) => step.title)).toEqual(["Welcome", "Sign in", "Diagnose", "Findings", "Fix"]);
  });

  it("lets a pasted log be explained without signing in, but asks to sign in before checking live connections", () => {
    const wizard = wizardOn(DEMO_SIGNED_OUT);
    expect(wizard.step).toBe("diagnoseScope");
    expect(primaryAction(wizard)).toMatchObject({ disabled: true, note: expect.stringContaining("Sign in") });
    const pasting = reduce(reduce(wizard, { type: "diagnoseModeChosen", mode: "paste" }), { type: "pastedLogChanged", text: "AADSTS7002138" });
    expect(primaryAction(pasting)).toMatchObject({ label: "Explain this log", disabled: false, command: "diagnose" });
  });

  it("names the target of each scope and says what is missing", () => {
    const scope = { kind: "connection", organization: "contoso", project: "", connection: "" } as const;
    expect(targetOf(scope)).toEqual({ problem: "Name the project to diagnose." });
    expect(targetOf({ ...scope, project: "Shop", connection: " shop-prod " })).toEqual({
      target: { kind: "connection", organization: "contoso", project: "Shop", connection: "shop-prod" },
    });
    expect(primaryAction(wizardOn(DEMO_SIGNED_IN, { type: "diagnoseScopeChanged", patch: { kind: "organization", organization: "contoso" } })).label).toBe(
      "Diagnose contoso",
    );
  });

  it("groups connections by organization and project with broken ones first", () => {
    const groups = groupedConnections(doctor().diagnose(everything));
    expect(groups.map((group) => `${group.project}: ${group.connections.map((connection) => connection.health).join(",")}`)).toEqual([
      "Data: broken",
      "Shop: broken,warning,healthy",
    ]);
  });

  it("marks only the letters whose case differs", () => {
    expect(differences("sc://contoso/Shop/x", "sc://contoso/shop/x")).toEqual([
      { text: "sc://contoso/", differs: false },
      { text: "S", differs: true },
      { text: "hop/x", differs: false },
    ]);
    expect(differences("sc://a/new-name", "sc://a/old")).toEqual([
      { text: "sc://a/", differs: false },
      { text: "new-name", differs: true },
    ]);
  });

  it("applies a fix with its steps, shows the connection passing afterwards, and asks before undoing", async () => {
    const target = broken();
    const memory = doctor();
    const events: ProgressView[] = [];
    const ref = { organization: "contoso", project: "Shop", connectionId: target.id };
    const result: FixRunView = await memory.applyFix(ref, (event) => events.push(event), async () => {});
    const plan = memory.planFix(ref);
    let wizard = wizardOn(
      DEMO_SIGNED_IN,
      { type: "diagnosisStarted", target: everything },
      { type: "diagnosisLoaded", target: everything, diagnosis: doctor().diagnose(everything) },
      { type: "stepSelected", step: "diagnoseFindings" },
    );
    expect(primaryAction(wizard).label).toBe("Fix the connection Keyless can fix");
    wizard = [
      { type: "fixesChosen", targets: [{ ...ref, name: target.name }] } as WizardEvent,
      { type: "stepSelected", step: "diagnoseFix" } as WizardEvent,
      { type: "fixPlanned", connectionId: target.id, plan: { ...plan, plan: doctor().planFix(ref).plan } } as WizardEvent,
    ].reduce((state, event) => reduce(state, event) as Wizard, wizard);
    expect(primaryAction(wizard).label).toBe("Apply the fix");
    wizard = reduce(wizard, { type: "fixStarted", connectionId: target.id, steps: [{ id: "fic/contoso/Shop/shop-case-mismatch", title: "Create" }] }) as Wizard;
    expect(isOpen(wizard, "diagnoseFindings")).toBe(false);
    for (const event of events) wizard = reduce(wizard, { type: "fixProgressed", connectionId: target.id, event, at: 1 }) as Wizard;
    wizard = reduce(wizard, { type: "fixEnded", connectionId: target.id, result }) as Wizard;
    const shown = wizard.diagnose.diagnosis?.result;
    expect(shown?.status === "loaded" && shown.value.connections.find((connection) => connection.id === target.id)?.health).toBe("healthy");
    expect(shown?.status === "loaded" && shown.value.summary.broken).toBe(1);
    expect(primaryAction(wizard).label).toBe("Back to findings");
    expect(announcement(wizard)).toBe("shop-case-mismatch now passes.");
    wizard = reduce(wizard, { type: "fixUndoConfirmRequested" }) as Wizard;
    expect(wizard.diagnose.fix?.undo.status).toBe("confirming");
    wizard = reduce(wizard, { type: "fixUndoDismissed" }) as Wizard;
    expect(wizard.diagnose.fix?.undo.status).toBe("idle");
  });

  it("drops an answer for a target that is no longer the one asked", () => {
    const organization = { kind: "organization", organization: "contoso" } as const;
    const wizard = wizardOn(
      DEMO_SIGNED_IN,
      { type: "diagnosisStarted", target: organization },
      { type: "diagnosisLoaded", target: everything, diagnosis: doctor().diagnose(everything) },
    );
    expect(wizard.diagnose.diagnosis?.result.status).toBe("loading");
  });
});
