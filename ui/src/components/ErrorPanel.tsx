// Shows a failed backend call: what failed, what to do, and the code and request id in a disclosure.
import type { IpcError } from "../ipc/bindings";
import { Icon } from "./Icon";

export function ErrorPanel({ title, error, onRetry }: { title: string; error: IpcError; onRetry: () => void }) {
  return (
    <section className="error-panel" role="alert" aria-labelledby="error-title">
      <h2 id="error-title">
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
      <button type="button" className="button" onClick={onRetry}>
        <Icon name="retry" />
        Try again
      </button>
    </section>
  );
}
