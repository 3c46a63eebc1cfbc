// The in-memory doctor: a few Contoso connections, one broken by a subject that differs in case only, repaired by a
// fix run that rollbackRun undoes.
import { BackendError } from "./backend";
import type {
  ConnectionDiagnosisView,
  DiagnosisView,
  DoctorTargetInput,
  FindingView,
  FixPlanView,
  FixRequest,
  FixRunView,
  PastedLogView,
  PlanView,
  ProgressView,
  RunView,
} from "./bindings";

const ORGANIZATION_ID = "5a1b2c3d-0000-4000-8000-00000000c0de";
const ENTRA_ISSUER = "https://login.microsoftonline.com/8c1c1f9e-7a39-4a77-9e0b-4a4b8f6f2c11/v2.0";
const CASE_CONNECTION_ID = "7d2e4f60-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
const CASE_SUBJECT = `/eid1/c/pub/t/8c1c1f9e/a/${ORGANIZATION_ID}/sc/${ORGANIZATION_ID}/${CASE_CONNECTION_ID}`;

const caseFinding: FindingView = {
  code: { kind: "caseOnlyMismatch", expected: `sc://contoso/Shop/shop-case-mismatch`, found: `sc://contoso/shop/shop-case-mismatch` },
  pipelineCode: "AADSTS7002138",
  severity: "broken",
  cause: "the credential's subject differs from the connection's in letter case only, and Entra compares subjects case-sensitively",
  evidence: [`credential 'shop-case-mismatch': issuer ${ENTRA_ISSUER}, subject sc://contoso/shop/shop-case-mismatch`],
  fix: "add a federated credential with the subject copied verbatim from the connection",
  keylessCanFix: true,
};

const retiringFinding: FindingView = {
  code: { kind: "retiringIssuer" },
  pipelineCode: null,
  severity: "warning",
  cause: "the connection still presents the Azure DevOps issuer, which retires on 1 July 2027",
  evidence: [`issuer https://vstoken.dev.azure.com/${ORGANIZATION_ID}`],
  fix: "move the connection to the Entra issuer (Migrate)",
  keylessCanFix: false,
};

const draftFinding: FindingView = {
  code: { kind: "draft" },
  pipelineCode: null,
  severity: "broken",
  cause: "the connection was saved as a draft and never finished",
  evidence: ["isReady: false"],
  fix: "finish the run that created it once the identity's owner added its credential",
  keylessCanFix: false,
};

function connection(name: string, project: string, id: string, findings: FindingView[], canFix: boolean): ConnectionDiagnosisView {
  const broken = findings.some((finding) => finding.severity === "broken");
  return {
    organization: "contoso",
    project,
    name,
    id,
    endpointType: "azurerm",
    scheme: "WorkloadIdentityFederation",
    clientId: "1b2c3d4e-5f6a-4b7c-8d8e-9f0a1b2c3d4e",
    identityName: "kl-contoso-deployer",
    health: broken ? "broken" : findings.length > 0 ? "warning" : "healthy",
    findings,
    keylessCanFix: canFix,
  };
}

const FIX_PLAN: PlanView = {
  steps: [
    { id: "identity/existing", action: "reuse", title: "Use app registration kl-contoso-deployer", needs: "", dependsOn: [], group: "Identity" },
    {
      id: "connection/contoso/Shop/shop-case-mismatch",
      action: "reuse",
      title: "Use service connection shop-case-mismatch in contoso / Shop",
      needs: "",
      dependsOn: ["identity/existing"],
      group: "contoso / Shop",
    },
    {
      id: "fic/contoso/Shop/shop-case-mismatch",
      action: "create",
      title: "Create federated credential for shop-case-mismatch with the subject Azure DevOps shows",
      needs: "Owner of the app registration, or Application.ReadWrite.OwnedBy",
      dependsOn: ["connection/contoso/Shop/shop-case-mismatch"],
      group: "contoso / Shop",
    },
    {
      id: "verify/contoso/Shop/shop-case-mismatch",
      action: "verify",
      title: "Verify shop-case-mismatch with Azure DevOps' connection test",
      needs: "",
      dependsOn: ["fic/contoso/Shop/shop-case-mismatch"],
      group: "contoso / Shop",
    },
  ],
  counts: { create: 1, update: 0, reuse: 2, verify: 1 },
  identities: [],
  warnings: [],
  text: "+ create  federated credential for shop-case-mismatch\n= reuse   service connection shop-case-mismatch\n~ verify  shop-case-mismatch",
};

/** The doctor's world: which connection is repaired, and the fix runs rollbackRun can undo. */
export class MemoryDoctor {
  private repaired = false;
  private readonly fixRuns: string[] = [];

  private connections(): ConnectionDiagnosisView[] {
    return [
      connection("data-ingest-draft", "Data", "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", [draftFinding], false),
      connection("shop-case-mismatch", "Shop", CASE_CONNECTION_ID, this.repaired ? [] : [caseFinding], !this.repaired),
      connection("shop-prod", "Shop", "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", [], false),
      connection("shop-prod-legacy-issuer", "Shop", "4d5e6f70-8a9b-4cad-8e0f-2b3c4d5e6f70", [retiringFinding], false),
    ];
  }

