// What a finding shows: the pipeline's code, the cause, the evidence in monospace, expected against found with the
// differing characters marked (underlined and named for screen readers, never colour alone), and the fix.
import { CopyButton } from "../components/CopyButton";
import { Icon } from "../components/Icon";
import type { FindingView } from "../ipc/bindings";
import { comparedValues, differences } from "./selectors";

/** One value with the characters that differ from `other` marked. */
export function MarkedValue({ value, other, label }: { value: string; other: string; label: string }) {
  return (
    <span className="mono compared-value" aria-label={label}>
      {differences(value, other).map((segment, index) =>
        segment.differs ? (
          <mark key={index} className="diff">
            {segment.text}
          </mark>
        ) : (
          <span key={index}>{segment.text}</span>
        ),
      )}
    </span>
  );
}

function Compared({ finding }: { finding: FindingView }) {
  const compared = comparedValues(finding);
  if (compared === null) return null;
  const marked = (value: string, other: string) =>
    differences(value, other)
      .filter((segment) => segment.differs)
      .map((segment) => `“${segment.text}”`)
      .join(", ");
  const summary = compared.caseOnly
    ? `They differ only in letter case: ${marked(compared.expected, compared.found)} expected, ${marked(compared.found, compared.expected)} found.`
    : "The marked part differs.";
  return (
    <div className="compared">
      <dl>
        <div>
          <dt>{compared.what} Azure DevOps presents (expected)</dt>
          <dd>
            <MarkedValue value={compared.expected} other={compared.found} label={`Expected ${compared.what.toLowerCase()}: ${compared.expected}`} />
            <CopyButton value={compared.expected} label={`expected ${compared.what.toLowerCase()}`} />
          </dd>
        </div>
        <div>
          <dt>{compared.what} on the federated credential (found)</dt>
          <dd>
            <MarkedValue value={compared.found} other={compared.expected} label={`Found ${compared.what.toLowerCase()}: ${compared.found}`} />
            <CopyButton value={compared.found} label={`found ${compared.what.toLowerCase()}`} />
          </dd>
        </div>
      </dl>
      <p className="compared-summary">{summary}</p>
    </div>
  );
}

export function FindingItem({ finding }: { finding: FindingView }) {
  return (
    <li className={`finding finding-${finding.severity}`}>
      <p className="finding-head">
        <Icon name="warning" className="finding-icon" />
        <span className="finding-severity">{finding.severity === "broken" ? "Broken" : "Warning"}</span>
        {finding.pipelineCode ? (
          <span className="code-badge mono" title="The code a pipeline or the connection test shows">
            {finding.pipelineCode}
          </span>
        ) : null}
        <span className="finding-cause">{sentence(finding.cause)}</span>
      </p>
      {finding.evidence.length > 0 ? (
        <ul className="evidence" aria-label="Evidence Keyless read">
          {finding.evidence.map((line) => (
            <li key={line} className="mono">
              {line}
            </li>
          ))}
        </ul>
      ) : null}
      <Compared finding={finding} />
      <p className="finding-fix">
        <strong>Fix:</strong> {sentence(finding.fix)}{" "}
        <span className={finding.keylessCanFix ? "tag tag-fixable" : "tag"}>{finding.keylessCanFix ? "Keyless can do this" : "You do this"}</span>
      </p>
    </li>
  );
}

/** The doctor writes clauses ("the identity has no role"); the window shows sentences. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return trimmed;
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
