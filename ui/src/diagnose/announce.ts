// The sentence the live region announces on the Diagnose screens: what is being read, what was found, where a fix stands.
import type { Wizard } from "../wizard/model";
import { activeStep, totalsOf } from "../wizard/progress";
import type { DiagnoseStepId } from "./selectors";
import { shownDiagnosis } from "./selectors";

export function diagnoseAnnouncement(wizard: Wizard, step: DiagnoseStepId): string {
  const state = wizard.diagnose;
  switch (step) {
    case "diagnoseScope":
      return state.mode === "paste" ? "Diagnose step. Paste a pipeline log." : "Diagnose step. Choose what to check.";
    case "diagnoseFindings": {
      const result = state.mode === "paste" ? state.pastedLog?.result : state.diagnosis?.result;
      if (!result || result.status === "idle" || result.status === "loading") {
        return state.mode === "paste" ? "Reading the log." : "Diagnosing the connections.";
      }
      if (result.status === "failed") return `Keyless could not diagnose: ${result.error.message}`;
      if ("recognised" in result.value && !result.value.recognised) return "Keyless recognised no failure in the log.";
      const summary = shownDiagnosis(state)?.summary;
      if (!summary) return "The log is explained.";
      return `${summary.broken} broken, ${summary.warned} with warnings, ${summary.healthy} passing; Keyless can fix ${summary.fixableByKeyless}.`;
    }
    case "diagnoseFix": {
      const fix = state.fix;
      if (fix === null) return "Fix step.";
      if (fix.undo.status === "running") return "Undoing the fix.";
      if (fix.undo.status === "finished") return "The fix was undone.";
      if (fix.undo.status === "failed") return `The undo stopped: ${fix.undo.error.message}`;
      for (const target of fix.targets) {
        const run = fix.runs[target.connectionId];
        if (run?.status === "running") {
          const totals = totalsOf(run.progress);
          const active = activeStep(run.progress);
          return `Fixing ${target.name}: ${totals.done} of ${totals.total} done.${active ? ` Now: ${active.title}.` : ""}`;
        }
        if (run?.status === "failed") return `The fix of ${target.name} stopped: ${run.error.message}`;
        if (run?.status === "finished") {
          const after = run.result.after;
          return after?.health === "healthy" ? `${target.name} now passes.` : `The fix of ${target.name} finished: ${run.result.run.status}.`;
        }
      }
      return "Planning the fix.";
    }
  }
}
