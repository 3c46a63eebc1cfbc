// The Sign in step: browser, device code (with the code to copy) or Azure CLI; who is signed in, in which tenant.
import type { SignInMethodView } from "../ipc/bindings";
import { CopyButton } from "../components/CopyButton";
import { ErrorPanel } from "../components/ErrorPanel";
import { Field } from "../components/Field";
import { Icon } from "../components/Icon";
import { Notice } from "../components/Notice";
import { ShortValue } from "../components/ShortValue";
import { StepTitle } from "./StepTitle";
import type { StepProps } from "./types";

const METHODS: { value: SignInMethodView; title: string; text: string }[] = [
  {
    value: "browser",
    title: "Browser",
    text: "Opens the Microsoft sign-in page in your default browser. The usual choice on your own computer.",
  },
  {
    value: "deviceCode",
    title: "Device code",
    text: "Shows a code to type at microsoft.com/devicelogin on any device, e.g. when this computer has no browser.",
  },
  {
    value: "azureCli",
    title: "Azure CLI",
    text: "Uses the account of an existing `az login` on this computer. Nothing to type.",
  },
];

function SignedIn({ wizard, commands }: StepProps) {
  const account = wizard.session.account;
  if (account === null) return null;
  return (
    <section className="card signed-in" aria-labelledby="signed-in-title">
      <h2 id="signed-in-title">
        <Icon name="check" className="fact-yes" />
        Signed in as {account.displayName}
      </h2>
      <dl className="summary-list">
        <dt>Account</dt>
        <dd>{account.userPrincipalName}</dd>
        <dt>Tenant</dt>
        <dd>
          <ShortValue value={account.tenantId} label="tenant ID" />
        </dd>
        <dt>Cloud</dt>
        <dd>{wizard.session.cloud.isDemo ? "Demo (the built-in emulator)" : wizard.session.cloud.name}</dd>
      </dl>
      <p className="muted">
        Keyless keeps its tokens in memory and never shows them to this window. Next, it lists the Azure DevOps organizations
        this account can reach.
      </p>
      <div className="button-row">
        <button type="button" className="button button-text" onClick={() => void commands.signOut()}>
          Sign out and use another account
        </button>
      </div>
    </section>
  );
}

function Waiting({ wizard, commands }: StepProps) {
  if (wizard.signIn.status !== "waiting") return null;
  const prompt = wizard.signIn.prompt;
  return (
    <section className="card waiting" aria-labelledby="waiting-title">
      <h2 id="waiting-title">
        <Icon name="clock" />
        Waiting for you to finish signing in…
      </h2>
      {prompt?.kind === "deviceCode" ? (
        <>
          <p>
            Open{" "}
            <a href={prompt.verificationUri} className="external-link">
              {prompt.verificationUri}
              <Icon name="external" />
            </a>{" "}
            <CopyButton value={prompt.verificationUri} label="sign-in page address" /> on any device and enter this code:
          </p>
          <p className="device-code">
            <span className="mono" aria-label={`Device code ${prompt.userCode.split("").join(" ")}`}>
              {prompt.userCode}
            </span>
            <CopyButton value={prompt.userCode} label="device code" showText />
          </p>
          <p className="muted">{prompt.message}</p>
          {wizard.session.cloud.isDemo ? <p className="muted">On the demo cloud the code is approved by itself in a moment.</p> : null}
        </>
      ) : prompt?.kind === "browserOpened" ? (
        <p>Your browser opened the Microsoft sign-in page. Finish there; this window continues by itself.</p>
      ) : wizard.signIn.method === "azureCli" ? (
        <p>Asking the Azure CLI on this computer for its signed-in account.</p>
      ) : (
        <p>Starting the sign-in.</p>
      )}
      <div className="button-row">
        <button type="button" className="button" onClick={() => void commands.cancelSignIn()}>
          <Icon name="cross" />
          Cancel sign-in
        </button>
      </div>
    </section>
  );
}

export function SignInStep(props: StepProps) {
  const { wizard, dispatch, commands, titleId } = props;
  const form = wizard.signInForm;
  const waiting = wizard.signIn.status === "waiting";
  const cloud = wizard.session.cloud.isDemo ? "the demo cloud" : wizard.session.cloud.name;
  return (
    <article className="step">
      <StepTitle id={titleId} lead={`Keyless signs in to ${cloud} once, then reads and changes Entra ID, Azure and Azure DevOps as you.`}>
        Sign in
      </StepTitle>
      {wizard.session.account ? (
        <SignedIn {...props} />
      ) : (
        <>
          {waiting ? null : (
            <>
              <fieldset className="choice-group">
                <legend>How do you want to sign in?</legend>
                <div className="choice-row choice-row-3">
                  {METHODS.map((method) => (
                    <label key={method.value} className="choice-card">
                      <input
                        type="radio"
                        name="sign-in-method"
                        value={method.value}
                        checked={form.method === method.value}
                        onChange={() => dispatch({ type: "signInFormChanged", patch: { method: method.value } })}
                      />
                      <span className="choice-text">
                        <span className="choice-title">{method.title}</span>
                        <span className="choice-hint">{method.text}</span>
                      </span>
                    </label>
                  ))}
                </div>
              </fieldset>
              <div className="form-row">
                <Field
                  label="Tenant (optional)"
                  hint="A tenant ID or domain, e.g. contoso.onmicrosoft.com. Leave empty for your account's home tenant."
                >
                  {(ids) => (
                    <input
                      id={ids.id}
                      aria-describedby={ids.describedBy}
                      className="input"
                      value={form.tenant}
                      spellCheck={false}
                      onChange={(event) => dispatch({ type: "signInFormChanged", patch: { tenant: event.target.value } })}
                    />
                  )}
                </Field>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={form.remember}
                    onChange={(event) => dispatch({ type: "signInFormChanged", patch: { remember: event.target.checked } })}
                  />
                  <span>
                    Keep me signed in on this computer
                    <span className="check-hint">Keyless stores a refresh token in the system keyring, never in a file.</span>
                  </span>
                </label>
              </div>
            </>
          )}
          <Waiting {...props} />
          {wizard.signIn.status === "failed" ? (
            <ErrorPanel title="Sign-in did not finish" error={wizard.signIn.error} onRetry={() => void commands.signIn(wizard)} />
          ) : null}
          {!waiting && wizard.signIn.status !== "failed" ? (
            <Notice tone="info" title="What Keyless asks for">
              <p>
                Permission to read your organizations and to create identities, role assignments and service connections as
                you. You can see every change on the Review step before anything happens.
              </p>
            </Notice>
          ) : null}
        </>
      )}
    </article>
  );
}
