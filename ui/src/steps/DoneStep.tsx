// The Done step: what the run did, each connection's federation values and pipeline YAML, hand-off packs, report export and undo.
import { useEffect, useRef } from "react";

import type { ConnectionReportView, HandOffView, RunView, StepOutcomeView } from "../ipc/bindings";
import { CodeBlock } from "../components/CodeBlock";
import { CopyButton } from "../components/CopyButton";
import { ErrorPanel } from "../components/ErrorPanel";
import { Icon } from "../components/Icon";
import { Notice } from "../components/Notice";
import { ShortValue } from "../components/ShortValue";
import { plural } from "../wizard/selectors";
import { RunSteps } from "./RunSteps";
import { FEDERATION_URL } from "./links";
import { StepTitle } from "./StepTitle";
import type { StepProps } from "./types";

const HEADINGS: Record<RunView["status"], string> = {
  completed: "Your service connections are ready",
  waitingForHandOff: "Almost done: the identity's owner adds the credentials",
  failed: "The run did not finish",
  rolledBack: "The run was undone",
  running: "The run did not finish",
};

/** "Created 5, reused 2, verified 1": what the run's steps came to. */
export function outcomeSummary(run: RunView): string {
  const counts = new Map<StepOutcomeView, number>();
  for (const step of run.report.steps) if (step.outcome) counts.set(step.outcome, (counts.get(step.outcome) ?? 0) + 1);
  const words: [StepOutcomeView, string][] = [
    ["created", "created"],
    ["updated", "updated"],
    ["reused", "reused"],
    ["alreadyDone", "done earlier"],
    ["verified", "verified"],
    ["handedOff", "handed off"],
  ];
  const parts = words.filter(([outcome]) => counts.has(outcome)).map(([outcome, word]) => `${counts.get(outcome)} ${word}`);
  return parts.length > 0 ? `${plural(run.report.steps.length, "step")}: ${parts.join(", ")}.` : "No step ran.";
}

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function ConnectionCard({ connection }: { connection: ConnectionReportView }) {
  const name = connection.key.split("/").slice(2).join("/");
  return (
    <section className="card" aria-label={`Connection ${connection.key}`}>
      <div className="card-header">
        <h3>{connection.key.split("/").join(" / ")}</h3>
        {connection.verified ? (
          <span className="tag tag-success">
            <Icon name="check" />
            Verified: it signs in
          </span>
        ) : (
          <span className="tag tag-warning">
            <Icon name="clock" />
            Not verified yet
          </span>
        )}
      </div>
      <dl className="summary-list">
        {connection.id ? (
          <>
            <dt>Connection ID</dt>
            <dd>
              <ShortValue value={connection.id} label={`connection ID of ${name}`} />
            </dd>
          </>
        ) : null}
        {connection.issuer ? (
          <>
            <dt>Issuer</dt>
            <dd>
              <ShortValue value={connection.issuer} label={`issuer of ${name}`} keep={24} />
            </dd>
          </>
        ) : null}
        {connection.subject ? (
          <>
            <dt>Subject</dt>
            <dd>
              <ShortValue value={connection.subject} label={`subject of ${name}`} keep={24} />
            </dd>
          </>
        ) : null}
      </dl>
      <CodeBlock code={connection.pipelineYaml} label={`pipeline YAML for ${name}`} title="Use it in a pipeline" />
    </section>
  );
}

function HandOffCard({ handOff }: { handOff: HandOffView }) {
  return (
    <section className="card" aria-label={`Hand-off for ${handOff.connection}`}>
      <div className="card-header">
        <h3>
          {handOff.identityName}: credential {handOff.ficName}
        </h3>
        <CopyButton value={handOff.markdown} label={`hand-off pack for ${handOff.connection}`} showText text="Copy the pack" />
      </div>
      <p>Send this to the owner of {handOff.identityName}. It unblocks {handOff.connection.split("/").join(" / ")}.</p>
      <dl className="summary-list">
        <dt>Issuer</dt>
        <dd>
          <ShortValue value={handOff.issuer} label="issuer" keep={24} />
        </dd>
        <dt>Subject</dt>
        <dd>
          <ShortValue value={handOff.subject} label="subject" keep={24} />
        </dd>
        <dt>Audience</dt>
        <dd className="mono">{handOff.audience}</dd>
      </dl>
      <CodeBlock code={handOff.azCommand} label={`az command for ${handOff.ficName}`} title="Command for the owner" />
    </section>
  );
}

