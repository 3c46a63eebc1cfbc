// Tests of folding progress events into step rows and totals.
import { describe, expect, it } from "vitest";

import { activeStep, advance, progressFor, totalsOf } from "./progress";

const planned = progressFor([
  { id: "identity/0", title: "Create app registration kl-shop" },
  { id: "sp/0", title: "Create the service principal of kl-shop" },
  { id: "verify/contoso/Shop/sc", title: "Verify sc can sign in" },
]);

describe("advance", () => {
  it("starts, waits, records requests and finishes a step", () => {
    let progress = advance(planned, { event: "runStarted", runId: "run-1", totalSteps: 3, resumed: false }, 0);
    progress = advance(progress, { event: "stepStarted", stepId: "sp/0", title: "Create the service principal of kl-shop" }, 100);
    expect(activeStep(progress)?.id).toBe("sp/0");
    progress = advance(progress, { event: "stepWaiting", stepId: "sp/0", wait: "servicePrincipalInEntra", code: null, attempt: 2, waitMs: 4000 }, 200);
    expect(progress.steps[1]).toMatchObject({ state: "waiting", startedAt: 100, wait: { reason: "Waiting for Entra ID to replicate the new service principal (usually under a minute)", attempt: 2, waitMs: 4000 } });
    progress = advance(progress, { event: "request", stepId: "sp/0", method: "POST", url: "https://graph.microsoft.com/v1.0/servicePrincipals", status: 201 }, 300);
    progress = advance(progress, { event: "stepFinished", stepId: "sp/0", outcome: "created", detail: "id 4d6e", elapsedMs: 950 }, 1050);
    expect(progress.steps[1]).toMatchObject({ state: "done", outcome: "created", detail: "id 4d6e", elapsedMs: 950, requests: [{ status: 201 }] });
    expect(activeStep(progress)).toBeNull();
    expect(totalsOf(progress)).toEqual({ done: 1, failed: 0, remaining: 2, total: 3 });
  });

  it("keeps a failure with its fix and times it from the start", () => {
    let progress = advance(planned, { event: "stepStarted", stepId: "identity/0", title: "Create app registration kl-shop" }, 1000);
    progress = advance(progress, { event: "stepFailed", stepId: "identity/0", code: "forbidden", message: "Insufficient privileges", help: "Use a managed identity" }, 1600);
    expect(progress.steps[0]).toMatchObject({ state: "failed", elapsedMs: 600, failure: { code: "forbidden", help: "Use a managed identity" } });
    expect(totalsOf(progress)).toMatchObject({ failed: 1, remaining: 2 });
  });

  it("adds rows for steps the plan did not list (undo, finish)", () => {
    const progress = advance(progressFor([]), { event: "stepStarted", stepId: "undo/fic/x", title: "Undo: remove the credential" }, 0);
    expect(progress.steps).toEqual([expect.objectContaining({ id: "undo/fic/x", title: "Undo: remove the credential", state: "running" })]);
  });

  it("resets rows when a resumed run starts, and takes the engine's totals at the end", () => {
    let progress = advance(planned, { event: "stepFinished", stepId: "identity/0", outcome: "created", detail: "", elapsedMs: 5 }, 0);
    progress = advance(progress, { event: "stepStarted", stepId: "sp/0", title: "t" }, 0);
    progress = advance(progress, { event: "runFinished", runId: "run-1", succeeded: false, done: 1, failed: 0, remaining: 2 }, 0);
    expect(progress.steps[1]?.state).toBe("pending");
    expect(totalsOf(progress)).toEqual({ done: 1, failed: 0, remaining: 2, total: 3 });
    const resumed = advance(progress, { event: "runStarted", runId: "run-1", totalSteps: 3, resumed: true }, 0);
    expect(resumed.resumed).toBe(true);
    expect(resumed.totals).toBeNull();
    expect(resumed.steps.map((step) => step.state)).toEqual(["pending", "pending", "pending"]);
  });
});
