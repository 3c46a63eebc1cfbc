// An in-memory Backend for unit tests, browser tests and running the UI in a plain browser.
import { type Backend, BackendError } from "./backend";
import type { AccountView, IpcError, SessionStatus } from "./bindings";

export const DEMO_ACCOUNT: AccountView = {
  userPrincipalName: "ada@contoso.example",
  displayName: "Ada Lovelace",
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
};

export const DEMO_SIGNED_OUT: SessionStatus = { cloud: { name: "Demo", isDemo: true }, account: null };
export const DEMO_SIGNED_IN: SessionStatus = { cloud: { name: "Demo", isDemo: true }, account: DEMO_ACCOUNT };
export const AZURE_SIGNED_IN: SessionStatus = { cloud: { name: "AzureCloud", isDemo: false }, account: DEMO_ACCOUNT };

/** What the in-memory backend answers; `failure` makes every call reject with it. */
export interface MemoryScenario {
  session: SessionStatus;
  failure?: IpcError;
}

export class MemoryBackend implements Backend {
  private scenario: MemoryScenario;

  constructor(scenario: MemoryScenario = { session: DEMO_SIGNED_OUT }) {
    this.scenario = scenario;
  }

  async sessionStatus(): Promise<SessionStatus> {
    if (this.scenario.failure) throw new BackendError(this.scenario.failure);
    return structuredClone(this.scenario.session);
  }
}

const BACKEND_UNAVAILABLE: IpcError = {
  code: "unavailable",
  message: "The demo cloud did not answer.",
  help: "Wait a few seconds and choose Try again.",
  requestId: "demo-0000-request",
};

/**
 * Picks a scenario from the page's query string, so a plain browser (and the browser tests) can
 * show each state: `?session=signed-in`, `?session=azure`, `?session=failed`; default signed out.
 */
export function scenarioFromQuery(search: string): MemoryScenario {
  switch (new URLSearchParams(search).get("session")) {
    case "signed-in":
      return { session: DEMO_SIGNED_IN };
    case "azure":
      return { session: AZURE_SIGNED_IN };
    case "failed":
      return { session: DEMO_SIGNED_OUT, failure: BACKEND_UNAVAILABLE };
    default:
      return { session: DEMO_SIGNED_OUT };
  }
}
