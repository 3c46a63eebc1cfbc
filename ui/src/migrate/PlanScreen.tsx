// The migration plan: counts at the top, then per wave each chosen connection's action, status, credential, identity cap and pipelines; blocking findings can be accepted one by one.
import { ErrorPanel } from "../components/ErrorPanel";
import { Icon, type IconName } from "../components/Icon";
import { Loading } from "../components/Loading";
import { Notice } from "../components/Notice";
import { ShortValue } from "../components/ShortValue";
import { UnreadNotice } from "../components/UnreadNotice";
import type { MigrationEntryStatusView, MigrationPlanView, PlannedMigrationView } from "../ipc/bindings";
import { FEDERATION_URL } from "../steps/links";
import { StepTitle } from "../steps/StepTitle";
import type { StepProps } from "../steps/types";
import type { Dispatch } from "../wizard/commands";
import { ACTION_INFO, STATUS_INFO, entriesByWave, migrationRequest, planCounts, requestKey } from "./migration";
import { plural } from "./selectors";

const STATUS_ICONS: Record<MigrationEntryStatusView, IconName> = {
  ready: "check",
  handOff: "handOff",
  refused: "cross",
  blocked: "warning",
  skipped: "pending",
};

const WRITER_WORDS = {
  keyless: "Keyless writes it with your account",
  azureDevOps: "Azure DevOps writes it while converting",
  identityOwner: "The identity's owner adds it (Keyless prepares a hand-off pack)",
  notKnown: "Keyless tries with your account and prepares a hand-off if Entra ID refuses",
} as const;

export function pipelinesWords(entry: PlannedMigrationView): string {
  if (entry.allPipelines) return "Every pipeline of the project may use it";
  if (entry.authorizedPipelines.length === 0) return "No pipeline is allowed to use it yet";
  return `${plural(entry.authorizedPipelines.length, "pipeline")} allowed (ids ${entry.authorizedPipelines.join(", ")})`;
}

function Counts({ plan }: { plan: MigrationPlanView }) {
  const counts = planCounts(plan);
  const inPlace = plan.entries.filter((entry) => entry.wave !== null && entry.action !== "replaceWithAzureDevopsConnection").length;
  const replaced = plan.entries.filter((entry) => entry.wave !== null && entry.action === "replaceWithAzureDevopsConnection").length;
  const left = plan.entries.filter((entry) => entry.wave === null).length;
  return (
    <dl className="plan-counts migration-counts" aria-label="What the migration changes">
      <div className="count-update">
        <dt>
          <span aria-hidden="true">~ </span>changed in place
        </dt>
        <dd>{inPlace}</dd>
      </div>
      <div className="count-create">
        <dt>
          <span aria-hidden="true">+ </span>replaced by a new connection
        </dt>
        <dd>{replaced}</dd>
      </div>
      <div className="count-reuse">
        <dt>
          <span aria-hidden="true">= </span>left as they are
        </dt>
        <dd>{left}</dd>
      </div>
      <div>
        <dt>waves</dt>
        <dd>{plan.waves.length}</dd>
      </div>
      {counts.handOff > 0 ? (
        <div>
          <dt>hand-offs</dt>
          <dd>{counts.handOff}</dd>
        </div>
      ) : null}
    </dl>
  );
}