function UndoSection({ wizard, dispatch, commands, run }: StepProps & { run: RunView }) {
  const undo = wizard.runs.undo;
  const confirmRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (undo.status === "confirming") confirmRef.current?.focus();
  }, [undo.status]);
  const created = run.report.steps.filter((step) => step.outcome === "created").length;
  if (run.status === "rolledBack") return null;
  return (
    <section className="undo" aria-labelledby="undo-title">
      <h2 id="undo-title">Undo</h2>
      {undo.status === "confirming" ? (
        <div className="confirm" role="group" aria-labelledby="undo-confirm-title">
          <h3 id="undo-confirm-title" ref={confirmRef} tabIndex={-1}>
            Undo run {run.runId}?
          </h3>
          <p>
            Keyless will delete the {plural(created, "resource")} this run created, credentials before their connections. Pipelines
            that already use these connections will stop working. What the run reused stays as it was.
          </p>
          <div className="button-row">
            <button type="button" className="button button-danger" onClick={() => void commands.undo(run.runId)}>
              <Icon name="undo" />
              Undo run {run.runId}
            </button>
            <button type="button" className="button button-text" onClick={() => dispatch({ type: "undoDismissed" })}>
              Keep everything
            </button>
          </div>
        </div>
      ) : undo.status === "running" || undo.status === "finished" || undo.status === "failed" ? null : (
        <>
          <p className="muted">Removes what this run created, newest first. Nothing it reused is touched.</p>
          <div className="button-row">
            <button type="button" className="button" onClick={() => dispatch({ type: "undoConfirmRequested" })}>
              <Icon name="undo" />
              Undo this run…
            </button>
          </div>
        </>
      )}
      {undo.status === "running" || undo.status === "finished" || undo.status === "failed" ? (
        <RunSteps progress={undo.progress} running={undo.status === "running"} label="Undo steps" />
      ) : null}
      {undo.status === "failed" ? <ErrorPanel title="Undo stopped" error={undo.error} onRetry={() => void commands.undo(run.runId)} /> : null}
    </section>
  );
}

export function DoneStep(props: StepProps) {
  const { wizard, commands, titleId } = props;
  const run = wizard.lastRun;
  if (run === null) return null;
  const finish = wizard.runs.finish;
  const { connections, handOffs } = run.report;
  return (
    <article className="step">
      <StepTitle id={titleId} lead={outcomeSummary(run)}>
        {HEADINGS[run.status]}
      </StepTitle>
      <div className="button-row export">
        <button type="button" className="button" onClick={() => download(`keyless-${run.runId}.md`, run.report.markdown, "text/markdown")}>
          <Icon name="download" />
          Download the report (Markdown)
        </button>
        <button type="button" className="button" onClick={() => download(`keyless-${run.runId}.json`, run.report.json, "application/json")}>
          <Icon name="download" />
          Download the report (JSON)
        </button>
        <CopyButton value={run.report.markdown} label="the report as Markdown" showText text="Copy the report" size="regular" />
      </div>
      {run.status === "rolledBack" ? (
        <Notice tone="success" title={`Run ${run.runId} was undone. What it created is gone.`} />
      ) : (
        <>
          <aside className="term" aria-label="Issuer and subject">
            <Icon name="info" />
            <p>
              The <strong>issuer</strong> is who signs a pipeline's token (Entra ID for new connections), the{" "}
              <strong>subject</strong> names the service connection. The identity's federated credential holds exactly these
              two, so only this connection can sign in as it.{" "}
              <a href={FEDERATION_URL} className="external-link">
                Learn more
                <Icon name="external" />
              </a>
            </p>
          </aside>
          {handOffs.length > 0 ? (
            <section className="stack" aria-labelledby="handoffs-title">
              <h2 id="handoffs-title">Hand-off packs</h2>
              <p>
                You cannot add credentials to this identity, so its connections wait as drafts. Once the owner ran the commands,
                finish here.
              </p>
              {handOffs.map((handOff) => (
                <HandOffCard key={handOff.connection} handOff={handOff} />
              ))}
              <div className="button-row">
                <button type="button" className="button" disabled={finish.status === "running"} onClick={() => void commands.finish(run.runId)}>
                  <Icon name="retry" />
                  {finish.status === "running" ? "Checking the credentials…" : "Check the credentials and finish"}
                </button>
              </div>
              {finish.status === "running" || finish.status === "finished" ? (
                <RunSteps progress={finish.progress} running={finish.status === "running"} label="Finishing steps" />
              ) : null}
              {finish.status === "failed" ? (
                <ErrorPanel title="The connections could not be finished yet" error={finish.error} onRetry={() => void commands.finish(run.runId)} />
              ) : null}
            </section>
          ) : null}
          <section className="stack" aria-labelledby="connections-title">
            <h2 id="connections-title">{plural(connections.length, "service connection")}</h2>
            {connections.map((connection) => (
              <ConnectionCard key={connection.key} connection={connection} />
            ))}
          </section>
        </>
      )}
      <UndoSection {...props} run={run} />
    </article>
  );
}
