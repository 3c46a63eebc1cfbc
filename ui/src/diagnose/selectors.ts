// Pure reads of the Diagnose slice: the target a scope names, results grouped broken first, the differences in
// expected and found values, which fixes can run, and each Diagnose screen's problem and primary action.
import type { ConnectionDiagnosisView, DiagnosisView, DoctorTargetInput, FindingView } from "../ipc/bindings";
import type { Wizard } from "../wizard/model";
import type { ConnectionRef, DiagnoseState, FixState, ScopeDraft } from "./model";

export type DiagnoseStepId = "diagnoseScope" | "diagnoseFindings" | "diagnoseFix";

/** The target a scope names, or the sentence saying what is missing. */
export function targetOf(scope: ScopeDraft): { target: DoctorTargetInput } | { problem: string } {
  const organization = scope.organization.trim();
  const project = scope.project.trim();
  const connection = scope.connection.trim();
  if (scope.kind === "everything") return { target: { kind: "everything" } };
  if (organization === "") return { problem: "Name the organization to diagnose." };
  if (scope.kind === "organization") return { target: { kind: "organization", organization } };
  if (project === "") return { problem: "Name the project to diagnose." };
  if (scope.kind === "project") return { target: { kind: "project", organization, project } };
  if (connection === "") return { problem: "Name the service connection, or paste its id." };
  return { target: { kind: "connection", organization, project, connection } };
}

/** "every organization you reach", "contoso", "contoso / Shop", "shop-prod in contoso / Shop". */
export function targetLabel(target: DoctorTargetInput): string {
  switch (target.kind) {
    case "everything":
      return "every organization you reach";
    case "organization":
      return target.organization;
    case "project":
      return `${target.organization} / ${target.project}`;
    case "connection":
      return `${target.connection} in ${target.organization} / ${target.project}`;
  }
}

export interface ProjectGroup {
  organization: string;
  project: string;
  connections: ConnectionDiagnosisView[];
  broken: number;
}

const HEALTH_ORDER = { broken: 0, warning: 1, healthy: 2 } as const;

/** Connections grouped by organization and project; groups with broken connections first, and broken first in each. */
export function groupedConnections(diagnosis: DiagnosisView): ProjectGroup[] {
  const groups = new Map<string, ProjectGroup>();
  for (const connection of diagnosis.connections) {
    const key = `${connection.organization}/${connection.project}`;
    const group = groups.get(key) ?? { organization: connection.organization, project: connection.project, connections: [], broken: 0 };
    group.connections.push(connection);
    if (connection.health === "broken") group.broken += 1;
    groups.set(key, group);
  }
  const sorted = [...groups.values()].map((group) => ({
    ...group,
    connections: [...group.connections].sort(
      (left, right) => HEALTH_ORDER[left.health] - HEALTH_ORDER[right.health] || left.name.localeCompare(right.name),
    ),
  }));
  return sorted.sort(
    (left, right) =>
      Number(right.broken > 0) - Number(left.broken > 0) ||
      left.organization.localeCompare(right.organization) ||
      left.project.localeCompare(right.project),
  );
}

export function refOf(connection: ConnectionDiagnosisView): ConnectionRef {
  return { organization: connection.organization, project: connection.project, connectionId: connection.id, name: connection.name };
}

/** The connections on screen now: the live diagnosis, or the ones a pasted log named. */
export function shownDiagnosis(state: DiagnoseState): DiagnosisView | null {
  if (state.mode === "paste") {
    const result = state.pastedLog?.result;
    return result?.status === "loaded" ? result.value.live : null;
  }
  const result = state.diagnosis?.result;
  return result?.status === "loaded" ? result.value : null;
}

export function fixableConnections(state: DiagnoseState): ConnectionDiagnosisView[] {
  return shownDiagnosis(state)?.connections.filter((connection) => connection.keylessCanFix) ?? [];
}

/** One piece of a value compared with another: `differs` marks characters that are not the same. */
export interface Segment {
  text: string;
  differs: boolean;
}

/**
 * Splits `value` where it differs from `other`. Values of the same length compare letter by letter (so a case-only
 * difference marks just the letters whose case differs); others keep their common start and end and mark the middle.
 */
export function differences(value: string, other: string): Segment[] {
  const segments: Segment[] = [];
  const push = (text: string, differs: boolean) => {
    if (text === "") return;
    const last = segments[segments.length - 1];
    if (last && last.differs === differs) last.text += text;
    else segments.push({ text, differs });
  };
  if (value.length === other.length) {
    for (let index = 0; index < value.length; index += 1) push(value.charAt(index), value.charAt(index) !== other.charAt(index));
    return segments;
  }
  let start = 0;
  while (start < value.length && start < other.length && value[start] === other[start]) start += 1;
  let end = 0;
  while (end < value.length - start && end < other.length - start && value[value.length - 1 - end] === other[other.length - 1 - end]) end += 1;
  push(value.slice(0, start), false);
  push(value.slice(start, value.length - end), true);
  push(value.slice(value.length - end), false);
  return segments;
}

