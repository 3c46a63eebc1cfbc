// The migration report: per wave what changed, what was skipped and why, what to do next; Markdown and JSON downloads; and Revert, confirmed by typing the run id or the connection count, within the 7-day window.
import { ErrorPanel } from "../components/ErrorPanel";
import { Icon, type IconName } from "../components/Icon";
import { Notice } from "../components/Notice";
import { ShortValue } from "../components/ShortValue";
import type { MigratedConnectionView, MigratedOutcomeView, MigrationRunView } from "../ipc/bindings";
import { StepTitle } from "../steps/StepTitle";
import type { StepProps } from "../steps/types";
import { formatDay } from "./InventoryTable";
import { WaveProgressList } from "./MigrationApplyScreen";
import { revertConfirmed } from "./migration";
import { plural } from "./selectors";

const OUTCOME_INFO: Record<MigratedOutcomeView, { words: string; icon: IconName; tone: string }> = {
  migrated: { words: "Migrated and verified", icon: "check", tone: "success" },
  handedOff: { words: "Waiting for the identity's owner", icon: "handOff", tone: "info" },
  skipped: { words: "Skipped", icon: "pending", tone: "muted" },
  failed: { words: "Failed", icon: "warning", tone: "error" },
  notStarted: { words: "Not started", icon: "pending", tone: "muted" },
  reverted: { words: "Reverted to its secret", icon: "undo", tone: "warning" },
};

const HEADINGS: Record<MigrationRunView["status"], string> = {
  completed: "The connections are migrated",
  waitingForHandOff: "Almost done: identity owners add the credentials",
  failed: "The migration did not finish",
  reverted: "The migration was reverted",
  running: "The migration did not finish",
};

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** How many connections the run changed: what typing the count confirms. */
export function changedCount(run: MigrationRunView): number {
  return run.waves.flatMap((wave) => wave.connections).filter((connection) => connection.outcome === "migrated" || connection.outcome === "handedOff").length;
}

