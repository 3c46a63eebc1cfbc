// The migration's side effects: apply (or resume) the plan of the current choice and revert a run, streaming progress into the reducer.
import { type Backend, toIpcError } from "../ipc/backend";
import type { Wizard } from "../wizard/model";
import type { WizardEvent } from "../wizard/state";
import { migrationRequest, requestKey } from "./migration";

type Dispatch = (event: WizardEvent) => void;

export function createMigrateCommands(backend: Backend, dispatch: Dispatch, now: () => number) {
  return {
    /** Migrates the plan of the current choice; the same choice again resumes a run that stopped. */
    async applyMigration(wizard: Wizard): Promise<void> {
      const request = migrationRequest(wizard.migrate);
      dispatch({ type: "migrationApplyStarted", requestKey: requestKey(wizard.migrate) });
      dispatch({ type: "stepSelected", step: "migrationApply" });
      try {
        const run = await backend.applyMigration(request, (event) => dispatch({ type: "migrationProgressed", event, at: now() }));
        dispatch({ type: "migrationApplyEnded", run });
      } catch (thrown) {
        dispatch({ type: "migrationApplyFailed", error: toIpcError(thrown) });
      }
    },

    async revertMigration(runId: string): Promise<void> {
      dispatch({ type: "revertStarted" });
      try {
        const run = await backend.revertMigration({ runId }, (event) => dispatch({ type: "revertProgressed", event, at: now() }));
        dispatch({ type: "revertEnded", run });
      } catch (thrown) {
        dispatch({ type: "revertFailed", error: toIpcError(thrown) });
      }
    },
  };
}
