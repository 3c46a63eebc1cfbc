// The Welcome step: what Keyless does, what it never does, and what the user needs before starting.
import { Icon } from "./Icon";

const LEARN_MORE_URL = "https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure";

const DOES = [
  "Finds the Azure DevOps organizations and projects your account can reach.",
  "Creates or reuses an app registration or a user-assigned managed identity, with one federated credential per service connection.",
  "Grants the Azure roles you choose, on the subscriptions or resource groups you choose.",
  "Creates the Azure DevOps service connections, after showing every change on one Review page.",
];

const DOES_NOT = [
  "Never creates, shows or stores a client secret or certificate.",
  "Changes nothing until you apply the plan on the Review step.",
  "Talks only to Microsoft Entra ID, Microsoft Graph, Azure Resource Manager and Azure DevOps. No telemetry.",
];

export function WelcomePanel({ titleId }: { titleId: string }) {
  return (
    <article className="welcome">
      <h1 id={titleId}>Service connections without secrets</h1>
      <p className="lead">
        Keyless sets up Azure DevOps service connections that sign in to Azure with workload identity
        federation instead of a client secret.
      </p>
      <aside className="term" aria-label="Workload identity federation">
        <Icon name="info" />
        <p>
          <strong>Workload identity federation</strong> lets a pipeline prove who it is with a short-lived
          token that Azure DevOps issues for each run; Microsoft Entra ID accepts that token because a{" "}
          <strong>federated credential</strong> on the identity names its issuer and subject.{" "}
          <a href={LEARN_MORE_URL} className="external-link">
            Learn more on Microsoft Learn
            <Icon name="external" />
          </a>
        </p>
      </aside>
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
      <section className="before" aria-labelledby="before-title">
        <h2 id="before-title">Before you start</h2>
        <p>
          Sign in with an account that can create app registrations in the tenant (or use an existing
          identity), is Owner or User Access Administrator on the Azure scope, and is Project Administrator
          in the Azure DevOps projects.
        </p>
      </section>
    </article>
  );
}