  diagnose(target: DoctorTargetInput): DiagnosisView {
    const same = (left: string, right: string) => left.toLowerCase() === right.toLowerCase();
    const connections = this.connections().filter((candidate) => {
      switch (target.kind) {
        case "everything":
          return true;
        case "organization":
          return same(candidate.organization, target.organization);
        case "project":
          return same(candidate.organization, target.organization) && same(candidate.project, target.project);
        case "connection":
          return (
            same(candidate.organization, target.organization) &&
            same(candidate.project, target.project) &&
            (same(candidate.name, target.connection) || same(candidate.id, target.connection))
          );
      }
    });
    if (target.kind === "connection" && connections.length === 0) {
      throw new BackendError({
        code: "invalidInput",
        message: `connection: no workload identity or secret-based connection '${target.connection}' in ${target.organization}/${target.project}`,
        help: "Check the connection's name or id in the project's service connections.",
      });
    }
    const count = (health: string) => connections.filter((candidate) => candidate.health === health).length;
    return {
      connections,
      unread: [],
      summary: {
        connections: connections.length,
        healthy: count("healthy"),
        broken: count("broken"),
        warned: count("warning"),
        fixableByKeyless: connections.filter((candidate) => candidate.keylessCanFix).length,
      },
    };
  }

  pastedLog(text: string, signedIn: boolean): PastedLogView {
    const recognised = /AADSTS7002138|AADSTS700213|AADSTS70021/.test(text);
    const live = signedIn && recognised ? this.diagnose({ kind: "connection", organization: "contoso", project: "Shop", connection: "shop-case-mismatch" }) : null;
    return {
      source: signedIn ? "live" : "textOnly",
      recognised,
      explanations: recognised
        ? [
            {
              code: "AADSTS7002138",
              recognisedByPhrase: null,
              line: 1,
              mentions: 1,
              excerpt: text.split("\n").find((line) => line.includes("AADSTS")) ?? text.slice(0, 200),
              issuer: ENTRA_ISSUER,
              subject: CASE_SUBJECT,
              clientId: null,
              connection: null,
              cause: "A federated credential's subject matches the token's subject only when letter case is ignored; Entra compares case-sensitively.",
              evidence: [`The token's subject is ${CASE_SUBJECT}.`],
              fix: [`Copy the subject ${CASE_SUBJECT} verbatim, with its exact upper and lower case, into the federated credential's subject.`],
            },
          ]
        : [],
      lookedFor: ["AADSTS70021", "AADSTS700211", "AADSTS700213", "AADSTS7002138", "AADSTS70025", "TF401444", "VS800075"],
      unknownCodes: [],
      notes: [],
      live,
    };
  }

  planFix(request: FixRequest): FixPlanView {
    const found = this.find(request);
    if (!found.keylessCanFix) return { connection: keyOf(found), plan: null, fixes: [], left: found.findings };
    return { connection: keyOf(found), plan: structuredClone(FIX_PLAN), fixes: found.findings, left: [] };
  }

  async applyFix(request: FixRequest, onProgress: (event: ProgressView) => void, pause: () => Promise<void>): Promise<FixRunView> {
    const found = this.find(request);
    if (!found.keylessCanFix) {
      throw new BackendError({
        code: "invalidInput",
        message: `Keyless can fix nothing on ${keyOf(found)} now`,
        help: "Diagnose it again: it may have been repaired meanwhile, and each finding left says what to do instead.",
      });
    }
    const runId = `fix-${String(this.fixRuns.length + 1).padStart(4, "0")}`;
    this.fixRuns.push(runId);
    onProgress({ event: "runStarted", runId, totalSteps: FIX_PLAN.steps.length, resumed: false });
    for (const step of FIX_PLAN.steps) {
      onProgress({ event: "stepStarted", stepId: step.id, title: step.title });
      await pause();
      const outcome = step.action === "create" ? "created" : step.action === "verify" ? "verified" : "reused";
      onProgress({ event: "stepFinished", stepId: step.id, outcome, detail: "", elapsedMs: 110 });
    }
    this.repaired = true;
    onProgress({ event: "runFinished", runId, succeeded: true, done: FIX_PLAN.steps.length, failed: 0, remaining: 0 });
    return { run: fixRunView(runId, "completed"), after: this.find(request) };
  }

  /** Whether `runId` is a fix run this doctor made (rollbackRun then undoes it here). */
  owns(runId: string): boolean {
    return this.fixRuns.includes(runId);
  }

  async undo(runId: string, onProgress: (event: ProgressView) => void, pause: () => Promise<void>): Promise<RunView> {
    const stepId = "undo/fic/contoso/Shop/shop-case-mismatch";
    onProgress({ event: "runStarted", runId, totalSteps: 1, resumed: false });
    onProgress({ event: "stepStarted", stepId, title: "Undo: Create federated credential for shop-case-mismatch" });
    await pause();
    onProgress({ event: "stepFinished", stepId, outcome: "updated", detail: "Removed", elapsedMs: 90 });
    this.repaired = false;
    onProgress({ event: "runFinished", runId, succeeded: true, done: 1, failed: 0, remaining: 0 });
    return fixRunView(runId, "rolledBack");
  }

  private find(request: FixRequest): ConnectionDiagnosisView {
    const found = this.connections().find((candidate) => candidate.id === request.connectionId);
    if (!found) {
      throw new BackendError({
        code: "notFound",
        message: `no service connection with id ${request.connectionId} was found in the organizations this account reaches`,
        help: "It was deleted or moved since the inventory was taken: take the inventory again and choose anew.",
      });
    }
    return found;
  }
}

function keyOf(found: ConnectionDiagnosisView): string {
  return `${found.organization}/${found.project}/${found.name}`;
}

function fixRunView(runId: string, status: RunView["status"]): RunView {
  const steps = FIX_PLAN.steps.map((step) => ({
    id: step.id,
    title: step.title,
    outcome: status === "completed" ? (step.action === "create" ? ("created" as const) : step.action === "verify" ? ("verified" as const) : ("reused" as const)) : null,
    detail: "",
  }));
  return {
    runId,
    status,
    error: null,
    report: { steps, connections: [], handOffs: [], markdown: `# Keyless run ${runId}\n\nStatus: ${status}`, json: JSON.stringify({ runId, status }) },
  };
}
