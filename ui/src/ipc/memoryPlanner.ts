// The in-memory backend's planner and report: a small imitation of keyless-core's plan, enough for the wizard.
import { BackendError } from "./backend";
import type {
  ConnectionInput,
  ConnectionReportView,
  HandOffView,
  IdentityView,
  PlanView,
  ProjectGroupInput,
  SetupInput,
  StepActionView,
  StepView,
} from "./bindings";
import { CONTOSO_TENANT, EXISTING_CONNECTIONS, IDENTITIES, ORGANIZATIONS, PROJECTS } from "./memoryWorld";

const GROUP_LABELS: Record<string, string> = {
  readers: "Readers",
  contributors: "Contributors",
  projectAdministrators: "Project Administrators",
};

export function groupLabel(group: ProjectGroupInput): string {
  return typeof group === "string" ? (GROUP_LABELS[group] ?? group) : group.custom;
}

const ACCESS_LABELS = { stakeholder: "Stakeholder", basic: "Basic", basicTestPlans: "Basic + Test Plans" } as const;

export function connectionKey(connection: Pick<ConnectionInput, "organization" | "project" | "name">): string {
  return `${connection.organization}/${connection.project}/${connection.name}`;
}

function refuse(message: string, help: string): never {
  throw new BackendError({ code: "invalidInput", message, help });
}

/** The existing identity a setup names, or null when the setup creates one. */
export function existingIdentity(setup: SetupInput): IdentityView | null {
  const wanted = setup.identity;
  if (wanted.kind !== "existing") return null;
  const found = IDENTITIES.find(
    (identity) =>
      (wanted.clientId && identity.clientId === wanted.clientId) ||
      (wanted.resourceId && identity.resourceRef === wanted.resourceId) ||
      (wanted.name && identity.displayName === wanted.name),
  );
  if (!found) {
    refuse(
      `No app registration or managed identity matching the setup was found in tenant ${CONTOSO_TENANT}.`,
      "Search for the identity again on the Identity step, or create a new one.",
    );
  }
  if (found.multitenant) {
    refuse(
      `${found.displayName} is a multitenant app registration; Entra ID refuses federated sign-ins to it (AADSTS70052).`,
      "Choose a single-tenant app registration or a managed identity.",
    );
  }
  return found;
}

export function identityName(setup: SetupInput): string {
  const identity = setup.identity;
  if (identity.kind === "existing") return existingIdentity(setup)?.displayName ?? identity.name ?? "";
  return identity.name;
}

/** What `planSetup` answers for `setup`, refusing what the real planner refuses. */
export function planFor(setup: SetupInput): PlanView {
  if (setup.connections.length === 0) refuse("The setup has no service connection.", "Add a connection on the Connections step.");
  const existing = existingIdentity(setup);
  const name = identityName(setup);
  const steps: StepView[] = [];
  const add = (id: string, action: StepActionView, title: string, needs: string, group: string, dependsOn: string[]) =>
    steps.push({ id, action, title, needs, group, dependsOn });

  if (existing) {
    add("identity/0", "reuse", `Use existing identity ${name} (${existing.clientId})`, "Read access to the identity", "Identity", []);
    add("sp/0", "reuse", `Reuse the service principal of ${name}`, "Read access to the identity", "Identity", ["identity/0"]);
  } else if (setup.identity.kind === "appRegistration") {
    add(
      "identity/0",
      "create",
      `Create app registration ${name} (single-tenant) in tenant ${CONTOSO_TENANT}`,
      "Application Developer, or users may register applications",
      "Identity",
      [],
    );
    add(
      "sp/0",
      "create",
      `Create the service principal of ${name} (the identity Azure and Azure DevOps grant access to)`,
      "Application Developer",
      "Identity",
      ["identity/0"],
    );
  } else if (setup.identity.kind === "managedIdentity") {
    const { resourceGroup, location } = setup.identity;
    add(
      "identity/0",
      "create",
      `Create managed identity ${name} in resource group ${resourceGroup} (${location})`,
      `Managed Identity Contributor on resource group ${resourceGroup}`,
      "Identity",
      [],
    );
  }

  for (const organization of setup.organizations) {
    if (!ORGANIZATIONS.some((known) => known.name === organization.name)) {
      refuse(`'${organization.name}' was not found, or the signed-in account cannot see it.`, "Choose it again on the Organizations step.");
    }
    const groups = organization.projects.map(
      (project) => `${project.name}: ${project.groups.map(groupLabel).join(", ")}`,
    );
    add(
      `member/0/${organization.name}`,
      "create",
      `Add ${name} to organization ${organization.name} with ${ACCESS_LABELS[organization.accessLevel]} access` +
        (groups.length > 0 ? ` and project groups ${groups.join("; ")}` : ""),
      `Project Collection Administrator in ${organization.name}`,
      organization.name,
      ["sp/0"],
    );
  }

  for (const connection of setup.connections) {
    const key = connectionKey(connection);
    const group = `${connection.organization} / ${connection.project}`;
    if (EXISTING_CONNECTIONS.some((known) => known.toLowerCase() === key.toLowerCase())) {
      refuse(`'${key}' already exists.`, "Choose another connection name on the Connections step.");
    }
    const dependencies = ["sp/0", `member/0/${connection.organization}`];
    if (connection.type === "azureRm") {
      const scope = scopePath(connection);
      const role = connection.role || "Reader";
      add(
        `role/0/${scope}/${role}`,
        "create",
        `Grant ${name} the ${role} role on ${scope}`,
        `Owner or User Access Administrator on ${scope}`,
        "Azure",
        ["sp/0"],
      );
    }
    const handOff = existing !== null && !existing.canWrite;
    add(`connection/${key}`, "create", `Create service connection ${connection.name} in ${group}`, `Endpoint Creator in ${group}`, group, dependencies);
    add(
      `fic/${key}`,
      "create",
      handOff
        ? `Hand off: the owner of ${name} creates the federated credential for ${connection.name}`
        : `Add a federated credential to ${name} for ${connection.name}`,
      handOff ? "Nothing: the identity's owner does this" : `Owner of ${name}, or Cloud Application Administrator`,
      group,
      [`connection/${key}`],
    );
    if (connection.allPipelines || connection.pipelines.length > 0) {
      const who = connection.allPipelines ? "every pipeline in the project" : `pipelines ${connection.pipelines.join(", ")}`;
      add(`access/${key}`, "create", `Allow ${who} to use ${connection.name}`, `Endpoint Administrator in ${group}`, group, [`connection/${key}`]);
    }
    add(
      `verify/${key}`,
      "verify",
      `Verify ${connection.name} can sign in (TestConnection), waiting for Entra to propagate the credential`,
      `Endpoint Reader in ${group}`,
      group,
      [`fic/${key}`],
    );
  }

  const counts = { create: 0, update: 0, reuse: 0, verify: 0 };
  for (const step of steps) counts[step.action] += 1;
  const warnings = setup.connections
    .filter((connection) => connection.allPipelines)
    .map((connection) => `${connection.name} can be used by every pipeline in ${connection.project}, including ones added later.`);
  const before = existing?.federatedCredentialCount ?? 0;
  return {
    steps,
    counts,
    identities: [
      {
        displayName: name,
        kind: setup.identity.kind === "existing" ? (existing?.kind ?? "appRegistration") : setup.identity.kind,
        ficsBefore: before,
        ficsAfter: before + setup.connections.length,
        handOff: existing !== null && !existing.canWrite,
      },
    ],
    warnings,
    text: steps.map((step) => `${SYMBOLS[step.action]} ${step.action.padEnd(6)}  ${step.title}`).join("\n"),
  };
}

