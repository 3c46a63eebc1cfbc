// The Backend over Tauri IPC; the only file that imports @tauri-apps/*.
import { invoke, isTauri } from "@tauri-apps/api/core";

import { type Backend, BackendError, toIpcError } from "./backend";
import { COMMANDS, type SessionStatus } from "./bindings";

/** True inside the Keyless window, false in a plain browser. */
export function runningInTauri(): boolean {
  return isTauri();
}

async function call<T>(command: string): Promise<T> {
  try {
    return await invoke<T>(command);
  } catch (thrown) {
    throw new BackendError(toIpcError(thrown));
  }
}

export const tauriBackend: Backend = {
  sessionStatus: () => call<SessionStatus>(COMMANDS.sessionStatus),
};
