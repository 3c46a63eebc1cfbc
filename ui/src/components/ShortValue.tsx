// A long value (GUID, subject) shortened in the middle, with the full value on hover and a copy button.
import { useState } from "react";

import { Icon } from "./Icon";

/** `72f988bf-86f1-41af-91ab-2d7cd011db47` becomes `72f988bf…d011db47`; short values stay whole. */
export function shortenMiddle(value: string, keep = 8): string {
  return value.length <= keep * 2 + 1 ? value : `${value.slice(0, keep)}…${value.slice(-keep)}`;
}

/** `keep` characters stay at each end; issuers and subjects keep more, so their shape stays readable. */
export function ShortValue({ value, label, keep = 8 }: { value: string; label: string; keep?: number }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard
      .writeText(value)
      .then(() => setCopied(true))
      .catch(() => setCopied(false));
  };
  return (
    <span className="short-value">
      <span className="mono" title={value}>
        {shortenMiddle(value, keep)}
      </span>
      <button
        type="button"
        className="icon-button"
        onClick={copy}
        aria-label={copied ? `${label} copied` : `Copy ${label} ${value}`}
        title={copied ? "Copied" : `Copy ${label}`}
      >
        <Icon name={copied ? "check" : "copy"} />
      </button>
    </span>
  );
}
