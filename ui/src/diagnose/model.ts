// The Diagnose path's data types: what to diagnose (a scope or a pasted log), the answers, and the fixes with their undo.
import type {
  DiagnosisView,
  DoctorTargetInput,
  FixPlanView,
  FixRunView,
  IpcError,
  PastedLogView,
  RunView,
} from "../ipc/bindings";
import type { Remote, RunProgress } from "../wizard/model";

export type ScopeKind = DoctorTargetInput["kind"];

/** What the user is filling in on the Scope screen; only the fields its kind needs are read. */
export interface ScopeDraft {
  kind: ScopeKind;
  organization: string;
  project: string;
  /** A connection's name or id. */
  connection: string;
}

/** Diagnose live connections in a scope, or explain a pasted pipeline log. */
export type DiagnoseMode = "scope" | "paste";

/** One connection a fix is for. */
export interface ConnectionRef {
  organization: string;
  project: string;
  connectionId: string;
  name: string;
}

export type FixRunState =
  | { status: "idle" }
  | { status: "running"; progress: RunProgress }
  | { status: "finished"; progress: RunProgress; result: FixRunView }
  | { status: "failed"; progress: RunProgress; error: IpcError };

/** Undoing the fixes that ran: confirmed first, then each fix run rolled back in turn. */
export type UndoState =
  | { status: "idle" }
  | { status: "confirming" }
  | { status: "running"; progress: RunProgress }
  | { status: "finished"; runs: RunView[] }
  | { status: "failed"; error: IpcError };

/** The fixes chosen on Findings (one connection, or every one Keyless can fix), their plans, runs and undo. */
export interface FixState {
  targets: ConnectionRef[];
  /** By connection id. */
  plans: Record<string, Remote<FixPlanView>>;
  runs: Record<string, FixRunState>;
  undo: UndoState;
}

export interface DiagnoseState {
  mode: DiagnoseMode;
  scope: ScopeDraft;
  pasted: string;
  /** The last live diagnosis asked for, with the target it answers. */
  diagnosis: { target: DoctorTargetInput; result: Remote<DiagnosisView> } | null;
  pastedLog: { text: string; result: Remote<PastedLogView> } | null;
  fix: FixState | null;
}

export const EMPTY_SCOPE: ScopeDraft = { kind: "everything", organization: "", project: "", connection: "" };

export const EMPTY_DIAGNOSE: DiagnoseState = {
  mode: "scope",
  scope: EMPTY_SCOPE,
  pasted: "",
  diagnosis: null,
  pastedLog: null,
  fix: null,
};
