// Tests of the in-memory backend and of how backend failures become IpcErrors.
import { describe, expect, it } from "vitest";

import { BackendError, isIpcError, toIpcError } from "./backend";
import { DEMO_SIGNED_IN, DEMO_SIGNED_OUT, MemoryBackend, scenarioFromQuery } from "./memory";

describe("memory backend", () => {
  it("answers signed out on the demo cloud by default", async () => {
    await expect(new MemoryBackend().sessionStatus()).resolves.toEqual(DEMO_SIGNED_OUT);
  });

  it("hands out copies so callers cannot change its state", async () => {
    const backend = new MemoryBackend({ session: DEMO_SIGNED_IN });
    const first = await backend.sessionStatus();
    first.cloud.name = "changed";
    await expect(backend.sessionStatus()).resolves.toEqual(DEMO_SIGNED_IN);
  });

  it("rejects with the scenario's IpcError", async () => {
    const backend = new MemoryBackend(scenarioFromQuery("?session=failed"));
    const thrown = await backend.sessionStatus().catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(BackendError);
    expect(toIpcError(thrown).code).toBe("unavailable");
    expect(toIpcError(thrown).requestId).toBe("demo-0000-request");
  });

  it("reads the scenario from the query string", () => {
    expect(scenarioFromQuery("").session).toEqual(DEMO_SIGNED_OUT);
    expect(scenarioFromQuery("?session=signed-in").session).toEqual(DEMO_SIGNED_IN);
    expect(scenarioFromQuery("?session=azure").session.cloud).toEqual({ name: "AzureCloud", isDemo: false });
  });
});

describe("toIpcError", () => {
  it("passes an IpcError from a desktop command through", () => {
    const error = { code: "forbidden", message: "m", help: "h" };
    expect(isIpcError(error)).toBe(true);
    expect(toIpcError(error)).toBe(error);
  });

  it("turns anything else into an internal error that says what happened", () => {
    const error = toIpcError(new Error("window.__TAURI_INTERNALS__ is undefined"));
    expect(error.code).toBe("internal");
    expect(error.message).toContain("__TAURI_INTERNALS__");
    expect(isIpcError({ code: "teapot", message: "m", help: "h" })).toBe(false);
  });
});
