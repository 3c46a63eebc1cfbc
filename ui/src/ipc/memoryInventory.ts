// The in-memory backend's estate for the Migrate path: twenty service connections of every class across three organizations.
import type { InventoriedConnectionView, InventoryIdentityView, InventoryView } from "./bindings";
import { CONTOSO_TENANT, FABRIKAM_TENANT } from "./memoryWorld";

const DAY_MS = 24 * 60 * 60 * 1000;

const ORGANIZATION_IDS: Record<string, string> = {
  contoso: "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
  "contoso-platform": "6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e",
  "fabrikam-shared": "8d9e0f1a-2b3c-4d4e-8f5a-6b7c8d9e0f1a",
};

/** The Entra issuer and the base64url tenant ids its subjects carry. */
const ENTRA_ISSUER: Record<string, string> = {
  [CONTOSO_TENANT]: `https://login.microsoftonline.com/${CONTOSO_TENANT}/v2.0`,
  [FABRIKAM_TENANT]: `https://login.microsoftonline.com/${FABRIKAM_TENANT}/v2.0`,
};
const SUBJECT_TENANT: Record<string, string> = { [CONTOSO_TENANT]: "KjwfaxVNYE-KewyNHi86Sw", [FABRIKAM_TENANT]: "QZp9Ljss-ROl1g2ej3xrWg" };

export const AZURE_DEVOPS_ISSUER_RETIREMENT = "2027-07-01";

/** The identities the estate's connections use; dates are days from now. */
interface IdentitySpec {
  clientId: string;
  kind: InventoryIdentityView["kind"];
  displayName: string | null;
  tenantId?: string;
  multitenant?: boolean;
  canWrite?: boolean;
  credentials?: number;
  secretsInDays?: number[];
  certificatesInDays?: number[];
  orphan?: InventoryIdentityView["orphan"];
}

