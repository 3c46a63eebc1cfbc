// Tests of the wizard reducer and step statuses, without a DOM.
import { describe, expect, it } from "vitest";

import type { IpcError } from "../ipc/bindings";
import { DEMO_SIGNED_IN, DEMO_SIGNED_OUT } from "../ipc/memory";
import { STEPS, type WizardState, initialState, nextStep, reduce, stepStatus, titleOf } from "./state";

const unavailable: IpcError = { code: "unavailable", message: "The demo cloud did not answer.", help: "Try again." };

function ready(): WizardState {
  return reduce(initialState(), { type: "sessionLoaded", session: DEMO_SIGNED_OUT });
}

describe("wizard reducer", () => {
  it("starts loading on the Welcome step", () => {
    expect(initialState()).toEqual({ phase: "loading", step: "welcome" });
  });

  it("becomes ready with the session the backend reported", () => {
    const state = reduce(initialState(), { type: "sessionLoaded", session: DEMO_SIGNED_IN });
    expect(state).toEqual({ phase: "ready", step: "welcome", session: DEMO_SIGNED_IN });
  });

  it("keeps the error and retries by loading again", () => {
    const failed = reduce(initialState(), { type: "sessionFailed", error: unavailable });
    expect(failed).toEqual({ phase: "failed", step: "welcome", error: unavailable });
    expect(reduce(failed, { type: "retryRequested" })).toEqual({ phase: "loading", step: "welcome" });
  });

  it("ignores Try again unless something failed", () => {
    const state = ready();
    expect(reduce(state, { type: "retryRequested" })).toBe(state);
  });

  it("refuses to move to a locked step", () => {
    const state = ready();
    expect(reduce(state, { type: "stepSelected", step: "review" })).toBe(state);
    expect(reduce(state, { type: "stepSelected", step: "welcome" })).toBe(state);
  });
});

describe("step status", () => {
  it("marks Welcome current and every other step locked", () => {
    const state = ready();
    expect(STEPS.map((step) => stepStatus(state, step.id))).toEqual([
      "current",
      "locked",
      "locked",
      "locked",
      "locked",
      "locked",
      "locked",
      "locked",
      "locked",
    ]);
  });

  it("flags the current step when loading failed", () => {
    const failed = reduce(initialState(), { type: "sessionFailed", error: unavailable });
    expect(stepStatus(failed, "welcome")).toBe("attention");
  });

  it("lists the nine steps in wizard order", () => {
    expect(STEPS.map((step) => step.title)).toEqual([
      "Welcome",
      "Sign in",
      "Organizations",
      "Identity",
      "Access",
      "Connections",
      "Review",
      "Apply",
      "Done",
    ]);
    expect(nextStep("welcome")).toBe("signIn");
    expect(nextStep("done")).toBeNull();
    expect(titleOf("signIn")).toBe("Sign in");
  });
});
