// The in-memory backend's migrations: plans for a choice of the fake estate (with one blocking pipeline finding), runs wave by wave, reports and reverts.
import type {
  ImpactFindingView,
  InventoriedConnectionView,
  MigratedConnectionView,
  MigrationActionView,
  MigrationPlanView,
  MigrationProgressView,
  MigrationRequest,
  MigrationRunStatusView,
  MigrationRunView,
  MigrationWaveReportView,
  PlannedMigrationView,
} from "./bindings";

const CAP = 20;
const DEFAULT_WAVE_SIZE = 10;
const REVERT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** The one pipeline of the fake estate that would break: a script reading the secret of payments-terraform. */
const FINDINGS: Record<string, Omit<ImpactFindingView, "accepted">[]> = {
  "payments-terraform": [
    {
      pipeline: "payments-infra",
      location: "stages[0].jobs[0].steps[2]",
      task: "AzureCLI",
      advice: "The script reads $servicePrincipalKey, which is empty once the connection has no secret: sign in with $idToken (az login --federated-token) instead.",
      blocking: true,
    },
  ],
};

function actionFor(connection: InventoriedConnectionView): MigrationActionView | null {
  if (connection.class === "tokenBased") return "replaceWithAzureDevopsConnection";
  if (!["convertibleInPlace", "convertibleAfterCredential", "shared"].includes(connection.class)) return null;
  if (connection.scheme === "ServicePrincipal") return "convertInPlace";
  if (connection.scheme === "WorkloadIdentityFederation" && connection.issuerKind === "azureDevOps") return "switchIssuer";
  return null;
}

function entryFor(connection: InventoriedConnectionView, accepted: string[], counts: Map<string, number>): PlannedMigrationView {
  const action = actionFor(connection) ?? "skip";
  const findings = (FINDINGS[connection.name] ?? []).map((finding) => ({ ...finding, accepted: accepted.includes(finding.location) }));
  const automatic = connection.creationMode === "Automatic";
  const identity = connection.identity;
  const tenant = identity?.tenantId ?? "";
  const base: PlannedMigrationView = {
    organization: connection.organization,
    project: connection.owningProject,
    name: connection.name,
    id: connection.id,
    action,
    status: "ready",
    refusal: null,
    newConnection: null,
    credential: null,
    identity: null,
    allPipelines: connection.allPipelines,
    authorizedPipelines: connection.authorizedPipelines,
    pipelinesRead: true,
    findings,
    notes: [],
    wave: null,
  };
  if (action === "replaceWithAzureDevopsConnection") {
    const name = `${connection.name}-wif`;
    return {
      ...base,
      newConnection: name,
      credential: { issuer: "https://login.microsoftonline.com/{tenant}/v2.0", subject: null, subjectSource: "assignedByAzureDevOps", writtenBy: "keyless" },
      identity: { clientId: null, displayName: name, new: true, credentialsNow: 0, credentialsAfter: 1, cap: CAP },
      notes: [`'${connection.name}' itself is left as it is; delete it once the pipelines use ${name}.`],
    };
  }
  const now = identity?.credentialCount ?? 0;
  const key = identity?.clientId ?? connection.id;
  const after = (counts.get(key) ?? now) + 1;
  counts.set(key, after);
  const writer = automatic ? "azureDevOps" : identity?.canWriteCredentials === false ? "identityOwner" : "keyless";
  const subject = `/eid1/c/pub/t/KjwfaxVNYE-KewyNHi86Sw/a/rISbSSETf0KqFyZ8ppdXmA/sc/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d/${connection.id}`;
  const blocked = findings.some((finding) => finding.blocking && !finding.accepted);
  return {
    ...base,
    status: blocked ? "blocked" : writer === "identityOwner" ? "handOff" : "ready",
    credential: automatic && action === "convertInPlace" ? null : { issuer: `https://login.microsoftonline.com/${tenant}/v2.0`, subject, subjectSource: "expected", writtenBy: writer },
    identity: { clientId: identity?.clientId ?? null, displayName: identity?.displayName ?? null, new: false, credentialsNow: now, credentialsAfter: after, cap: CAP },
    notes: automatic ? ["Azure DevOps made this identity and writes its federated credential while converting."] : [],
  };
}