/** `accepted` is the choice as the user made it, so a ticked box stays ticked while the plan is made again. */
function Findings({ entry, accepted, dispatch }: { entry: PlannedMigrationView; accepted: readonly string[]; dispatch: Dispatch }) {
  if (!entry.pipelinesRead) return <p className="muted">Pipelines were not read, so no impact finding is claimed either way.</p>;
  if (entry.findings.length === 0) return <p className="muted">No pipeline that uses it would break.</p>;
  return (
    <ul className="findings" aria-label={`Pipeline findings for ${entry.name}`}>
      {entry.findings.map((finding, index) => (
        <li key={`${index}:${finding.location}`} className={finding.blocking && !finding.accepted ? "finding finding-blocking" : "finding"}>
          <p>
            <Icon name={finding.blocking ? "warning" : "info"} />
            <strong>{finding.blocking ? "Would break: " : "Check: "}</strong>
            {finding.pipeline ?? "a pipeline"}, <span className="mono">{finding.location}</span>
            {finding.task ? ` (${finding.task})` : ""}
          </p>
          <p>{finding.advice}</p>
          {finding.blocking ? (
            <label className="checkbox">
              {/* Accepting names the location, so findings at one place are accepted together. */}
              <input
                type="checkbox"
                checked={accepted.includes(finding.location)}
                onChange={() => dispatch({ type: "migrationFindingToggled", connectionId: entry.id, location: finding.location })}
              />
              Accept this finding: I will fix {finding.pipeline ?? "the pipeline"} myself
            </label>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function EntryCard({ entry, accepted, dispatch }: { entry: PlannedMigrationView; accepted: readonly string[]; dispatch: Dispatch }) {
  const action = ACTION_INFO[entry.action];
  const status = STATUS_INFO[entry.status];
  const identity = entry.identity;
  const credential = entry.credential;
  const overCap = identity?.credentialsAfter != null && identity.credentialsAfter > identity.cap;
  return (
    <li className={`migration-entry migration-entry-${entry.status}`} aria-label={`${entry.name} in ${entry.organization} / ${entry.project}`}>
      <div className="migration-entry-header">
        <span className="plan-symbol" aria-hidden="true">
          {action.symbol}
        </span>
        <div>
          <h3>{entry.name}</h3>
          <p className="muted">
            {entry.organization} / {entry.project} · {action.words}
            {entry.newConnection ? `: ${entry.newConnection}` : ""}
          </p>
        </div>
        <span className={`tag tag-${status.tone}`}>
          <Icon name={STATUS_ICONS[entry.status]} />
          {status.words}
        </span>
      </div>
      {entry.refusal ? (
        <Notice tone="error" title={entry.refusal.problem}>
          <p>{entry.refusal.help}</p>
        </Notice>
      ) : null}
      <dl className="summary-list">
        {credential ? (
          <>
            <dt>Issuer</dt>
            <dd>
              <ShortValue value={credential.issuer} label={`issuer for ${entry.name}`} keep={24} />
            </dd>
            <dt>Subject</dt>
            <dd>
              {credential.subject ? (
                <>
                  <ShortValue value={credential.subject} label={`subject for ${entry.name}`} keep={24} />
                  {credential.subjectSource === "expected" ? <span className="muted"> (expected; checked again before it is written)</span> : null}
                </>
              ) : (
                <span className="muted">Read back from Azure DevOps when the connection exists</span>
              )}
            </dd>
            <dt>Credential</dt>
            <dd>{WRITER_WORDS[credential.writtenBy]}</dd>
          </>
        ) : null}
        {identity ? (
          <>
            <dt>Identity</dt>
            <dd>
              {identity.displayName ?? identity.clientId ?? "a new identity"}
              {identity.new ? " (new)" : ""}:{" "}
              <span className={overCap ? "cap cap-over" : "cap"}>
                {identity.credentialsAfter != null
                  ? `${identity.credentialsAfter} of ${identity.cap} federated credentials after this${identity.credentialsNow != null ? ` (${identity.credentialsNow} now)` : ""}`
                  : identity.credentialsNow != null
                    ? `${identity.credentialsNow} of ${identity.cap} federated credentials now`
                    : `at most ${identity.cap} federated credentials`}
              </span>
            </dd>
          </>
        ) : null}
        <dt>Pipelines</dt>
        <dd>{pipelinesWords(entry)}</dd>
      </dl>
      <Findings entry={entry} accepted={accepted} dispatch={dispatch} />
      {entry.notes.length > 0 ? (
        <ul className="notes">
          {entry.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function PlanScreen({ wizard, dispatch, titleId }: StepProps) {
  const migrate = wizard.migrate;
  const key = requestKey(migrate);
  const current = migrate.migration.plan;
  const title = (
    <StepTitle
      id={titleId}
      lead="What migrating the connections you chose would do, wave by wave. Nothing has changed yet; each wave is verified before the next starts."
    >
      Migration plan
    </StepTitle>
  );
  if (current === null || current.requestKey !== key || current.result.status === "idle" || current.result.status === "loading") {
    return (
      <article className="step">
        {title}
        <Loading what={`Checking ${plural(migrationRequest(migrate).connections.length, "chosen connection")} against the estate as it is now, with their identities and pipelines…`} />
      </article>
    );
  }
  if (current.result.status === "failed") {
    return (
      <article className="step">
        {title}
        <ErrorPanel
          title="Keyless could not plan the migration"
          error={current.result.error}
          onRetry={() => dispatch({ type: "loadRetried", load: { kind: "migrationPlan", requestKey: key, request: migrationRequest(migrate) } })}
          onSignIn={() => dispatch({ type: "stepSelected", step: "signIn" })}
        />
      </article>
    );
  }
  const plan = current.result.value;
  return (
    <article className="step migration-plan">
      {title}
      <UnreadNotice unread={plan.unread} consequence="their connections are refused below" />
      <Counts plan={plan} />
      <p className="muted">
        Each connection moves to <strong>workload identity federation</strong>: Azure DevOps presents a short-lived token, and
        Entra ID accepts it because the identity has a <strong>federated credential</strong> naming the token's{" "}
        <strong>issuer</strong> (who vouches for it) and <strong>subject</strong> (which connection it is).{" "}
        <a href={FEDERATION_URL} className="external-link">
          Learn more
          <Icon name="external" />
        </a>
      </p>
      {entriesByWave(plan).map((group) => (
        <section key={group.wave ?? "idle"} className="migration-wave" aria-labelledby={`wave-${group.wave ?? "idle"}`}>
          <h2 id={`wave-${group.wave ?? "idle"}`}>
            {group.wave === null ? "Not migrated" : `Wave ${group.wave}`}{" "}
            <span className="muted">({plural(group.entries.length, "connection")})</span>
          </h2>
          <ul className="migration-entries">
            {group.entries.map((entry) => (
              <EntryCard key={entry.id} entry={entry} accepted={migrate.migration.accepted[entry.id] ?? []} dispatch={dispatch} />
            ))}
          </ul>
        </section>
      ))}
    </article>
  );
}
