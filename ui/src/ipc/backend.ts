// The Backend interface the UI talks to, and the error every backend call rejects with.
import type { IpcError, IpcErrorCode, SessionStatus } from "./bindings";

/** Everything the UI can ask of Keyless. One method per desktop command. */
export interface Backend {
  /** The cloud Keyless talks to and the signed-in account, if any. */
  sessionStatus(): Promise<SessionStatus>;
}

/** A failed backend call; `error` is what the desktop command returned. */
export class BackendError extends Error {
  readonly error: IpcError;

  constructor(error: IpcError) {
    super(error.message);
    this.name = "BackendError";
    this.error = error;
  }
}

const ERROR_CODES: readonly IpcErrorCode[] = [
  "invalidInput",
  "signInRequired",
  "forbidden",
  "unavailable",
  "network",
  "service",
  "internal",
];

/** True when `value` has the shape of an `IpcError` sent by a desktop command. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    ERROR_CODES.includes(candidate.code as IpcErrorCode) &&
    typeof candidate.message === "string" &&
    typeof candidate.help === "string"
  );
}

/** Turns anything a call threw into an `IpcError` the UI can show. */
export function toIpcError(thrown: unknown): IpcError {
  if (thrown instanceof BackendError) return thrown.error;
  if (isIpcError(thrown)) return thrown;
  const detail = thrown instanceof Error ? thrown.message : String(thrown);
  return {
    code: "internal",
    message: `Keyless could not reach its own backend: ${detail}`,
    help: "Restart Keyless. If this keeps happening, report it with the details below.",
  };
}
