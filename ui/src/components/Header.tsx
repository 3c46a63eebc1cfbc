// The header: product name, then the signed-in account, its tenant and the cloud, always visible.
import type { SessionStatus } from "../ipc/bindings";
import type { WizardState } from "../wizard/model";
import { Icon, Logo } from "./Icon";
import { ShortValue } from "./ShortValue";

/** Shown in place of a value when the session check failed: the error panel says why. */
function Unknown() {
  return <span className="muted">Unknown</span>;
}

export function Header({ state }: { state: WizardState }) {
  const session: SessionStatus | null = state.phase === "ready" ? state.session : null;
  const failed = state.phase === "failed";
  return (
    <header className="app-header">
      <div className="brand">
        <Logo />
        <span className="brand-name">Keyless</span>
      </div>
      <dl className="session" aria-label="Session">
        <div className="session-item">
          <dt>Account</dt>
          <dd>
            {failed ? (
              <Unknown />
            ) : session === null ? (
              <span className="skeleton" aria-label="Checking who is signed in" />
            ) : session.account ? (
              <span className="account" title={session.account.userPrincipalName}>
                <span className="account-name">{session.account.displayName}</span>
                <span className="account-upn">{session.account.userPrincipalName}</span>
              </span>
            ) : (
              <span className="muted">Not signed in</span>
            )}
          </dd>
        </div>
        <div className="session-item">
          <dt>Tenant</dt>
          <dd>
            {session?.account ? (
              <ShortValue value={session.account.tenantId} label="tenant ID" />
            ) : (
              <span className="muted">{failed ? "Unknown" : session === null ? "…" : "None yet"}</span>
            )}
          </dd>
        </div>
        <div className="session-item">
          <dt>Cloud</dt>
          <dd>
            {failed ? (
              <Unknown />
            ) : session === null ? (
              <span className="skeleton" aria-label="Checking the cloud" />
            ) : session.cloud.isDemo ? (
              <span className="cloud-badge cloud-badge-demo">
                <Icon name="flask" />
                DEMO · {session.cloud.name}
              </span>
            ) : (
              <span className="cloud-badge">{session.cloud.name}</span>
            )}
          </dd>
        </div>
      </dl>
    </header>
  );
}

/** Under the header whenever the cloud is a demo, so nobody mistakes it for production. */
export function DemoBanner() {
  return (
    <div className="demo-banner" role="note" aria-label="Demo cloud">
      <Icon name="flask" />
      <p>
        <strong>Demo cloud.</strong> Keyless is talking to its built-in emulator: nothing here changes
        Entra ID, Azure or Azure DevOps.
      </p>
    </div>
  );
}
