// The Diagnose path's side effects: diagnose a scope, explain a pasted log, plan and apply fixes, and undo them,
// each reporting to the reducer as events. The footer's one primary action is `primary`.
import { type Backend, toIpcError } from "../ipc/backend";
import type { DoctorTargetInput } from "../ipc/bindings";
import type { Wizard } from "../wizard/model";
import type { WizardEvent } from "../wizard/state";
import type { ConnectionRef } from "./model";
import { finishedFixRuns, fixableConnections, fixesToApply, refOf, targetOf } from "./selectors";

type Dispatch = (event: WizardEvent) => void;

export function createDiagnoseCommands(backend: Backend, dispatch: Dispatch, now: () => number) {
  async function diagnose(target: DoctorTargetInput): Promise<void> {
    dispatch({ type: "diagnosisStarted", target });
    dispatch({ type: "stepSelected", step: "diagnoseFindings" });
    try {
      dispatch({ type: "diagnosisLoaded", target, diagnosis: await backend.diagnose({ target }) });
    } catch (thrown) {
      dispatch({ type: "diagnosisFailed", target, error: toIpcError(thrown) });
    }
  }

  async function explainLog(text: string): Promise<void> {
    dispatch({ type: "pastedLogStarted", text });
    dispatch({ type: "stepSelected", step: "diagnoseFindings" });
    try {
      dispatch({ type: "pastedLogExplained", text, explained: await backend.diagnosePastedLog({ text }) });
    } catch (thrown) {
      dispatch({ type: "pastedLogFailed", text, error: toIpcError(thrown) });
    }
  }

  /** Chooses the connections to fix and plans each against what exists now; the Fix screen shows the plans. */
  async function chooseFixes(targets: ConnectionRef[]): Promise<void> {
    dispatch({ type: "fixesChosen", targets });
    dispatch({ type: "stepSelected", step: "diagnoseFix" });
    for (const target of targets) dispatch({ type: "fixPlanStarted", connectionId: target.connectionId });
    await Promise.all(
      targets.map(async (target) => {
        try {
          const plan = await backend.planFix(request(target));
          dispatch({ type: "fixPlanned", connectionId: target.connectionId, plan });
        } catch (thrown) {
          dispatch({ type: "fixPlanFailed", connectionId: target.connectionId, error: toIpcError(thrown) });
        }
      }),
    );
  }

  /** Applies the planned fixes one after another (one run at a time), each streaming its progress. */
  async function applyFixes(wizard: Wizard): Promise<void> {
    const fix = wizard.diagnose.fix;
    for (const target of fixesToApply(fix)) {
      const plan = fix?.plans[target.connectionId];
      const steps = plan?.status === "loaded" ? (plan.value.plan?.steps ?? []) : [];
      const connectionId = target.connectionId;
      dispatch({ type: "fixStarted", connectionId, steps: steps.map((step) => ({ id: step.id, title: step.title })) });
      try {
        const result = await backend.applyFix(request(target), (event) => dispatch({ type: "fixProgressed", connectionId, event, at: now() }));
        dispatch({ type: "fixEnded", connectionId, result });
      } catch (thrown) {
        dispatch({ type: "fixFailed", connectionId, error: toIpcError(thrown) });
      }
    }
  }

  /** Rolls back every finished fix run, newest first, then diagnoses those connections again. */
  async function undoFixes(wizard: Wizard): Promise<void> {
    const fix = wizard.diagnose.fix;
    const runIds = finishedFixRuns(fix).reverse();
    dispatch({ type: "fixUndoStarted" });
    try {
      const runs = [];
      for (const runId of runIds) {
        runs.push(await backend.rollbackRun({ runId }, (event) => dispatch({ type: "fixUndoProgressed", event, at: now() })));
      }
      dispatch({ type: "fixUndoEnded", runs });
    } catch (thrown) {
      dispatch({ type: "fixUndoFailed", error: toIpcError(thrown) });
      return;
    }
    for (const target of fix?.targets ?? []) {
      try {
        const againTarget = { kind: "connection", organization: target.organization, project: target.project, connection: target.connectionId } as const;
        const again = await backend.diagnose({ target: againTarget });
        for (const connection of again.connections) dispatch({ type: "connectionRediagnosed", connection });
      } catch {
        // The undo itself succeeded; a connection that cannot be read now keeps its last diagnosis.
      }
    }
  }

  return {
    diagnoseTarget: diagnose,
    explainLog,
    chooseFixes,
    applyFixes,
    undoFixes,

    /** The footer's primary action on the Diagnose screens. */
    async diagnosePrimary(wizard: Wizard): Promise<void> {
      const state = wizard.diagnose;
      switch (wizard.step) {
        case "diagnoseScope": {
          if (state.mode === "paste") return explainLog(state.pasted);
          const chosen = targetOf(state.scope);
          if ("target" in chosen) return diagnose(chosen.target);
          return;
        }
        case "diagnoseFindings": {
          const fixable = fixableConnections(state);
          if (fixable.length > 0) return chooseFixes(fixable.map(refOf));
          if (state.mode === "paste") return explainLog(state.pastedLog?.text ?? state.pasted);
          if (state.diagnosis) return diagnose(state.diagnosis.target);
          return;
        }
        case "diagnoseFix":
          if (fixesToApply(state.fix).length > 0) return applyFixes(wizard);
          dispatch({ type: "stepSelected", step: "diagnoseFindings" });
          return;
        default:
          return;
      }
    },
  };
}

function request(target: ConnectionRef) {
  return { organization: target.organization, project: target.project, connectionId: target.connectionId };
}
