// Shows a failed backend call: what failed, what to do, the action its code calls for, and the code and request id in a disclosure.
import { useId } from "react";

import type { IpcError } from "../ipc/bindings";
import { Icon } from "./Icon";

export function ErrorPanel({
  title,
  error,
  onRetry,
  onSignIn,
}: {
  title: string;
  error: IpcError;
  onRetry?: () => void;
  /** Offered when the error says the sign-in is missing or expired. */
  onSignIn?: () => void;
}) {
  const titleId = useId();
  const needsSignIn = error.code === "signInRequired" && onSignIn !== undefined;
  // Bad input and missing permissions do not go away by trying again.
  const retryable = onRetry !== undefined && !["invalidInput", "forbidden", "signInRequired"].includes(error.code);
  return (
    <section className="error-panel" role="alert" aria-labelledby={titleId}>
      <h2 id={titleId}>
        <Icon name="warning" />
        {title}
      </h2>
      <p>{error.message}</p>
      <p className="help">{error.help}</p>
      <details>
        <summary>Details</summary>
        <dl className="details">
          <dt>Error code</dt>
          <dd className="mono">{error.code}</dd>
          {error.requestId ? (
            <>
              <dt>Request ID</dt>
              <dd className="mono">{error.requestId}</dd>
            </>
          ) : null}
        </dl>
      </details>
      {needsSignIn || retryable ? (
        <div className="button-row">
          {needsSignIn ? (
            <button type="button" className="button" onClick={onSignIn}>
              Go to Sign in
            </button>
          ) : null}
          {retryable ? (
            <button type="button" className="button" onClick={onRetry}>
              <Icon name="retry" />
              Try again
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
