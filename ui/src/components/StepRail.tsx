// The left rail: every step of the chosen path with its status, as an icon and words, never colour alone.
import type { StepId, StepStatus, WizardState } from "../wizard/model";
import { stepStatus, stepsOf } from "../wizard/selectors";
import { Icon } from "./Icon";

const STATUS_WORDS: Record<StepStatus, string> = {
  current: "Current step",
  done: "Done",
  available: "Available",
  attention: "Needs attention",
  locked: "Locked",
};

function Marker({ status, number }: { status: StepStatus; number: number }) {
  switch (status) {
    case "done":
      return <Icon name="check" />;
    case "attention":
      return <Icon name="warning" />;
    case "locked":
      return <Icon name="lock" />;
    case "current":
    case "available":
      return <span aria-hidden="true">{number}</span>;
  }
}

export function StepRail({ state, onSelect }: { state: WizardState; onSelect: (step: StepId) => void }) {
  const path = state.phase === "ready" ? state.path : "setup";
  return (
    <nav className="rail" aria-label={path === "migrate" ? "Migration steps" : path === "diagnose" ? "Diagnose steps" : "Setup steps"}>
      <ol>
        {stepsOf(path).map((step, index) => {
          const status = stepStatus(state, step.id);
          return (
            <li key={step.id}>
              <button
                type="button"
                className={`rail-step rail-step-${status}`}
                disabled={status === "locked"}
                aria-current={status === "current" || status === "attention" ? "step" : undefined}
                onClick={() => onSelect(step.id)}
              >
                <span className="rail-marker">
                  <Marker status={status} number={index + 1} />
                </span>
                <span className="rail-text">
                  <span className="rail-title">{step.title}</span>
                  <span className="rail-status">{STATUS_WORDS[status]}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
