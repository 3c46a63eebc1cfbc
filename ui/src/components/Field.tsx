// A labelled form field: the label, the control, a hint and a problem, wired together with ids for screen readers.
import { type ReactNode, useId } from "react";

import { Icon } from "./Icon";

export interface FieldIds {
  id: string;
  describedBy: string | undefined;
  invalid: boolean;
}

/** `children` receives the ids to put on the control. */
export function Field({
  label,
  hint,
  problem,
  note,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  problem?: string | null;
  note?: ReactNode;
  children: (ids: FieldIds) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : null;
  const problemId = problem ? `${id}-problem` : null;
  const noteId = note ? `${id}-note` : null;
  const describedBy = [hintId, problemId, noteId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={problem ? "field field-invalid" : "field"}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {hint ? (
        <p id={hintId ?? undefined} className="field-hint">
          {hint}
        </p>
      ) : null}
      {children({ id, describedBy, invalid: Boolean(problem) })}
      {problem ? (
        <p id={problemId ?? undefined} className="field-problem">
          <Icon name="warning" />
          <span>{problem}</span>
        </p>
      ) : null}
      {note ? (
        <p id={noteId ?? undefined} className="field-note">
          {note}
        </p>
      ) : null}
    </div>
  );
}
