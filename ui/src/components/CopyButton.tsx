// A button that copies a value to the clipboard and says so, in words and to screen readers.
import { useEffect, useState } from "react";

import { Icon } from "./Icon";

type CopyState = "idle" | "copied" | "failed";

/**
 * Copies `value`; `label` names what is copied ("pipeline YAML for sc-prod"). With `showText` the
 * button shows `text` too, small (next to a value) or `regular` (next to other buttons).
 */
export function CopyButton({
  value,
  label,
  showText = false,
  text = "Copy",
  size = "small",
}: {
  value: string;
  label: string;
  showText?: boolean;
  text?: string;
  size?: "small" | "regular";
}) {
  const [state, setState] = useState<CopyState>("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2500);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = () => {
    navigator.clipboard
      .writeText(value)
      .then(() => setState("copied"))
      .catch(() => setState("failed"));
  };
  const words = state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select the text instead" : text;
  return (
    <button
      type="button"
      className={showText ? (size === "small" ? "button button-small" : "button") : "icon-button"}
      onClick={copy}
      aria-label={state === "idle" ? `Copy ${label}` : `${words} (${label})`}
      title={state === "idle" ? `Copy ${label}` : words}
    >
      <Icon name={state === "copied" ? "check" : "copy"} />
      {showText ? <span>{words}</span> : null}
      <span className="visually-hidden" aria-live="polite">
        {state === "idle" ? "" : words}
      </span>
    </button>
  );
}