const IDENTITY_SPECS: Record<string, IdentitySpec> = {
  shopDeployer: { clientId: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", kind: "appRegistration", displayName: "shop-deployer", credentials: 2 },
  shopManaged: { clientId: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d", kind: "managedIdentity", displayName: "id-shop-prod", credentials: 1 },
  platformManaged: { clientId: "1b2c3d4e-5f6a-4b7c-8d8e-9f0a1b2c3d4e", kind: "managedIdentity", displayName: "id-platform", credentials: 3 },
  shopAutomatic: {
    clientId: "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e",
    kind: "appRegistration",
    displayName: "contoso-Shop-9d8c7b6a-5f4e-4d3c-9b2a-190807060504",
    credentials: 0,
    secretsInDays: [20],
  },
  paymentsAutomatic: {
    clientId: "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d7f",
    kind: "appRegistration",
    displayName: "contoso-Payments-9d8c7b6a-5f4e-4d3c-9b2a-190807060504",
    credentials: 0,
    secretsInDays: [200],
  },
  terraform: { clientId: "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f", kind: "appRegistration", displayName: "platform-terraform", credentials: 1, secretsInDays: [-12] },
  partner: { clientId: "d4e5f6a7-b8c9-4d0e-8f1a-3b4c5d6e7f80", kind: "appRegistration", displayName: "partner-integration", multitenant: true, credentials: 1 },
  ingest: { clientId: "e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8091", kind: "appRegistration", displayName: "data-platform-ingest", canWrite: false, credentials: 0 },
  mobileSigning: {
    clientId: "3c4d5e6f-7a8b-4c9d-8e0f-6a7b8c9d0e1f",
    kind: "appRegistration",
    displayName: "mobile-signing",
    canWrite: false,
    credentials: 0,
    certificatesInDays: [45],
  },
  policy: { clientId: "4d5e6f7a-8b9c-4d0e-8f1a-7b8c9d0e1f2a", kind: "appRegistration", displayName: "platform-policy", credentials: 1 },
  gone: { clientId: "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b", kind: null, displayName: null, orphan: "identityGone" },
  tooling: { clientId: "5e6f7a8b-9c0d-4e1f-8a2b-8c9d0e1f2a3b", kind: "appRegistration", displayName: "contoso-platform-Tooling-1a2b3c4d", credentials: 0, secretsInDays: [90] },
  fabrikamPackages: { clientId: "f6a7b8c9-d0e1-4f2a-8b3c-5d6e7f8091a2", kind: "appRegistration", displayName: "fabrikam-packages", tenantId: FABRIKAM_TENANT, credentials: 1 },
  fabrikamFeed: {
    clientId: "6f7a8b9c-0d1e-4f2a-8b3c-9d0e1f2a3b4c",
    kind: "appRegistration",
    displayName: "fabrikam-feed-publisher",
    tenantId: FABRIKAM_TENANT,
    canWrite: false,
    secretsInDays: [300],
  },
};

function identity(spec: IdentitySpec, now: number): InventoryIdentityView {
  const at = (days: number) => new Date(now + days * DAY_MS).toISOString();
  const gone = spec.orphan === "identityGone";
  return {
    clientId: spec.clientId,
    kind: spec.kind,
    displayName: spec.displayName,
    multitenant: gone ? null : (spec.multitenant ?? false),
    tenantId: gone ? null : (spec.tenantId ?? CONTOSO_TENANT),
    canWriteCredentials: gone ? null : (spec.canWrite ?? true),
    credentialCount: gone ? null : (spec.credentials ?? 0),
    secretExpiries: (spec.secretsInDays ?? []).map(at),
    certificateExpiries: (spec.certificatesInDays ?? []).map(at),
    orphan: spec.orphan ?? null,
  };
}

/** One connection row; the facts not given are those of a plain, unshared, unused connection. */
interface ConnectionSpec {
  organization: string;
  project: string;
  name: string;
  serial: number;
  endpointType?: string;
  scheme: string;
  creationMode?: string;
  sharedWith?: string[];
  isDraft?: boolean;
  url?: string;
  identity?: keyof typeof IDENTITY_SPECS;
  issuer?: "entra" | "azureDevOps";
  credentialMatch?: InventoriedConnectionView["credentialMatch"];
  lastUsedDaysAgo?: number;
  allPipelines?: boolean;
  pipelines?: number[];
  class: InventoriedConnectionView["class"];
  reason?: string;
}

const CONNECTIONS: ConnectionSpec[] = [
  { organization: "contoso", project: "Shop", name: "shop-prod", serial: 1, scheme: "WorkloadIdentityFederation", identity: "shopDeployer", issuer: "entra", lastUsedDaysAgo: 0, pipelines: [1], class: "zeroSecret" },
  { organization: "contoso", project: "Shop", name: "shop-dev", serial: 2, scheme: "WorkloadIdentityFederation", identity: "shopManaged", issuer: "entra", lastUsedDaysAgo: 2, allPipelines: true, class: "zeroSecret" },
  {
    organization: "contoso",
    project: "Shop",
    name: "shop-prod-legacy-issuer",
    serial: 3,
    scheme: "WorkloadIdentityFederation",
    identity: "shopDeployer",
    issuer: "azureDevOps",
    lastUsedDaysAgo: 9,
    pipelines: [3],
    class: "convertibleAfterCredential",
    reason: "the identity needs a second federated credential, for the Entra issuer",
  },
  { organization: "contoso", project: "Shop", name: "shop-prod-secret", serial: 4, scheme: "ServicePrincipal", creationMode: "Automatic", identity: "shopAutomatic", lastUsedDaysAgo: 1, allPipelines: true, class: "convertibleInPlace" },
  {
    organization: "contoso",
    project: "Shop",
    name: "shop-case-mismatch",
    serial: 5,
    scheme: "WorkloadIdentityFederation",
    identity: "platformManaged",
    issuer: "entra",
    credentialMatch: "subjectDiffersInCase",
    class: "needsAttention",
    reason: "its federated credential's subject differs in letter case only, and matching is case-sensitive (AADSTS7002138)",
  },
  {
    organization: "contoso",
    project: "Shop",
    name: "shop-nuget-feed",
    serial: 6,
    endpointType: "externalnugetfeed",
    scheme: "Token",
    url: "https://pkgs.dev.azure.com/fabrikam-shared/_packaging/shared/nuget/v3/index.json",
    lastUsedDaysAgo: 5,
    pipelines: [2],
    class: "tokenBased",
  },
  {
    organization: "contoso",
    project: "Payments",
    name: "payments-prod-secret",
    serial: 11,
    scheme: "ServicePrincipal",
    creationMode: "Automatic",
    sharedWith: ["Mobile"],
    identity: "paymentsAutomatic",
    lastUsedDaysAgo: 4,
    class: "shared",
    reason: "shared with other projects: convert it from its owning project Payments",
  },
  {
    organization: "contoso",
    project: "Payments",
    name: "payments-terraform",
    serial: 12,
    scheme: "ServicePrincipal",
    identity: "terraform",
    lastUsedDaysAgo: 12,
    pipelines: [11],
    class: "convertibleAfterCredential",
    reason: "the identity needs the federated credential before the switch",
  },
  {
    organization: "contoso",
    project: "Payments",
    name: "payments-partner",
    serial: 13,
    scheme: "WorkloadIdentityFederation",
    identity: "partner",
    issuer: "entra",
    class: "outOfScope",
    reason: "its identity is a multitenant app registration, which the Entra issuer refuses (AADSTS70052): it keeps the Azure DevOps issuer",
  },
  { organization: "contoso", project: "Mobile", name: "fabrikam-repos-pat", serial: 21, endpointType: "externaltfs", scheme: "Token", url: "https://dev.azure.com/fabrikam-shared/", lastUsedDaysAgo: 40, pipelines: [21], class: "tokenBased" },
  { organization: "contoso", project: "Mobile", name: "platform-packages", serial: 22, endpointType: "WorkloadIdentityUser", scheme: "WorkloadIdentityFederation", identity: "platformManaged", issuer: "entra", class: "zeroSecret" },
  {
    organization: "contoso",
    project: "Mobile",
    name: "mobile-signing",
    serial: 23,
    scheme: "ServicePrincipal",
    identity: "mobileSigning",
    lastUsedDaysAgo: 3,
    pipelines: [21],
    class: "convertibleAfterCredential",
    reason: "the identity needs the federated credential before the switch; you cannot write its credentials, so its owner must add it",
  },
  { organization: "contoso-platform", project: "Infrastructure", name: "landing-zones", serial: 31, scheme: "WorkloadIdentityFederation", identity: "platformManaged", issuer: "entra", lastUsedDaysAgo: 0, allPipelines: true, class: "zeroSecret" },
  {
    organization: "contoso-platform",
    project: "Infrastructure",
    name: "data-ingest-draft",
    serial: 32,
    scheme: "WorkloadIdentityFederation",
    isDraft: true,
    identity: "ingest",
    issuer: "entra",
    credentialMatch: "missing",
    class: "needsAttention",
    reason: "draft left unfinished: its identity still needs the federated credential Azure DevOps shows, then the draft must be finished",
  },
  {
    organization: "contoso-platform",
    project: "Infrastructure",
    name: "policy-as-code",
    serial: 33,
    scheme: "WorkloadIdentityFederation",
    identity: "policy",
    issuer: "azureDevOps",
    lastUsedDaysAgo: 1,
    allPipelines: true,
    class: "convertibleAfterCredential",
    reason: "the identity needs a second federated credential, for the Entra issuer",
  },
  {
    organization: "contoso-platform",
    project: "Infrastructure",
    name: "old-deployer",
    serial: 34,
    scheme: "ServicePrincipal",
    identity: "gone",
    lastUsedDaysAgo: 210,
    pipelines: [31],
    class: "needsAttention",
    reason: "its identity 7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b no longer exists: pipelines using it fail to sign in",
  },
  {
    organization: "contoso-platform",
    project: "Tooling",
    name: "github-contoso",
    serial: 41,
    endpointType: "github",
    scheme: "Token",
    url: "https://github.com",
    lastUsedDaysAgo: 7,
    class: "outOfScope",
    reason: "it holds a token for github.com, which is not Azure DevOps: an Azure DevOps workload identity connection cannot replace it",
  },
  { organization: "contoso-platform", project: "Tooling", name: "tooling-subscription", serial: 42, scheme: "ServicePrincipal", creationMode: "Automatic", identity: "tooling", lastUsedDaysAgo: 6, class: "convertibleInPlace" },
  { organization: "fabrikam-shared", project: "Packages", name: "fabrikam-shared-services", serial: 51, scheme: "WorkloadIdentityFederation", identity: "fabrikamPackages", issuer: "entra", lastUsedDaysAgo: 6, class: "zeroSecret" },
  {
    organization: "fabrikam-shared",
    project: "Templates",
    name: "fabrikam-feed-secret",
    serial: 52,
    scheme: "ServicePrincipal",
    identity: "fabrikamFeed",
    lastUsedDaysAgo: 15,
    class: "outOfScope",
    reason: `its identity lives in tenant ${FABRIKAM_TENANT}, not in the signed-in tenant ${CONTOSO_TENANT}`,
  },
];

function connection(spec: ConnectionSpec, now: number): InventoriedConnectionView {
  const id = `0b1c2d3e-4f5a-4b6c-8d7e-${String(spec.serial).padStart(12, "0")}`;
  const organizationId = ORGANIZATION_IDS[spec.organization] ?? "";
  const used = spec.identity ? identity(IDENTITY_SPECS[spec.identity] as IdentitySpec, now) : null;
  const tenant = used?.tenantId ?? CONTOSO_TENANT;
  const federation =
    spec.issuer === "entra"
      ? { issuer: ENTRA_ISSUER[tenant] ?? null, subject: `/eid1/c/pub/t/${SUBJECT_TENANT[tenant] ?? ""}/a/rISbSSETf0KqFyZ8ppdXmA/sc/${organizationId}/${id}` }
      : spec.issuer === "azureDevOps"
        ? { issuer: `https://vstoken.dev.azure.com/${organizationId}`, subject: `sc://${spec.organization}/${spec.project}/${spec.name}` }
        : { issuer: null, subject: null };
  return {
    organization: spec.organization,
    projects: [spec.project, ...(spec.sharedWith ?? [])],
    owningProject: spec.project,
    name: spec.name,
    id,
    endpointType: spec.endpointType ?? "azurerm",
    scheme: spec.scheme,
    creationMode: spec.endpointType === undefined ? (spec.creationMode ?? "Manual") : null,
    isShared: (spec.sharedWith ?? []).length > 0,
    isDraft: spec.isDraft ?? false,
    url: spec.url ?? null,
    identity: used,
    identityUnread: null,
    issuer: federation.issuer,
    issuerKind: spec.issuer ?? null,
    subject: federation.subject,
    credentialMatch: spec.issuer ? (spec.credentialMatch ?? "exact") : null,
    lastUsed: spec.lastUsedDaysAgo === undefined ? null : new Date(now - spec.lastUsedDaysAgo * DAY_MS).toISOString(),
    allPipelines: spec.allPipelines ?? false,
    authorizedPipelines: spec.pipelines ?? [],
    class: spec.class,
    reason: spec.reason ?? null,
  };
}

/** The estate as of `now` (milliseconds since the epoch): expiries and last uses are relative to it. */
export function inventoryAt(now: number): InventoryView {
  return { connections: CONNECTIONS.map((spec) => connection(spec, now)), unread: [], azureDevopsIssuerRetirement: AZURE_DEVOPS_ISSUER_RETIREMENT };
}
