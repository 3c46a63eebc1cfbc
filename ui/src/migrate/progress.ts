// Folds a migration run's progress events (engine events tagged with their wave) into rows grouped by wave, with totals.
import type { MigrationProgressView, ProgressView } from "../ipc/bindings";
import type { RunProgress, StepProgress } from "../wizard/model";
import { advance, progressFor } from "../wizard/progress";
import type { MigrationProgress } from "./model";

export function emptyMigrationProgress(): MigrationProgress {
  return { run: progressFor([]), waveOf: {} };
}

function stepIdOf(event: ProgressView): string | null {
  return "stepId" in event ? event.stepId : null;
}

/** The progress after `event`, which arrived at `at` (ms since the epoch). */
export function advanceMigration(progress: MigrationProgress, event: MigrationProgressView, at: number): MigrationProgress {
  const stepId = stepIdOf(event.progress);
  const waveOf = stepId !== null && event.wave !== null && progress.waveOf[stepId] !== event.wave ? { ...progress.waveOf, [stepId]: event.wave } : progress.waveOf;
  return { run: advance(progress.run, event.progress, at), waveOf };
}

export interface WaveProgress {
  /** From 1; null for steps of the whole run (checks before the first wave, the final verification). */
  wave: number | null;
  progress: RunProgress;
}

/** The run's rows grouped by wave, in the order the waves ran; steps without a wave come first. */
export function progressByWave(progress: MigrationProgress): WaveProgress[] {
  const groups = new Map<number | null, StepProgress[]>();
  for (const step of progress.run.steps) {
    const wave = progress.waveOf[step.id] ?? null;
    groups.set(wave, [...(groups.get(wave) ?? []), step]);
  }
  return [...groups.entries()]
    .sort(([left], [right]) => (left ?? 0) - (right ?? 0))
    .map(([wave, steps]) => ({ wave, progress: { ...progress.run, totals: null, steps } }));
}
