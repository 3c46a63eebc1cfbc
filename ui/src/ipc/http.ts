// The Backend over the loopback browser bridge (keyless-browser-bridge): POST /ipc/{command}, streams as NDJSON,
// every request carrying the token the bridge printed in its URL.
import { type Backend, BackendError, isIpcError, toIpcError } from "./backend";
import { COMMANDS, type IpcError, type MigrationProgressView, type ProgressView, type SignInEvent } from "./bindings";

type Fetch = typeof fetch;

/** The header the bridge reads its per-start token from. */
export const BRIDGE_TOKEN_HEADER = "x-keyless-bridge-token";

/** The bridge's token from a page query such as `?token=...` (how the bridge prints its URL); "" without one. */
export function bridgeTokenFrom(search: string): string {
  return new URLSearchParams(search).get("token") ?? "";
}

/** The token of the page the UI runs in; "" outside a browser. */
function pageToken(): string {
  return typeof location === "undefined" ? "" : bridgeTokenFrom(location.search);
}

function tokenHeaders(token: string): Record<string, string> {
  return token ? { [BRIDGE_TOKEN_HEADER]: token } : {};
}

/** One line of a streaming answer: an event, then exactly one result or error. */
type StreamLine = { event: unknown } | { result: unknown } | { error: unknown };

function bridgeError(message: string): IpcError {
  return {
    code: "network",
    message: `The Keyless bridge did not answer as expected: ${message}`,
    help: "Check that keyless-browser-bridge is still running, then reload the page.",
  };
}

function failure(body: unknown, status: number): BackendError {
  if (isIpcError(body)) return new BackendError(body);
  if (typeof body === "object" && body !== null && "error" in body && isIpcError(body.error)) return new BackendError(body.error);
  return new BackendError(bridgeError(`HTTP ${status}`));
}

/** Reads NDJSON lines from a response body as they arrive. */
async function* lines(response: Response): AsyncGenerator<StreamLine> {
  if (!response.body) throw new BackendError(bridgeError("the stream has no body"));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffered += value;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield JSON.parse(line) as StreamLine;
      newline = buffered.indexOf("\n");
    }
    if (done) break;
  }
  if (buffered.trim()) yield JSON.parse(buffered) as StreamLine;
}

export class HttpBackend implements Backend {
  private readonly base: string;
  private readonly fetchImpl: Fetch;
  private readonly token: string;

  /**
   * `base` is the bridge's URL (the page's own origin when the bridge serves the UI); `token` the one it
   * printed, by default read from the page's query.
   */
  constructor(base: string, fetchImpl: Fetch = fetch.bind(globalThis), token: string = pageToken()) {
    this.base = base.endsWith("/") ? base : `${base}/`;
    this.fetchImpl = fetchImpl;
    this.token = token;
  }

  private async post(command: string, request: unknown): Promise<Response> {
    try {
      return await this.fetchImpl(new URL(`ipc/${command}`, this.base), {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, application/x-ndjson", ...tokenHeaders(this.token) },
        body: JSON.stringify(request ?? null),
      });
    } catch (thrown) {
      throw new BackendError(bridgeError(toIpcError(thrown).message));
    }
  }

  /** A command that answers once. */
  private async call<T>(command: string, request?: unknown): Promise<T> {
    const response = await this.post(command, request);
    if (response.headers.get("content-type")?.includes("ndjson")) return this.stream<T>(response, () => undefined);
    const text = await response.text();
    const body: unknown = text ? JSON.parse(text) : null;
    if (!response.ok) throw failure(body, response.status);
    return body as T;
  }

  /** A command that streams events before its result. */
  private async streaming<T, E>(command: string, request: unknown, onEvent: (event: E) => void): Promise<T> {
    const response = await this.post(command, request);
    if (!response.ok && !response.headers.get("content-type")?.includes("ndjson")) {
      const text = await response.text();
      throw failure(text ? JSON.parse(text) : null, response.status);
    }
    return this.stream<T>(response, (event) => onEvent(event as E));
  }

  private async stream<T>(response: Response, onEvent: (event: unknown) => void): Promise<T> {
    for await (const line of lines(response)) {
      if ("event" in line) onEvent(line.event);
      else if ("result" in line) return line.result as T;
      else if ("error" in line) throw failure(line.error, response.status);
    }
    throw new BackendError(bridgeError("the stream ended without a result"));
  }

