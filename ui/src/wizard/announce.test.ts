// Tests of the live region's sentences.
import { describe, expect, it } from "vitest";

import { announcement } from "./announce";
import { contosoSelected, play, reviewing, signedOut } from "./fixtures";
import { initialState } from "./state";

describe("announcement", () => {
  it("says where the session stands", () => {
    expect(announcement(initialState())).toBe("Checking which cloud and account this session uses.");
    expect(announcement(signedOut())).toBe("Ready. Not signed in on the Demo cloud. Welcome step.");
  });

  it("reads the device code out", () => {
    const prompt = { kind: "deviceCode", userCode: "KLDEMO42", verificationUri: "https://microsoft.com/devicelogin", message: "" } as const;
    const waiting = play(signedOut(), { type: "stepSelected", step: "signIn" }, { type: "signInStarted" }, { type: "signInPrompted", prompt });
    expect(announcement(waiting)).toBe("Enter the code KLDEMO42 at https://microsoft.com/devicelogin.");
  });

  it("counts organizations and the plan", () => {
    expect(announcement(contosoSelected())).toBe("4 organizations found, 1 selected.");
    expect(announcement(reviewing().wizard)).toBe("Plan ready: 7 to create, 0 to update, 0 to reuse, 1 to verify.");
  });

  it("says which step a run is on and what it waits for", () => {
    const { wizard } = reviewing();
    const running = play(
      wizard,
      { type: "runStarted", kind: "apply", at: 0, steps: [{ id: "sp/0", title: "Create the service principal" }, { id: "b", title: "B" }] },
      { type: "stepSelected", step: "apply" },
      { type: "runProgressed", kind: "apply", at: 0, event: { event: "stepWaiting", stepId: "sp/0", wait: "servicePrincipalInEntra", code: null, attempt: 1, waitMs: 1000 } },
    );
    expect(announcement(running)).toBe("Applying: 0 of 2 done. Now: Create the service principal. Waiting for Entra ID to replicate the new service principal (usually under a minute).");
  });
});
