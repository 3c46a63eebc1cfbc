// A status message with an icon and words for its tone (info, success, warning, error), never colour alone.
import type { ReactNode } from "react";

import { Icon, type IconName } from "./Icon";

export type Tone = "info" | "success" | "warning" | "error";

const TONE_ICONS: Record<Tone, IconName> = { info: "info", success: "check", warning: "warning", error: "warning" };
const TONE_WORDS: Record<Tone, string> = { info: "Note", success: "Done", warning: "Warning", error: "Problem" };

export function Notice({ tone, title, children }: { tone: Tone; title?: ReactNode; children?: ReactNode }) {
  return (
    <div className={`notice notice-${tone}`} role={tone === "error" ? "alert" : undefined}>
      <Icon name={TONE_ICONS[tone]} className="notice-icon" />
      <div className="notice-body">
        <p className="notice-title">
          <span className="visually-hidden">{TONE_WORDS[tone]}: </span>
          {title}
        </p>
        {children ? <div className="notice-text">{children}</div> : null}
      </div>
    </div>
  );
}