function ConnectionRow({ connection }: { connection: MigratedConnectionView }) {
  const outcome = OUTCOME_INFO[connection.outcome];
  const name = connection.key.split("/").slice(2).join("/");
  return (
    <li className="migration-entry" aria-label={`${connection.key}: ${outcome.words}`}>
      <div className="migration-entry-header">
        <div>
          <h3>{connection.key.split("/").join(" / ")}</h3>
        </div>
        <span className={`tag tag-${outcome.tone}`}>
          <Icon name={outcome.icon} />
          {outcome.words}
        </span>
      </div>
      {connection.changes.length > 0 ? (
        <>
          <h4>What changed</h4>
          <ul>
            {connection.changes.map((change) => (
              <li key={change}>{change}</li>
            ))}
          </ul>
        </>
      ) : null}
      {connection.reason ? <p>Why: {connection.reason}</p> : null}
      {connection.issuer && connection.subject ? (
        <dl className="summary-list">
          <dt>Issuer</dt>
          <dd>
            <ShortValue value={connection.issuer} label={`issuer of ${name}`} keep={24} />
          </dd>
          <dt>Subject</dt>
          <dd>
            <ShortValue value={connection.subject} label={`subject of ${name}`} keep={24} />
          </dd>
        </dl>
      ) : null}
      {connection.next.length > 0 ? (
        <>
          <h4>What to do next</h4>
          <ul>
            {connection.next.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ul>
        </>
      ) : null}
    </li>
  );
}

function RevertSection({ run, wizard, dispatch, commands }: { run: MigrationRunView } & Pick<StepProps, "wizard" | "dispatch" | "commands">) {
  const revert = wizard.migrate.migration.revert;
  if (run.status === "reverted") return null;
  const count = changedCount(run);
  if (run.revertUntil === null) {
    return (
      <section className="card" aria-labelledby="revert-title">
        <h2 id="revert-title">Revert</h2>
        <p className="muted">Nothing in this migration can be reverted: Azure DevOps keeps the secret only of connections it converted in place, for 7 days.</p>
      </section>
    );
  }
  const deadline = formatDay(run.revertUntil);
  return (
    <section className="card revert" aria-labelledby="revert-title">
      <h2 id="revert-title">Revert</h2>
      <p>
        Azure DevOps keeps each converted connection's secret for 7 days: until <strong>{deadline}</strong> you can put them back on
        their secrets. After that, going back means creating a new secret by hand. Replacement connections Keyless created are
        deleted; the connections they replaced were never changed.
      </p>
      {revert.status === "idle" ? (
        <button type="button" className="button" onClick={() => dispatch({ type: "revertConfirmRequested" })}>
          <Icon name="undo" />
          Revert this migration
        </button>
      ) : revert.status === "confirming" ? (
        <form
          className="revert-confirm"
          onSubmit={(event) => {
            event.preventDefault();
            if (revertConfirmed(revert.typed, run.runId, count)) void commands.revertMigration(run.runId);
          }}
        >
          <label className="field">
            <span>
              To revert {plural(count, "connection")}, type the run id <span className="mono">{run.runId}</span> or the number {count}
            </span>
            <input className="input" value={revert.typed} autoFocus onChange={(event) => dispatch({ type: "revertTyped", typed: event.target.value })} />
          </label>
          <div className="button-row">
            <button type="submit" className="button button-danger" disabled={!revertConfirmed(revert.typed, run.runId, count)}>
              Revert {plural(count, "connection")}
            </button>
            <button type="button" className="button button-text" onClick={() => dispatch({ type: "revertDismissed" })}>
              Keep the migration
            </button>
          </div>
        </form>
      ) : revert.status === "running" ? (
        <WaveProgressList progress={revert.progress} running />
      ) : revert.status === "failed" ? (
        <ErrorPanel title="The revert stopped" error={revert.error} onRetry={() => void commands.revertMigration(run.runId)} />
      ) : null}
    </section>
  );
}

export function MigrationReportScreen({ wizard, dispatch, commands, titleId }: StepProps) {
  const state = wizard.migrate.migration.run;
  const run = state.status === "finished" ? state.run : null;
  if (run === null) {
    return (
      <article className="step">
        <StepTitle id={titleId}>Report</StepTitle>
        <p>No migration has finished yet.</p>
      </article>
    );
  }
  const connections = [...run.waves.flatMap((wave) => wave.connections), ...run.notRun];
  const migrated = connections.filter((connection) => connection.outcome === "migrated").length;
  return (
    <article className="step migration-report">
      <StepTitle id={titleId} lead={`Migration ${run.runId}: ${plural(migrated, "connection")} migrated of ${connections.length}.`}>
        {HEADINGS[run.status]}
      </StepTitle>
      {run.status === "reverted" ? (
        <Notice tone="info" title="Every converted connection is back on its secret.">
          <p>Take the inventory again to see the estate as it is now.</p>
        </Notice>
      ) : null}
      {run.nextSteps.length > 0 ? (
        <section className="card" aria-labelledby="next-steps-title">
          <h2 id="next-steps-title">What to do next</h2>
          <ul>
            {run.nextSteps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ul>
        </section>
      ) : null}
      <div className="button-row">
        <button type="button" className="button" onClick={() => download(`keyless-migration-${run.runId}.md`, run.markdown, "text/markdown")}>
          <Icon name="download" />
          Download the report (Markdown)
        </button>
        <button type="button" className="button" onClick={() => download(`keyless-migration-${run.runId}.json`, run.json, "application/json")}>
          <Icon name="download" />
          Download the report (JSON)
        </button>
      </div>
      {run.waves.map((wave) => (
        <section key={wave.number} className="migration-wave" aria-labelledby={`report-wave-${wave.number}`}>
          <h2 id={`report-wave-${wave.number}`}>
            Wave {wave.number}{" "}
            <span className="muted">
              ({plural(wave.connections.length, "connection")}
              {wave.verified ? ", verified" : ""})
            </span>
          </h2>
          <ul className="migration-entries">
            {wave.connections.map((connection) => (
              <ConnectionRow key={connection.id} connection={connection} />
            ))}
          </ul>
        </section>
      ))}
      {run.notRun.length > 0 ? (
        <section className="migration-wave" aria-labelledby="report-not-run">
          <h2 id="report-not-run">
            Not migrated <span className="muted">({plural(run.notRun.length, "connection")})</span>
          </h2>
          <ul className="migration-entries">
            {run.notRun.map((connection) => (
              <ConnectionRow key={connection.id} connection={connection} />
            ))}
          </ul>
        </section>
      ) : null}
      <RevertSection run={run} wizard={wizard} dispatch={dispatch} commands={commands} />
    </article>
  );
}
