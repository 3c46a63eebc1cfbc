// The h1 at the top of every step, focusable so moving between steps puts screen-reader focus on it.
import type { ReactNode } from "react";

export function StepTitle({ id, children, lead }: { id: string; children: ReactNode; lead?: ReactNode }) {
  return (
    <div className="step-title">
      <h1 id={id} tabIndex={-1}>
        {children}
      </h1>
      {lead ? <p className="lead">{lead}</p> : null}
    </div>
  );
}
