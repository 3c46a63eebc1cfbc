// The Findings screen: connections grouped by organization and project, broken first, each with its findings and a Fix
// button; or, for a pasted log, each failure explained and the connections it names.
import { ErrorPanel } from "../components/ErrorPanel";
import { Icon } from "../components/Icon";
import { Loading } from "../components/Loading";
import { Notice } from "../components/Notice";
import type { ConnectionDiagnosisView, DiagnosisView, ExplanationView } from "../ipc/bindings";
import { StepTitle } from "../steps/StepTitle";
import type { StepProps } from "../steps/types";
import { FindingItem, sentence } from "./Evidence";
import { groupedConnections, refOf, targetLabel } from "./selectors";

const HEALTH = {
  broken: { icon: "warning", words: "Broken" },
  warning: { icon: "clock", words: "Works, with a warning" },
  healthy: { icon: "check", words: "Passes" },
} as const;

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function ConnectionCard({ connection, onFix }: { connection: ConnectionDiagnosisView; onFix: () => void }) {
  const health = HEALTH[connection.health];
  const titleId = `diagnosis-${connection.id}`;
  return (
    <li className={`diagnosis diagnosis-${connection.health}`} aria-labelledby={titleId}>
      <div className="diagnosis-head">
        <Icon name={health.icon} className="diagnosis-icon" />
        <h3 id={titleId}>{connection.name}</h3>
        <span className="diagnosis-health">{health.words}</span>
        <span className="muted">
          {connection.identityName ?? connection.clientId ?? "no identity"} · {connection.scheme === "ServicePrincipal" ? "secret" : "workload identity"}
        </span>
        {connection.keylessCanFix ? (
          <button type="button" className="button diagnosis-fix" onClick={onFix} aria-label={`Fix ${connection.name}`}>
            Fix
          </button>
        ) : null}
      </div>
      {connection.findings.length > 0 ? (
        <ul className="findings">
          {connection.findings.map((finding, index) => (
            <FindingItem key={index} finding={finding} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function DiagnosisList({ diagnosis, onFix }: { diagnosis: DiagnosisView; onFix: (connection: ConnectionDiagnosisView) => void }) {
  const summary = diagnosis.summary;
  return (
    <>
      <ul className="diagnose-summary" aria-label="Summary">
        <li className={summary.broken > 0 ? "summary-broken" : undefined}>
          <Icon name="warning" /> {plural(summary.broken, "broken")}
        </li>
        <li>
          <Icon name="clock" /> {plural(summary.warned, "warning")}
        </li>
        <li>
          <Icon name="check" /> {summary.healthy} passing
        </li>
        <li>
          <Icon name="undo" /> {summary.fixableByKeyless} Keyless can fix
        </li>
      </ul>
      {diagnosis.unread.length > 0 ? (
        <Notice tone="warning" title={`${plural(diagnosis.unread.length, "place")} could not be read; the rest is shown`}>
          <ul>
            {diagnosis.unread.map((place) => (
              <li key={place.place}>
                <strong>{place.place}</strong>: {place.problem}
              </li>
            ))}
          </ul>
        </Notice>
      ) : null}
      {diagnosis.connections.length === 0 ? (
        <Notice tone="info" title="No workload identity or secret-based connection here">
          <p>Keyless diagnoses connections that sign in to Azure as an Entra identity. Choose a wider scope on the Diagnose step.</p>
        </Notice>
      ) : null}
      {groupedConnections(diagnosis).map((group) => (
        <section key={`${group.organization}/${group.project}`} className="diagnose-group" aria-label={`${group.organization} / ${group.project}`}>
          <h2>
            {group.organization} / {group.project}
            {group.broken > 0 ? <span className="tag tag-broken">{plural(group.broken, "broken connection")}</span> : null}
          </h2>
          <ul className="diagnoses">
            {group.connections.map((connection) => (
              <ConnectionCard key={connection.id} connection={connection} onFix={() => onFix(connection)} />
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}

function Explanation({ explanation }: { explanation: ExplanationView }) {
  return (
    <li className="explanation">
      <p className="finding-head">
        <span className="code-badge mono">{explanation.code}</span>
        <span className="finding-cause">{explanation.cause}</span>
      </p>
      <p className="muted">
        Line {explanation.line}
        {explanation.mentions > 1 ? `, mentioned ${explanation.mentions} times` : ""}:
      </p>
      <pre className="mono excerpt">{explanation.excerpt}</pre>
      {explanation.issuer || explanation.subject ? (
        <dl className="facts-list">
          {explanation.issuer ? (
            <div>
              <dt>Issuer</dt>
              <dd className="mono">{explanation.issuer}</dd>
            </div>
          ) : null}
          {explanation.subject ? (
            <div>
              <dt>Subject</dt>
              <dd className="mono">{explanation.subject}</dd>
            </div>
          ) : null}
        </dl>
      ) : null}
      {explanation.evidence.length > 0 ? (
        <ul className="evidence" aria-label="What the log shows">
          {explanation.evidence.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
      <p>
        <strong>Fix:</strong>
      </p>
      <ol className="fix-steps">
        {explanation.fix.map((step) => (
          <li key={step}>{sentence(step)}</li>
        ))}
      </ol>
    </li>
  );
}

export function FindingsScreen({ wizard, dispatch, commands, titleId }: StepProps) {
  const state = wizard.diagnose;
  const fix = (connection: ConnectionDiagnosisView) => void commands.chooseFixes([refOf(connection)]);
  const signIn = () => dispatch({ type: "stepSelected", step: "signIn" });
  if (state.mode === "paste") {
    const result = state.pastedLog?.result ?? { status: "idle" as const };
    return (
      <article className="step diagnose">
        <StepTitle id={titleId} lead="Each failure the log mentions, with its cause, what the log shows, and the fix.">
          What the log says
        </StepTitle>
        {result.status === "loading" || result.status === "idle" ? <Loading what="Reading the log for known failures…" /> : null}
        {result.status === "failed" ? (
          <ErrorPanel title="Keyless could not explain the log" error={result.error} onRetry={() => void commands.explainLog(state.pasted)} onSignIn={signIn} />
        ) : null}
        {result.status === "loaded" ? (
          <>
            {result.value.recognised ? (
              <Notice tone="success" title={`Recognised ${plural(result.value.explanations.length, "failure")}`} />
            ) : (
              <Notice tone="warning" title="Keyless recognised no failure in this text">
                <p>It looked for these codes: {result.value.lookedFor.join(", ")}.</p>
                {result.value.unknownCodes.length > 0 ? <p>It has no explanation for {result.value.unknownCodes.join(", ")}.</p> : null}
              </Notice>
            )}
            <ul className="explanations">
              {result.value.explanations.map((explanation, index) => (
                <Explanation key={index} explanation={explanation} />
              ))}
            </ul>
            {result.value.source === "textOnly" ? (
              <Notice tone="info" title="Explained from the text only">
                <p>Sign in and explain it again to have Keyless check the connections the log names and fix them.</p>
              </Notice>
            ) : result.value.live && result.value.live.connections.length > 0 ? (
              <section aria-labelledby="named-title">
                <h2 id="named-title">The connections the log names, as they are now</h2>
                <DiagnosisList diagnosis={result.value.live} onFix={fix} />
              </section>
            ) : null}
          </>
        ) : null}
      </article>
    );
  }
  const diagnosis = state.diagnosis;
  const result = diagnosis?.result ?? { status: "idle" as const };
  return (
    <article className="step diagnose">
      <StepTitle id={titleId} lead={diagnosis ? `Connections in ${targetLabel(diagnosis.target)}, broken ones first.` : undefined}>
        Findings
      </StepTitle>
      {result.status === "loading" || result.status === "idle" ? (
        <Loading what="Reading each connection, its identity, federated credentials, role and memberships…" />
      ) : null}
      {result.status === "failed" && diagnosis ? (
        <ErrorPanel title="Keyless could not diagnose" error={result.error} onRetry={() => void commands.diagnoseTarget(diagnosis.target)} onSignIn={signIn} />
      ) : null}
      {result.status === "loaded" ? <DiagnosisList diagnosis={result.value} onFix={fix} /> : null}
    </article>
  );
}