  sessionStatus = () => this.call<Awaited<ReturnType<Backend["sessionStatus"]>>>(COMMANDS.sessionStatus);
  chooseCloud: Backend["chooseCloud"] = (request) => this.call(COMMANDS.chooseCloud, request);
  signIn: Backend["signIn"] = (request, onEvent) => this.streaming<Awaited<ReturnType<Backend["signIn"]>>, SignInEvent>(COMMANDS.signIn, request, onEvent);
  cancelSignIn: Backend["cancelSignIn"] = () => this.call(COMMANDS.cancelSignIn);
  signOut: Backend["signOut"] = () => this.call(COMMANDS.signOut);
  listOrganizations: Backend["listOrganizations"] = () => this.call(COMMANDS.listOrganizations);
  listProjects: Backend["listProjects"] = (request) => this.call(COMMANDS.listProjects, request);
  listSubscriptions: Backend["listSubscriptions"] = () => this.call(COMMANDS.listSubscriptions);
  listResourceGroups: Backend["listResourceGroups"] = (request) => this.call(COMMANDS.listResourceGroups, request);
  listLocations: Backend["listLocations"] = (request) => this.call(COMMANDS.listLocations, request);
  searchIdentities: Backend["searchIdentities"] = (request) => this.call(COMMANDS.searchIdentities, request);
  checkConnectionName: Backend["checkConnectionName"] = (request) => this.call(COMMANDS.checkConnectionName, request);
  planSetup: Backend["planSetup"] = (request) => this.call(COMMANDS.planSetup, request);
  applySetup: Backend["applySetup"] = (request, onProgress) =>
    this.streaming<Awaited<ReturnType<Backend["applySetup"]>>, ProgressView>(COMMANDS.applySetup, request, onProgress);
  cancelApply: Backend["cancelApply"] = () => this.call(COMMANDS.cancelApply);
  rollbackRun: Backend["rollbackRun"] = (request, onProgress) =>
    this.streaming<Awaited<ReturnType<Backend["rollbackRun"]>>, ProgressView>(COMMANDS.rollbackRun, request, onProgress);
  finishRun: Backend["finishRun"] = (request, onProgress) =>
    this.streaming<Awaited<ReturnType<Backend["finishRun"]>>, ProgressView>(COMMANDS.finishRun, request, onProgress);
  listRuns: Backend["listRuns"] = () => this.call(COMMANDS.listRuns);
  takeInventory: Backend["takeInventory"] = (request) => this.call(COMMANDS.takeInventory, request);
  planMigration: Backend["planMigration"] = (request) => this.call(COMMANDS.planMigration, request);
  applyMigration: Backend["applyMigration"] = (request, onProgress) =>
    this.streaming<Awaited<ReturnType<Backend["applyMigration"]>>, MigrationProgressView>(COMMANDS.applyMigration, request, onProgress);
  revertMigration: Backend["revertMigration"] = (request, onProgress) =>
    this.streaming<Awaited<ReturnType<Backend["revertMigration"]>>, MigrationProgressView>(COMMANDS.revertMigration, request, onProgress);
  migrationRuns: Backend["migrationRuns"] = () => this.call(COMMANDS.migrationRuns);
  diagnose: Backend["diagnose"] = (request) => this.call(COMMANDS.diagnose, request);
  diagnosePastedLog: Backend["diagnosePastedLog"] = (request) => this.call(COMMANDS.diagnosePastedLog, request);
  planFix: Backend["planFix"] = (request) => this.call(COMMANDS.planFix, request);
  applyFix: Backend["applyFix"] = (request, onProgress) =>
    this.streaming<Awaited<ReturnType<Backend["applyFix"]>>, ProgressView>(COMMANDS.applyFix, request, onProgress);
}

/**
 * True when the page is served by keyless-browser-bridge: it answers `POST /bridge/emulator` in
 * JSON, with the demo emulator's URL or an IpcError (no demo cloud running, or no token). A static
 * server or Vite answers plain text or HTML instead. POST, because browsers send the `Origin`
 * header the bridge requires only with requests that are not plain GETs.
 */
export async function servedByBridge(
  base: string,
  fetchImpl: Fetch = fetch.bind(globalThis),
  timeoutMs = 1500,
  token: string = pageToken(),
): Promise<boolean> {
  try {
    const response = await fetchImpl(new URL("bridge/emulator", base.endsWith("/") ? base : `${base}/`), {
      method: "POST",
      headers: tokenHeaders(token),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.headers.get("content-type")?.includes("json")) return false;
    const body: unknown = await response.json();
    if (!response.ok) return isIpcError(body);
    return typeof body === "object" && body !== null && typeof (body as { url?: unknown }).url === "string";
  } catch {
    return false;
  }
}