/** The expected and found values a finding compares, when it compares two. */
export function comparedValues(finding: FindingView): { what: string; expected: string; found: string; caseOnly: boolean } | null {
  switch (finding.code.kind) {
    case "subjectMismatch":
      return { what: "Subject", expected: finding.code.expected, found: finding.code.found, caseOnly: false };
    case "caseOnlyMismatch":
      return { what: "Subject", expected: finding.code.expected, found: finding.code.found, caseOnly: true };
    case "issuerMismatch":
    case "oldIssuer": {
      const found = finding.code.found[0];
      return found === undefined ? null : { what: "Issuer", expected: finding.code.presented, found, caseOnly: false };
    }
    default:
      return null;
  }
}

export function fixRunning(fix: FixState | null): boolean {
  if (fix === null) return false;
  return fix.undo.status === "running" || Object.values(fix.runs).some((run) => run.status === "running");
}

/** The fixes that ran to the end: what Undo rolls back. */
export function finishedFixRuns(fix: FixState | null): string[] {
  if (fix === null) return [];
  return fix.targets.flatMap((target) => {
    const run = fix.runs[target.connectionId];
    return run?.status === "finished" && run.result.run.status !== "rolledBack" ? [run.result.run.runId] : [];
  });
}

/** The targets whose plan has something to run and that have not been fixed yet. */
export function fixesToApply(fix: FixState | null): ConnectionRef[] {
  if (fix === null) return [];
  return fix.targets.filter((target) => {
    const plan = fix.plans[target.connectionId];
    const run = fix.runs[target.connectionId];
    const done = run?.status === "finished" && run.result.run.status === "completed" && fix.undo.status !== "finished";
    return plan?.status === "loaded" && plan.value.plan !== null && !done;
  });
}

export function diagnoseStepProblem(wizard: Wizard, step: DiagnoseStepId): string | null {
  const state = wizard.diagnose;
  switch (step) {
    case "diagnoseScope":
      return (state.mode === "paste" ? state.pastedLog : state.diagnosis) === null ? "Choose what to diagnose." : null;
    case "diagnoseFindings":
      return state.fix === null ? "Choose a connection to fix." : null;
    case "diagnoseFix":
      return finishedFixRuns(state.fix).length > 0 ? null : "Apply the fix.";
  }
}

export interface DiagnosePrimary {
  label: string;
  disabled: boolean;
  note: string | null;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function diagnosePrimaryAction(wizard: Wizard, step: DiagnoseStepId): DiagnosePrimary {
  const state = wizard.diagnose;
  const ready = (label: string): DiagnosePrimary => ({ label, disabled: false, note: null });
  const blocked = (label: string, note: string | null): DiagnosePrimary => ({ label, disabled: true, note });
  switch (step) {
    case "diagnoseScope": {
      if (state.mode === "paste") {
        return state.pasted.trim() === "" ? blocked("Explain this log", "Paste a pipeline log or error message.") : ready("Explain this log");
      }
      if (wizard.session.account === null) {
        return blocked("Diagnose", "Sign in to diagnose live connections; a pasted log can be explained without signing in.");
      }
      const chosen = targetOf(state.scope);
      return "problem" in chosen ? blocked("Diagnose", chosen.problem) : ready(`Diagnose ${targetLabel(chosen.target)}`);
    }
    case "diagnoseFindings": {
      const fixable = fixableConnections(state).length;
      if (fixable === 0) return ready("Diagnose again");
      return ready(fixable === 1 ? "Fix the connection Keyless can fix" : `Fix all ${fixable} Keyless can fix`);
    }
    case "diagnoseFix": {
      if (fixRunning(state.fix)) return blocked("Fixing…", null);
      if (finishedFixRuns(state.fix).length > 0 && fixesToApply(state.fix).length === 0) return ready("Back to findings");
      const plans = state.fix ? Object.values(state.fix.plans) : [];
      if (plans.some((plan) => plan.status === "loading")) return blocked("Apply", "Planning the fix against what exists now…");
      const count = fixesToApply(state.fix).length;
      if (count === 0) return blocked("Apply", "Keyless can fix nothing here now; each finding says what to do instead.");
      return ready(count === 1 ? "Apply the fix" : `Apply ${plural(count, "fix", "fixes")}`);
    }
  }
}
