// The Welcome step: what Keyless does and never does, setting up or migrating, the demo cloud or Azure, unfinished runs.
import { ErrorPanel } from "../components/ErrorPanel";
import { Icon } from "../components/Icon";
import { Notice } from "../components/Notice";
import type { CloudChoice, Path } from "../wizard/model";
import { plural } from "../wizard/selectors";
import { LEARN_MORE_URL } from "./links";
import { StepTitle } from "./StepTitle";
import type { StepProps } from "./types";



const DOES = [
  "Finds the Azure DevOps organizations and projects your account can reach.",
  "Creates or reuses an app registration or managed identity, with one federated credential per connection.",
  "Grants the Azure role you choose, where you choose, and creates the service connections.",
  "Shows every change on one Review page first, and can undo its run afterwards.",
];

const DOES_NOT = [
  "Never creates, shows or stores a client secret or certificate.",
  "Changes nothing until you apply the plan on the Review step.",
  "Talks only to Entra ID, Microsoft Graph, Azure Resource Manager and Azure DevOps. No telemetry.",
];

const PATHS: { value: Path; title: string; text: string }[] = [
  {
    value: "setup",
    title: "Set up new connections",
    text: "Create an identity, its access and new service connections that sign in without a secret.",
  },
  {
    value: "migrate",
    title: "Migrate existing connections",
    text: "List every service connection you already have, see which still hold a secret or token, and choose what to migrate.",
  },
  {
    value: "diagnose",
    title: "Diagnose a broken connection",
    text: "Find out why a connection or pipeline fails, with the evidence, and let Keyless fix what it can, with undo.",
  },
];

const CLOUDS: { value: CloudChoice; title: string; text: string }[] = [
  {
    value: "demo",
    title: "Demo cloud",
    text: "Try the whole setup against Keyless's built-in emulator of Contoso. Nothing real changes.",
  },
  {
    value: "azure",
    title: "Microsoft Azure",
    text: "Set up real service connections in your tenant. You sign in on the next step.",
  },
];

export function WelcomeStep({ wizard, dispatch, titleId }: StepProps) {
  const unfinished = wizard.journal.status === "loaded" ? wizard.journal.value.filter((run) => run.status === "failed" || run.status === "running") : [];
  return (
    <article className="step welcome">
      <StepTitle
        id={titleId}
        lead="Keyless sets up Azure DevOps service connections that sign in to Azure with workload identity federation instead of a client secret."
      >
        Service connections without secrets
      </StepTitle>
      <aside className="term" aria-label="Workload identity federation">
        <Icon name="info" />
        <p>
          <strong>Workload identity federation</strong> lets a pipeline prove who it is with a short-lived token that Azure
          DevOps issues for each run; Microsoft Entra ID accepts that token because a <strong>federated credential</strong> on
          the identity names its issuer and subject.{" "}
          <a href={LEARN_MORE_URL} className="external-link">
            Learn more on Microsoft Learn
            <Icon name="external" />
          </a>
        </p>
      </aside>
      <fieldset className="choice-group">
        <legend>What do you want to do?</legend>
        <div className="choice-row">
          {PATHS.map((path) => (
            <label key={path.value} className="choice-card">
              <input
                type="radio"
                name="path"
                value={path.value}
                checked={wizard.path === path.value}
                onChange={() => dispatch({ type: "pathChosen", path: path.value })}
              />
              <span className="choice-text">
                <span className="choice-title">{path.title}</span>
                <span className="choice-hint">{path.text}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="choice-group">
        <legend>Where should Keyless work?</legend>
        <div className="choice-row">
          {CLOUDS.map((cloud) => (
            <label key={cloud.value} className="choice-card">
              <input
                type="radio"
                name="cloud"
                value={cloud.value}
                checked={wizard.cloud === cloud.value}
                disabled={wizard.cloudSwitch.status === "switching"}
                onChange={() => dispatch({ type: "cloudChosen", cloud: cloud.value })}
              />
              <span className="choice-text">
                <span className="choice-title">
                  {cloud.value === "demo" ? <Icon name="flask" /> : null}
                  {cloud.title}
                  {(cloud.value === "demo") === wizard.session.cloud.isDemo ? <span className="tag">In use</span> : null}
                </span>
                <span className="choice-hint">{cloud.text}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="columns">
        <section className="card" aria-labelledby="does-title">
          <h2 id="does-title">What Keyless does</h2>
          <ul className="facts">
            {DOES.map((fact) => (
              <li key={fact}>
                <Icon name="check" className="fact-yes" />
                <span>{fact}</span>
              </li>
            ))}
          </ul>
        </section>
        <section className="card" aria-labelledby="does-not-title">
          <h2 id="does-not-title">What Keyless does not do</h2>
          <ul className="facts">
            {DOES_NOT.map((fact) => (
              <li key={fact}>
                <Icon name="cross" className="fact-no" />
                <span>{fact}</span>
              </li>
            ))}
          </ul>
        </section>
      </div>
      {wizard.cloudSwitch.status === "failed" ? (
        <ErrorPanel title="Keyless could not switch clouds" error={wizard.cloudSwitch.error} />
      ) : null}
      {unfinished.length > 0 ? (
        <Notice tone="info" title={`${plural(unfinished.length, "unfinished run")} on this computer`}>
          <p>
            {unfinished.map((run) => run.runId).join(", ")} stopped before the end. To resume, build the same setup again and
            apply it: Keyless continues where the run stopped and skips what is already done.
          </p>
        </Notice>
      ) : null}
      <p className="before">
        <strong>Before you start:</strong> use an account that can create app registrations in the tenant (or an existing
        identity), is Owner or User Access Administrator on the Azure scope, and is Project Collection Administrator in the
        organizations.
      </p>
    </article>
  );
}