const SYMBOLS: Record<StepActionView, string> = { create: "+", update: "~", reuse: "=", verify: "?" };

export function scopePath(connection: ConnectionInput): string {
  const scope = connection.scope ?? {};
  if (scope.managementGroup) return `/providers/Microsoft.Management/managementGroups/${scope.managementGroup}`;
  const subscription = `/subscriptions/${scope.subscription ?? ""}`;
  return scope.resourceGroup ? `${subscription}/resourceGroups/${scope.resourceGroup}` : subscription;
}

/** The made-up ids and federation values of a connection the in-memory backend created. */
export function connectionReport(connection: ConnectionInput, index: number, verified: boolean): ConnectionReportView {
  const organization = ORGANIZATIONS.find((known) => known.name === connection.organization);
  const id = `0c1d2e3f-4a5b-4c6d-8e7f-${String(index + 1).padStart(12, "0")}`;
  const variable = connection.type === "azureRm" ? "azureSubscription" : "connectedServiceName";
  return {
    key: connectionKey(connection),
    id,
    issuer: `https://login.microsoftonline.com/${CONTOSO_TENANT}/v2.0`,
    subject: `/eid1/c/pub/t/${CONTOSO_TENANT}/a/499b84ac-1321-427f-aa17-267ca6975798/sc/${organization?.id ?? ""}/${id}`,
    verified,
    pipelineYaml: [
      "steps:",
      "  - task: AzureCLI@2",
      "    inputs:",
      `      ${variable}: ${connection.name}`,
      "      scriptType: bash",
      "      scriptLocation: inlineScript",
      "      inlineScript: az account show",
    ].join("\n"),
  };
}

export function handOffFor(setup: SetupInput, connection: ConnectionReportView): HandOffView {
  const name = identityName(setup);
  const ficName = `ado-${connection.key.split("/").pop() ?? "connection"}`;
  const appId = existingIdentity(setup)?.clientId ?? "";
  const azCommand =
    `az ad app federated-credential create --id ${appId} --parameters ` +
    `'{"name":"${ficName}","issuer":"${connection.issuer}","subject":"${connection.subject}","audiences":["api://AzureADTokenExchange"]}'`;
  return {
    connection: connection.key,
    identityName: name,
    ficName,
    issuer: connection.issuer ?? "",
    subject: connection.subject ?? "",
    audience: "api://AzureADTokenExchange",
    azCommand,
    restRequest: `POST https://graph.microsoft.com/v1.0/applications(appId='${appId}')/federatedIdentityCredentials`,
    markdown: `# Federated credential for ${connection.key}\n\nPlease run:\n\n\`\`\`\n${azCommand}\n\`\`\`\n`,
  };
}

export function projectExists(organization: string, project: string): boolean {
  return (PROJECTS[organization] ?? []).some((known) => known.name === project);
}
