// The Diagnose path's slice of the wizard reducer: scope and pasted log, the answers, fixes with their progress, and undo.
import type {
  ConnectionDiagnosisView,
  DiagnosisView,
  DoctorTargetInput,
  FixPlanView,
  FixRunView,
  IpcError,
  PastedLogView,
  ProgressView,
  RunView,
} from "../ipc/bindings";
import { emptyProgress } from "../wizard/model";
import { advance, progressFor } from "../wizard/progress";
import type { ConnectionRef, DiagnoseMode, DiagnoseState, FixRunState, FixState, ScopeDraft } from "./model";

export type DiagnoseEvent =
  | { type: "diagnoseModeChosen"; mode: DiagnoseMode }
  | { type: "diagnoseScopeChanged"; patch: Partial<ScopeDraft> }
  | { type: "pastedLogChanged"; text: string }
  | { type: "diagnosisStarted"; target: DoctorTargetInput }
  | { type: "diagnosisLoaded"; target: DoctorTargetInput; diagnosis: DiagnosisView }
  | { type: "diagnosisFailed"; target: DoctorTargetInput; error: IpcError }
  | { type: "pastedLogStarted"; text: string }
  | { type: "pastedLogExplained"; text: string; explained: PastedLogView }
  | { type: "pastedLogFailed"; text: string; error: IpcError }
  | { type: "fixesChosen"; targets: ConnectionRef[] }
  | { type: "fixPlanStarted"; connectionId: string }
  | { type: "fixPlanned"; connectionId: string; plan: FixPlanView }
  | { type: "fixPlanFailed"; connectionId: string; error: IpcError }
  | { type: "fixStarted"; connectionId: string; steps: { id: string; title: string }[] }
  | { type: "fixProgressed"; connectionId: string; event: ProgressView; at: number }
  | { type: "fixEnded"; connectionId: string; result: FixRunView }
  | { type: "fixFailed"; connectionId: string; error: IpcError }
  | { type: "fixUndoConfirmRequested" }
  | { type: "fixUndoDismissed" }
  | { type: "fixUndoStarted" }
  | { type: "fixUndoProgressed"; event: ProgressView; at: number }
  | { type: "fixUndoEnded"; runs: RunView[] }
  | { type: "fixUndoFailed"; error: IpcError }
  | { type: "connectionRediagnosed"; connection: ConnectionDiagnosisView };

const DIAGNOSE_EVENTS: ReadonlySet<string> = new Set<DiagnoseEvent["type"]>([
  "diagnoseModeChosen",
  "diagnoseScopeChanged",
  "pastedLogChanged",
  "diagnosisStarted",
  "diagnosisLoaded",
  "diagnosisFailed",
  "pastedLogStarted",
  "pastedLogExplained",
  "pastedLogFailed",
  "fixesChosen",
  "fixPlanStarted",
  "fixPlanned",
  "fixPlanFailed",
  "fixStarted",
  "fixProgressed",
  "fixEnded",
  "fixFailed",
  "fixUndoConfirmRequested",
  "fixUndoDismissed",
  "fixUndoStarted",
  "fixUndoProgressed",
  "fixUndoEnded",
  "fixUndoFailed",
  "connectionRediagnosed",
]);

export function isDiagnoseEvent(event: { type: string }): event is DiagnoseEvent {
  return DIAGNOSE_EVENTS.has(event.type);
}

const sameTarget = (left: DoctorTargetInput, right: DoctorTargetInput) => JSON.stringify(left) === JSON.stringify(right);

/** Puts a connection's new diagnosis wherever the old one is listed, and recounts the summary. */
function withConnection(diagnosis: DiagnosisView, connection: ConnectionDiagnosisView): DiagnosisView {
  if (!diagnosis.connections.some((candidate) => candidate.id === connection.id)) return diagnosis;
  const connections = diagnosis.connections.map((candidate) => (candidate.id === connection.id ? connection : candidate));
  const count = (health: string) => connections.filter((candidate) => candidate.health === health).length;
  return {
    ...diagnosis,
    connections,
    summary: {
      connections: connections.length,
      healthy: count("healthy"),
      broken: count("broken"),
      warned: count("warning"),
      fixableByKeyless: connections.filter((candidate) => candidate.keylessCanFix).length,
    },
  };
}

function rediagnosed(state: DiagnoseState, connection: ConnectionDiagnosisView): DiagnoseState {
  const diagnosis =
    state.diagnosis?.result.status === "loaded"
      ? { ...state.diagnosis, result: { status: "loaded" as const, value: withConnection(state.diagnosis.result.value, connection) } }
      : state.diagnosis;
  const pasted = state.pastedLog?.result.status === "loaded" ? state.pastedLog.result.value : null;
  const pastedLog =
    state.pastedLog && pasted?.live
      ? { ...state.pastedLog, result: { status: "loaded" as const, value: { ...pasted, live: withConnection(pasted.live, connection) } } }
      : state.pastedLog;
  return { ...state, diagnosis, pastedLog };
}

