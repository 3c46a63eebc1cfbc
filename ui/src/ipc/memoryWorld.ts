// The small Contoso world the in-memory backend answers from, mirroring the emulator's demo scenario.
import type {
  AccountView,
  IdentityView,
  LocationView,
  OrganizationView,
  ProjectView,
  ResourceGroupView,
  SessionStatus,
  SubscriptionView,
} from "./bindings";

export const CONTOSO_TENANT = "6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b";
export const FABRIKAM_TENANT = "2e7d9a41-8c3b-4f12-b5a6-0d9e8f7c6b5a";

export const DEMO_ACCOUNT: AccountView = {
  userPrincipalName: "megan.bowen@contoso.com",
  displayName: "Megan Bowen",
  tenantId: CONTOSO_TENANT,
};

export const DEMO_SIGNED_OUT: SessionStatus = { cloud: { name: "Demo", isDemo: true }, account: null };
export const DEMO_SIGNED_IN: SessionStatus = { cloud: { name: "Demo", isDemo: true }, account: DEMO_ACCOUNT };
export const AZURE_SIGNED_OUT: SessionStatus = { cloud: { name: "AzureCloud", isDemo: false }, account: null };
export const AZURE_SIGNED_IN: SessionStatus = { cloud: { name: "AzureCloud", isDemo: false }, account: DEMO_ACCOUNT };

export const ORGANIZATIONS: OrganizationView[] = [
  {
    name: "contoso",
    id: "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
    tenantId: CONTOSO_TENANT,
    projectCount: 3,
    tenantMatchesAccount: true,
    isAdministrator: true,
    problem: null,
  },
  {
    name: "contoso-platform",
    id: "6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e",
    tenantId: CONTOSO_TENANT,
    projectCount: 2,
    tenantMatchesAccount: true,
    isAdministrator: true,
    problem: null,
  },
  {
    name: "contoso-legacy",
    id: "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
    tenantId: CONTOSO_TENANT,
    projectCount: 1,
    tenantMatchesAccount: true,
    isAdministrator: null,
    problem: "Keyless could not check whether you administer this organization.",
  },
  {
    name: "fabrikam-shared",
    id: "8d9e0f1a-2b3c-4d4e-8f5a-6b7c8d9e0f1a",
    tenantId: FABRIKAM_TENANT,
    projectCount: 2,
    tenantMatchesAccount: false,
    isAdministrator: false,
    problem: null,
  },
];

export const PROJECTS: Record<string, ProjectView[]> = {
  contoso: [
    {
      id: "9e0f1a2b-3c4d-4e5f-8a6b-000000000001",
      name: "Shop",
      pipelines: [
        { id: 1, name: "shop-deploy" },
        { id: 2, name: "shop-infra" },
        { id: 3, name: "shop-assets" },
      ],
    },
    { id: "9e0f1a2b-3c4d-4e5f-8a6b-000000000002", name: "Payments", pipelines: [{ id: 11, name: "payments-infra" }] },
    { id: "9e0f1a2b-3c4d-4e5f-8a6b-000000000004", name: "Mobile", pipelines: [{ id: 21, name: "mobile-build" }] },
  ],
  "contoso-platform": [
    {
      id: "9e0f1a2b-3c4d-4e5f-8a6b-000000000011",
      name: "Infrastructure",
      pipelines: [{ id: 1, name: "landing-zones" }],
    },
    { id: "9e0f1a2b-3c4d-4e5f-8a6b-000000000012", name: "Tooling", pipelines: [] },
  ],
  "contoso-legacy": [{ id: "9e0f1a2b-3c4d-4e5f-8a6b-000000000021", name: "Intranet", pipelines: [] }],
  "fabrikam-shared": [
    {
      id: "9e0f1a2b-3c4d-4e5f-8a6b-000000000031",
      name: "Packages",
      pipelines: [{ id: 1, name: "publish-packages" }],
    },
    { id: "9e0f1a2b-3c4d-4e5f-8a6b-000000000032", name: "Templates", pipelines: [] },
  ],
};

export const SUBSCRIPTIONS: SubscriptionView[] = [
  { id: "9d8c7b6a-5f4e-4d3c-9b2a-190807060504", name: "Contoso Production", tenantId: CONTOSO_TENANT },
  { id: "1a2b3c4d-5e6f-4789-8abc-def012345678", name: "Contoso Development", tenantId: CONTOSO_TENANT },
];

export const RESOURCE_GROUPS: Record<string, ResourceGroupView[]> = {
  "9d8c7b6a-5f4e-4d3c-9b2a-190807060504": [
    { name: "rg-identities", location: "westeurope" },
    { name: "rg-payments-prod", location: "northeurope" },
    { name: "rg-shop-prod", location: "westeurope" },
  ],
  "1a2b3c4d-5e6f-4789-8abc-def012345678": [
    { name: "rg-sandbox-nz", location: "newzealandnorth" },
    { name: "rg-shop-dev", location: "westeurope" },
  ],
};

export const LOCATIONS: LocationView[] = [
  { name: "eastus", displayName: "East US", supportsFederatedCredentials: true },
  { name: "newzealandnorth", displayName: "New Zealand North", supportsFederatedCredentials: false },
  { name: "northeurope", displayName: "North Europe", supportsFederatedCredentials: true },
  { name: "westeurope", displayName: "West Europe", supportsFederatedCredentials: true },
];

export const IDENTITIES: IdentityView[] = [
  {
    kind: "appRegistration",
    displayName: "shop-deployer",
    clientId: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
    resourceRef: "a1b2c3d4-0000-4e5f-8a6b-000000000001",
    multitenant: false,
    federatedCredentialCount: 2,
    canWrite: true,
  },
  {
    kind: "appRegistration",
    displayName: "partner-integration",
    clientId: "d4e5f6a7-b8c9-4d0e-8f1a-3b4c5d6e7f80",
    resourceRef: "d4e5f6a7-0000-4b8c-8d9e-000000000001",
    multitenant: true,
    federatedCredentialCount: 1,
    canWrite: true,
  },
  {
    kind: "appRegistration",
    displayName: "data-platform-ingest",
    clientId: "e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8091",
    resourceRef: "e5f6a7b8-0000-4c9d-8e0f-000000000001",
    multitenant: false,
    federatedCredentialCount: 0,
    canWrite: false,
  },
  {
    kind: "managedIdentity",
    displayName: "id-shop-prod",
    clientId: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
    resourceRef:
      "/subscriptions/9d8c7b6a-5f4e-4d3c-9b2a-190807060504/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shop-prod",
    multitenant: false,
    federatedCredentialCount: 1,
    canWrite: true,
  },
  {
    kind: "managedIdentity",
    displayName: "id-platform",
    clientId: "1b2c3d4e-5f6a-4b7c-8d8e-9f0a1b2c3d4e",
    resourceRef:
      "/subscriptions/9d8c7b6a-5f4e-4d3c-9b2a-190807060504/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-platform",
    multitenant: false,
    federatedCredentialCount: 19,
    canWrite: true,
  },
];

/** Connections that already exist, by "organization/project/name" (case-insensitive names). */
export const EXISTING_CONNECTIONS = [
  "contoso/Shop/shop-prod",
  "contoso/Shop/shop-dev",
  "contoso/Shop/shop-prod-secret",
  "contoso/Payments/payments-terraform",
];
