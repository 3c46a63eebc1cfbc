// The Backend over Tauri IPC; the only file that imports @tauri-apps/*. Streams arrive on a Channel.
import { Channel, invoke, isTauri } from "@tauri-apps/api/core";

import { type Backend, BackendError, toIpcError } from "./backend";
import { COMMANDS, type MigrationProgressView, type ProgressView, type SignInEvent } from "./bindings";

/** True inside the Keyless window, false in a plain browser. */
export function runningInTauri(): boolean {
  return isTauri();
}

/** Calls a command with its request (Rust parameter `request`), turning any rejection into a BackendError. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (thrown) {
    throw new BackendError(toIpcError(thrown));
  }
}

/** A Channel that hands every message to `listener`; the command's parameter is `onEvent` or `onProgress`. */
function channel<T>(listener: (message: T) => void): Channel<T> {
  const created = new Channel<T>();
  created.onmessage = listener;
  return created;
}

export const tauriBackend: Backend = {
  sessionStatus: () => call(COMMANDS.sessionStatus),
  chooseCloud: (request) => call(COMMANDS.chooseCloud, { request }),
  signIn: (request, onEvent) => call(COMMANDS.signIn, { request, onEvent: channel<SignInEvent>(onEvent) }),
  cancelSignIn: () => call(COMMANDS.cancelSignIn),
  signOut: () => call(COMMANDS.signOut),
  listOrganizations: () => call(COMMANDS.listOrganizations),
  listProjects: (request) => call(COMMANDS.listProjects, { request }),
  listSubscriptions: () => call(COMMANDS.listSubscriptions),
  listResourceGroups: (request) => call(COMMANDS.listResourceGroups, { request }),
  listLocations: (request) => call(COMMANDS.listLocations, { request }),
  searchIdentities: (request) => call(COMMANDS.searchIdentities, { request }),
  checkConnectionName: (request) => call(COMMANDS.checkConnectionName, { request }),
  planSetup: (request) => call(COMMANDS.planSetup, { request }),
  applySetup: (request, onProgress) =>
    call(COMMANDS.applySetup, { request, onProgress: channel<ProgressView>(onProgress) }),
  cancelApply: () => call(COMMANDS.cancelApply),
  rollbackRun: (request, onProgress) =>
    call(COMMANDS.rollbackRun, { request, onProgress: channel<ProgressView>(onProgress) }),
  finishRun: (request, onProgress) => call(COMMANDS.finishRun, { request, onProgress: channel<ProgressView>(onProgress) }),
  listRuns: () => call(COMMANDS.listRuns),
  takeInventory: (request) => call(COMMANDS.takeInventory, { request }),
  planMigration: (request) => call(COMMANDS.planMigration, { request }),
  applyMigration: (request, onProgress) =>
    call(COMMANDS.applyMigration, { request, onProgress: channel<MigrationProgressView>(onProgress) }),
  revertMigration: (request, onProgress) =>
    call(COMMANDS.revertMigration, { request, onProgress: channel<MigrationProgressView>(onProgress) }),
  migrationRuns: () => call(COMMANDS.migrationRuns),
  diagnose: (request) => call(COMMANDS.diagnose, { request }),
  diagnosePastedLog: (request) => call(COMMANDS.diagnosePastedLog, { request }),
  planFix: (request) => call(COMMANDS.planFix, { request }),
  applyFix: (request, onProgress) => call(COMMANDS.applyFix, { request, onProgress: channel<ProgressView>(onProgress) }),
};