/** The plan of a choice of `connections`: waves take organizations in turn. */
export function migrationPlanFor(connections: readonly InventoriedConnectionView[], request: MigrationRequest): MigrationPlanView {
  const counts = new Map<string, number>();
  const entries = request.connections.map((choice) => {
    const connection = connections.find((candidate) => candidate.id === choice.id);
    if (!connection) throw new Error(`no connection ${choice.id}`);
    return entryFor(connection, choice.acceptedFindings, counts);
  });
  const waveSize = request.waveSize ?? DEFAULT_WAVE_SIZE;
  const runnable = entries.filter((entry) => entry.status === "ready" || entry.status === "handOff");
  const waves: MigrationPlanView["waves"] = [];
  runnable.forEach((entry, index) => {
    const number = Math.floor(index / waveSize) + 1;
    entry.wave = number;
    if (!waves[number - 1]) waves[number - 1] = { number, connectionIds: [] };
    waves[number - 1]?.connectionIds.push(entry.id);
  });
  return { entries, waves, waveSize, unread: [] };
}

function stepsOf(entry: PlannedMigrationView): { id: string; title: string }[] {
  const where = `${entry.name} in ${entry.organization} / ${entry.project}`;
  switch (entry.action) {
    case "replaceWithAzureDevopsConnection":
      return [
        { id: `identity/${entry.id}`, title: `Create app registration ${entry.newConnection}` },
        { id: `connection/${entry.id}`, title: `Create Azure DevOps connection ${entry.newConnection}` },
        { id: `verify/${entry.id}`, title: `Verify ${entry.newConnection}` },
      ];
    case "skip":
      return [];
    default:
      return [
        ...(entry.credential ? [{ id: `fic/${entry.id}`, title: `Add the federated credential for ${where}` }] : []),
        { id: `convert/${entry.id}`, title: entry.action === "switchIssuer" ? `Switch ${where} to the Entra issuer` : `Convert ${where}` },
        { id: `verify/${entry.id}`, title: `Verify ${where}` },
      ];
  }
}

function connectionReport(entry: PlannedMigrationView, outcome: MigratedConnectionView["outcome"]): MigratedConnectionView {
  const changes =
    outcome !== "migrated" && outcome !== "handedOff"
      ? []
      : entry.action === "replaceWithAzureDevopsConnection"
        ? [`Created ${entry.newConnection} signing in as the new app registration ${entry.newConnection}.`]
        : [
            ...(entry.credential ? [`Added a federated credential to ${entry.identity?.displayName ?? "the identity"}.`] : []),
            entry.action === "switchIssuer" ? "Switched the connection to the Entra issuer." : "Converted the connection to workload identity federation; its id and pipeline permissions stay.",
          ];
  return {
    key: `${entry.organization}/${entry.project}/${entry.name}`,
    id: entry.id,
    action: entry.action,
    outcome,
    changes,
    reason: outcome === "failed" ? "Entra ID did not accept the new credential yet." : null,
    next:
      entry.action === "replaceWithAzureDevopsConnection" && outcome === "migrated"
        ? [`Point the pipelines at ${entry.newConnection}, then delete ${entry.name}.`]
        : outcome === "migrated"
          ? ["Run a pipeline that uses it to confirm it signs in."]
          : [],
    issuer: entry.credential?.issuer ?? null,
    subject: entry.credential?.subject ?? null,
  };
}

/** One fake migration run: the plan it ran and which connections are done. */
export interface MemoryMigration {
  runId: string;
  requestKey: string;
  plan: MigrationPlanView;
  started: string;
  done: Set<string>;
  status: MigrationRunStatusView;
}

