// Monospace text (YAML, commands, plans) with a label and a copy button.
import { CopyButton } from "./CopyButton";

export function CodeBlock({ code, label, title }: { code: string; label: string; title?: string }) {
  return (
    <figure className="code-block">
      <figcaption>
        <span>{title ?? label}</span>
        <CopyButton value={code} label={label} showText />
      </figcaption>
      <pre tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