function withFix(state: DiagnoseState, change: (fix: FixState) => FixState): DiagnoseState {
  return state.fix ? { ...state, fix: change(state.fix) } : state;
}

function withRun(state: DiagnoseState, connectionId: string, change: (run: FixRunState) => FixRunState): DiagnoseState {
  return withFix(state, (fix) => ({ ...fix, runs: { ...fix.runs, [connectionId]: change(fix.runs[connectionId] ?? { status: "idle" }) } }));
}

export function reduceDiagnose(state: DiagnoseState, event: DiagnoseEvent): DiagnoseState {
  switch (event.type) {
    case "diagnoseModeChosen":
      return { ...state, mode: event.mode };
    case "diagnoseScopeChanged": {
      const scope = { ...state.scope, ...event.patch };
      // Another organization has other projects and connections.
      if (event.patch.organization !== undefined && event.patch.organization !== state.scope.organization) {
        scope.project = event.patch.project ?? "";
        scope.connection = event.patch.connection ?? "";
      }
      return { ...state, scope };
    }
    case "pastedLogChanged":
      return { ...state, pasted: event.text };
    case "diagnosisStarted":
      return { ...state, diagnosis: { target: event.target, result: { status: "loading" } }, fix: null };
    case "diagnosisLoaded":
      if (!state.diagnosis || !sameTarget(state.diagnosis.target, event.target)) return state;
      return { ...state, diagnosis: { target: event.target, result: { status: "loaded", value: event.diagnosis } } };
    case "diagnosisFailed":
      if (!state.diagnosis || !sameTarget(state.diagnosis.target, event.target)) return state;
      return { ...state, diagnosis: { target: event.target, result: { status: "failed", error: event.error } } };
    case "pastedLogStarted":
      return { ...state, pastedLog: { text: event.text, result: { status: "loading" } }, fix: null };
    case "pastedLogExplained":
      if (state.pastedLog?.text !== event.text) return state;
      return { ...state, pastedLog: { text: event.text, result: { status: "loaded", value: event.explained } } };
    case "pastedLogFailed":
      if (state.pastedLog?.text !== event.text) return state;
      return { ...state, pastedLog: { text: event.text, result: { status: "failed", error: event.error } } };
    case "fixesChosen":
      return { ...state, fix: { targets: event.targets, plans: {}, runs: {}, undo: { status: "idle" } } };
    case "fixPlanStarted":
      return withFix(state, (fix) => ({ ...fix, plans: { ...fix.plans, [event.connectionId]: { status: "loading" } } }));
    case "fixPlanned":
      return withFix(state, (fix) => ({ ...fix, plans: { ...fix.plans, [event.connectionId]: { status: "loaded", value: event.plan } } }));
    case "fixPlanFailed":
      return withFix(state, (fix) => ({ ...fix, plans: { ...fix.plans, [event.connectionId]: { status: "failed", error: event.error } } }));
    case "fixStarted":
      // A new attempt makes an earlier undo stale.
      return withFix(withRun(state, event.connectionId, () => ({ status: "running", progress: progressFor(event.steps) })), (fix) => ({
        ...fix,
        undo: { status: "idle" },
      }));
    case "fixProgressed":
      return withRun(state, event.connectionId, (run) =>
        run.status === "running" ? { ...run, progress: advance(run.progress, event.event, event.at) } : run,
      );
    case "fixEnded": {
      const ended = withRun(state, event.connectionId, (run) => ({
        status: "finished",
        progress: run.status === "running" ? run.progress : emptyProgress(),
        result: event.result,
      }));
      return event.result.after ? rediagnosed(ended, event.result.after) : ended;
    }
    case "fixFailed":
      return withRun(state, event.connectionId, (run) => ({
        status: "failed",
        progress: run.status === "running" ? run.progress : emptyProgress(),
        error: event.error,
      }));
    case "fixUndoConfirmRequested":
      return withFix(state, (fix) => (fix.undo.status === "running" ? fix : { ...fix, undo: { status: "confirming" } }));
    case "fixUndoDismissed":
      return withFix(state, (fix) => (fix.undo.status === "confirming" ? { ...fix, undo: { status: "idle" } } : fix));
    case "fixUndoStarted":
      return withFix(state, (fix) => ({ ...fix, undo: { status: "running", progress: emptyProgress() } }));
    case "fixUndoProgressed":
      return withFix(state, (fix) =>
        fix.undo.status === "running" ? { ...fix, undo: { ...fix.undo, progress: advance(fix.undo.progress, event.event, event.at) } } : fix,
      );
    case "fixUndoEnded":
      return withFix(state, (fix) => ({ ...fix, undo: { status: "finished", runs: event.runs } }));
    case "fixUndoFailed":
      return withFix(state, (fix) => ({ ...fix, undo: { status: "failed", error: event.error } }));
    case "connectionRediagnosed":
      return rediagnosed(state, event.connection);
  }
}