/** The report of `migration` as it stands. */
export function migrationRunView(migration: MemoryMigration, failedStep: string | null): MigrationRunView {
  const waves: MigrationWaveReportView[] = migration.plan.waves.map((wave) => {
    const connections = wave.connectionIds.flatMap((id) => migration.plan.entries.filter((entry) => entry.id === id));
    const reports = connections.map((entry) => {
      if (migration.status === "reverted") return connectionReport(entry, "reverted");
      if (failedStep?.endsWith(entry.id)) return connectionReport(entry, "failed");
      if (!migration.done.has(entry.id)) return connectionReport(entry, "notStarted");
      return connectionReport(entry, entry.status === "handOff" ? "handedOff" : "migrated");
    });
    return { number: wave.number, verified: reports.every((report) => report.outcome === "migrated" || report.outcome === "handedOff"), connections: reports };
  });
  const notRun = migration.plan.entries
    .filter((entry) => entry.wave === null)
    .map((entry) => ({
      ...connectionReport(entry, "skipped"),
      reason: entry.status === "blocked" ? "A pipeline finding blocks it; fix the pipeline or accept the finding, then migrate it." : (entry.refusal?.problem ?? "Left as it is."),
    }));
  const converted = migration.plan.entries.some((entry) => entry.action === "convertInPlace" && migration.done.has(entry.id));
  const revertUntil = converted && migration.status !== "reverted" ? new Date(Date.parse(migration.started) + REVERT_WINDOW_MS).toISOString() : null;
  const lines = waves.flatMap((wave) => [`## Wave ${wave.number}`, ...wave.connections.map((connection) => `- ${connection.key}: ${connection.outcome}`)]);
  return {
    runId: migration.runId,
    status: migration.status,
    waves,
    notRun,
    revertUntil,
    error: null,
    nextSteps: waves.some((wave) => wave.connections.some((connection) => connection.outcome === "failed" || connection.outcome === "notStarted"))
      ? ["Choose “Retry from the failed step”: the migration continues where it stopped and repeats nothing that is done."]
      : [],
    markdown: [`# Keyless migration ${migration.runId}`, "", ...lines, ""].join("\n"),
    json: JSON.stringify({ runId: migration.runId, status: migration.status, waves }, null, 2),
  };
}

/** Runs what is not done yet, wave by wave; `fail` names a step id prefix that fails this time. */
export async function runMigration(
  migration: MemoryMigration,
  onProgress: (event: MigrationProgressView) => void,
  pause: () => Promise<void>,
  fail: string | null,
): Promise<MigrationRunView> {
  const resumed = migration.done.size > 0;
  const all = migration.plan.waves.flatMap((wave) =>
    wave.connectionIds.flatMap((id) => migration.plan.entries.filter((entry) => entry.id === id).flatMap((entry) => stepsOf(entry).map((step) => ({ step, entry, wave: wave.number })))),
  );
  onProgress({ wave: null, progress: { event: "runStarted", runId: migration.runId, totalSteps: all.length, resumed } });
  let done = 0;
  for (const { step, entry, wave } of all) {
    await pause();
    onProgress({ wave, progress: { event: "stepStarted", stepId: step.id, title: step.title } });
    if (migration.done.has(entry.id)) {
      onProgress({ wave, progress: { event: "stepFinished", stepId: step.id, outcome: "alreadyDone", detail: "", elapsedMs: 0 } });
      done += 1;
      continue;
    }
    if (step.id.startsWith("verify/") && entry.credential?.writtenBy === "keyless") {
      onProgress({ wave, progress: { event: "stepWaiting", stepId: step.id, wait: "federatedCredential", code: "AADSTS700213", attempt: 1, waitMs: 2000 } });
    }
    if (fail !== null && step.id.startsWith(fail)) {
      const help = "Wait a few minutes for Entra ID to put the credential into effect, then choose “Retry from the failed step”.";
      onProgress({ wave, progress: { event: "stepFailed", stepId: step.id, code: "unavailable", message: "Entra ID did not accept the new credential yet.", help } });
      onProgress({ wave: null, progress: { event: "runFinished", runId: migration.runId, succeeded: false, done, failed: 1, remaining: all.length - done - 1 } });
      migration.status = "failed";
      return { ...migrationRunView(migration, step.id), error: { code: "unavailable", message: "Entra ID did not accept the new credential yet.", help } };
    }
    const outcome = step.id.startsWith("verify/") ? "verified" : step.id.startsWith("convert/") ? "updated" : "created";
    onProgress({ wave, progress: { event: "stepFinished", stepId: step.id, outcome, detail: "", elapsedMs: 120 } });
    done += 1;
    if (step.id.startsWith("verify/")) migration.done.add(entry.id);
  }
  onProgress({ wave: null, progress: { event: "runFinished", runId: migration.runId, succeeded: true, done, failed: 0, remaining: 0 } });
  migration.status = migration.plan.entries.some((entry) => entry.status === "handOff") ? "waitingForHandOff" : "completed";
  return migrationRunView(migration, null);
}
