//! Every place where the real behaviour is unknown and the emulator had to choose. Handlers
//! use the constants and functions below, so a correction is made here once.
//!
//! The contract (`azure-contract.md`) tags these UNVERIFIED, INFERRED or "open"; each item
//! says what the emulator does.
//!
//! 1. **21st FIC on an app registration**: 400, code `Request_BadRequest`, message
//!    [`graph_fic_limit_message`]. On a managed identity: 400, code `BadRequest`,
//!    [`arm_fic_limit_message`].
//! 2. **Duplicate FIC name on an app**: **400** `Request_MultipleObjectsWithSameKeyValue`
//!    "FederatedIdentityCredential with name {n} already exists." (one report says 409).
//! 3. **Graph FIC validation errors** (bad name, not exactly one audience, missing issuer or
//!    subject, value over 600 characters): 400 `Request_BadRequest` "Invalid value specified
//!    for property '{p}' of resource 'FederatedIdentityCredential'."
//! 4. **Managed identity FIC error codes**: the messages are documented, the codes are not:
//!    `BadRequest` for the 400s, `MethodNotAllowed` for the 405 in unsupported regions,
//!    `ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity` for the 409, and
//!    `ParentResourceNotFound` for the missing parent (with the documented message).
//! 5. **Service principal creation during replication** alternates the two real errors: odd
//!    attempts get the 400 "does not reference a valid application object", even attempts
//!    the 403 "backing application ... must in the local tenant".
//! 6. **WorkloadIdentityUser ("Azure DevOps" connection) body**: `url` = the target
//!    organization's URL in the cloud profile plus `/` (`https://dev.azure.com/{targetOrg}/` in
//!    the public cloud; the emulator reads the organization from the last path segment), and
//!    `data.organizationUrl` (same value) only when the
//!    target organization differs from the connection's own. The subject is the Entra subject
//!    of the connection's own organization and id, like azurerm.
//! 7. **Finishing a draft**: `PUT` with `isReady: true` and no `data.isDraft`. The emulator does
//!    not test the connection on that PUT.
//! 8. **Azure DevOps issuer → Entra issuer conversion**: a plain `PUT` whose body carries
//!    `data.workloadIdentityFederationIssuerType` or
//!    `authorization.parameters.workloadIdentityFederationIssuerType` = `"EntraID"`. The issuer
//!    type of the old issuer is written [`ISSUER_TYPE_DEVOPS`] (`"AzureDevOps"`).
//! 9. **Service connection name**: at most [`MAX_CONNECTION_NAME_LEN`] (256) characters; a
//!    duplicate name in a project is a 400 [`duplicate_connection_message`].
//! 10. **Missing serviceEndpointProjectReferences**: 400 `ArgumentException` with
//!     [`MISSING_PROJECT_REFERENCES`].
//! 11. **Secret → WIF conversion** (`operation=ConvertAuthenticationScheme`): automatic-mode,
//!     unshared azurerm connections convert and Azure DevOps writes the FIC on the app itself
//!     (it owns it). Manual-mode ones convert only when a FIC with the new issuer and subject
//!     already exists on the identity (contract §6.9 step 4); otherwise 400
//!     [`conversion_needs_fic_message`]. Shared ones: 400 [`CONVERSION_SHARED_MESSAGE`].
//!     Revert: only automatic ones, only before `data.revertSchemeDeadline` (7 days).
//! 12. **Deleting a WIF connection while a FIC still accepts its tokens** is refused with 400
//!     [`delete_blocked_message`]. A deleted FIC keeps "working" for the FIC propagation delay.
//! 13. **TestConnection failures**: HTTP 200, `statusCode: "badRequest"`, and `errorMessage`
//!     = [`test_connection_failure`] around the AADSTS/TF/VS text. Texts of AADSTS700211,
//!     700213 and 7002138 beyond their documented first sentence are inferred.
//!     For an azurerm connection without a role on its scope the message quotes ARM's
//!     SubscriptionNotFound answer (what a principal without any role sees).
//! 14. **ServicePrincipalEntitlements failures** are all HTTP 200 with `isSuccess: false` and
//!     `operationResult.errors = [{key, value}]`, including "Access Denied ... Add Users" for
//!     a caller who is not a Project Collection Administrator and a missing originId. The
//!     `key` is [`ENTITLEMENT_ERROR_KEY`] ("5000", as Terraform renders user-entitlement errors
//!     "(5000) ..." in terraform-provider-azuredevops#1384).
//! 15. **Azure DevOps api-version errors**: missing → `VssVersionNotSpecifiedException`,
//!     unparsable → `VssInvalidApiVersionException`, above 7.2 → `VssVersionOutOfRangeException`,
//!     a preview-only resource (or 7.2) without `-preview` → `VssInvalidPreviewVersionException`.
//!     `connectionData` accepts a request without api-version (real clients send none).
//! 16. **Unknown Azure DevOps organization**: 404 WrappedException [`unknown_org_message`]
//!     without `X-VSS-ResourceTenant`.
//! 17. **GET of a service connection that does not exist**: HTTP 200 with body `null`
//!     (Azure DevOps answers a missing endpoint id without an error; clients check `id`).
//! 18. **PKCE**: required. Missing `code_challenge` redirects with `invalid_request`
//!     AADSTS900144; a method other than S256 with [`PKCE_METHOD_MESSAGE`].
//! 19. **Two resources in one request** are refused at the token endpoint (all grants), not at
//!     authorize, where consent for several resources is normal.
//! 20. **Refresh tokens** rotate on every use; the old one keeps working until it expires.
//! 21. **Device code**: approved by the scenario's default user; the first poll is always
//!     `authorization_pending`.
//! 22. **Graph `signInAudience` default** when omitted: `AzureADMyOrg` (newer docs).
//! 23. **accounts?memberId=** of another user: an empty list. Organizations are listed only for
//!     the token's tenant.
//! 24. **Page sizes**: Graph 100 (`$top` honoured up to 999), ARM subscriptions
//!     [`ARM_PAGE_SIZE`], Azure DevOps projects 100 by default (`$top`), Azure DevOps Graph
//!     groups and service principals [`DEVOPS_GRAPH_PAGE_SIZE`] per raw page (pages can be
//!     empty after filtering, with a continuation token).
//! 25. **WorkloadIdentityUser TestConnection**: needs an entitlement in the target organization
//!     (TF401444) and, when the target is the connection's own organization, membership of a
//!     group of the connection's project (VS800075).
//! 26. **Role assignments**: PrincipalNotFound only when `principalType` is missing or not
//!     `ServicePrincipal` while the principal replicates, or when it does not exist and no
//!     `principalType` was sent.
//! 27. **Azure DevOps 401 bodies**: `TF400813` texts in a WrappedException
//!     (`UnauthorizedRequestException`).
//! 28. **Managed identity api-versions**: only 2023-01-31 and 2024-11-30 (the versions Keyless
//!     uses); `isolationScope` appears only in 2024-11-30 bodies.
//! 29. **Pipeline permissions PATCH** accepts pipeline ids without checking they exist.
//! 30. **Creating a connection as a project Reader**: 403 [`endpoint_create_denied_message`].
//! 31. **Device code `slow_down`** (polling faster than `interval`) reuses the AADSTS70016 text;
//!     `authorization_declined` uses AADSTS70000 with a "declined" sentence.
//! 32. **Create without `isReady` and without `data.isDraft`** gives a ready connection; a draft
//!     has `isReady: false` and `operationStatus: null`.
//! 33. **Automatic-mode WIF creation** (`data.creationMode: "Automatic"`) succeeds at once: the
//!     emulator creates the app, service principal, a Contributor role assignment at the scope
//!     and the FIC, with the caller's rights; cross-tenant callers get the
//!     `AadAccessSilentException` text in `operationStatus` (state `Failed`, `isReady: false`).
//! 34. **WorkloadIdentityUser targeting an organization of another tenant** is refused at
//!     creation with 400 ("not connected to the same Microsoft Entra tenant").
//! 35. **`revertSchemeDeadline`** is written in round-trip ("o") form with 7 fractional digits.
//! 36. **Execution history** accepts `7.1` as well as `7.1-preview.1`.
//! 37. **Updating a connection's authorization scheme without `operation=ConvertAuthenticationScheme`**
//!     is a 400.
//! 38. **Connection management rights**: Project Collection Administrators and the creator may
//!     update, share, convert, delete and change pipeline permissions; others get 403.
//! 39. **"Commit, then 504"** (`FaultKind::CommitThenGatewayTimeout`): the write takes effect and
//!     the client gets 504; ARM's body is `{"error":{"code":"GatewayTimeout",...}}`, Entra,
//!     Graph and Azure DevOps send an empty body (their front doors answer without the service).
//! 40. **FIC propagation**: a FIC on a user-assigned managed identity is invisible to token
//!     exchange for `managed_identity_fic_propagation_delay`, so TestConnection answers exactly
//!     as without it: [`no_fic_message`] (AADSTS70025) when the identity has no other working
//!     FIC, else the AADSTS700211/700213/7002138 comparison with the others. The text is the
//!     one Entra sends ("The client '{id}'({name}) has no configured federated identity
//!     credentials."); the error tables shorten it to "Client application has no configured
//!     federated identity credentials". On an app registration the existing behaviour stays:
//!     a pending FIC turns AADSTS70025 into AADSTS70021 (`fic_propagation_delay`).
//! 41. **Role assignment propagation**: for `role_propagation_delay` after it is created, a role
//!     assignment does not count in TestConnection. Subscription scope: a principal without any
//!     propagated role at or below the subscription gets ARM's `SubscriptionNotFound` (a
//!     principal without access cannot see the subscription). Resource group scope
//!     (`data.resourceGroupName`): the same, then `AuthorizationFailed` on
//!     `Microsoft.Resources/subscriptions/resourceGroups/read` when no propagated role covers
//!     the group. Management group scope: `AuthorizationFailed` on
//!     `Microsoft.Management/managementGroups/read`. ARM's own API (list, GET of assignments)
//!     shows the assignment at once.
//! 42. **Membership propagation**: for `membership_propagation_delay` after a service principal is
//!     added to an organization (given a licence), an "Azure DevOps" connection's TestConnection
//!     answers TF401444 as for a non-member. Project group membership (VS800075) is not delayed.
//! 43. **Entitlements**: `dateCreated` is when the member was first added (a POST for an existing
//!     member upserts and keeps it; a group-licensed member also keeps its licence). For
//!     `membership_read_lag` after that, `GET serviceprincipalentitlements/{id}` answers 404
//!     VS403346 and the Azure DevOps Graph service principal list leaves out principals first
//!     recorded within the lag.
//! 44. **Group-licensed members** (scenario `group_licensed = true`): `PATCH` replacing
//!     `/accessLevel` is a 400 `InvalidAccessException` [`GROUP_LICENSED_PATCH_MESSAGE`]; the
//!     entitlement shows `assignmentSource: "groupRule"`. Project entitlement changes still work.
//! 45. **An "Azure DevOps" (WorkloadIdentityUser) connection** is created only when its identity
//!     (the service principal of `serviceprincipalid` in the organization's tenant) is a user of
//!     the owning organization; otherwise 400 `ArgumentException` with
//!     [`workload_identity_user_not_member_message`] (the TF401444 text Azure DevOps uses for an
//!     identity it does not know). This check ignores `membership_propagation_delay`; a target
//!     in another organization is checked at TestConnection only.
//! 46. **App registration propagation**: for `app_propagation_delay` after an app registration is
//!     created, TestConnection's token exchange answers AADSTS700016 (not found in the
//!     directory). The emulator's token endpoint serves public clients only, so it has no
//!     client-assertion exchange to delay.
//! 47. **Jitter**: each delay of 40-42 and 46 (and of app FICs) is stretched by
//!     `delay_jitter` times a fraction fixed by the seed, the kind of delay and the object's id.
//! 48. **An app registration without a service principal in the connection's tenant**: token
//!     exchange answers [`missing_service_principal_message`] (AADSTS7000229) before looking
//!     at credentials or secrets; the documented message, the order is assumed.
//! 49. **Broken scenarios** (`scenario::broken`): an identity "gone" is an app registration
//!     moved to another tenant without a service principal in the connection's, which token
//!     exchange answers like a deleted one (AADSTS700016); a mismatched audience answers
//!     AADSTS70021 as any unmatched assertion does.
//! 60. **Authorization policy as one user sees it**: `allowedToCreateApps` is the tenant's
//!     `users_can_register_apps`, except that a scenario user whose `can_register_apps` is
//!     `false` sees `false` in their home tenant ([`policy_allows_app_registration`]); the
//!     scenario's per-user override stands for a tenant setting that excludes them.
//! 61. **Directory roles of a scenario user** ([`directory_roles_of`]): `app_admin` holds Cloud
//!     Application Administrator in every tenant the user is in; `can_register_apps = true`
//!     holds Application Developer in the home tenant. No other role is listed.
//! 62. **ARM `permissions`** at a scope lists one entry per role the caller holds there or
//!     above, with that built-in role's actions and notActions; api-versions 2015-07-01,
//!     2018-01-01-preview and 2022-04-01.
//! 63. **Azure DevOps `_apis/permissions/{namespace}/{bits}`** answers one boolean per token
//!     in `tokens` (comma separated; the namespace root when absent), `alwaysAllow` or not:
//!     Collection bits are held by Project Collection Administrators (`admin`), read (1) by
//!     everyone; ServiceEndpoints Create (4) and Administer (2) by `admin` and `member`, its
//!     other bits by every member of the organization; other namespaces answer `false`.
//! 64. **A classic pipeline in the Pipelines API** (`_apis/pipelines/{id}`) answers
//!     `configuration: {"type": "designerJson"}` with no path or repository; its steps are read
//!     from `_apis/build/definitions/{id}` (7.1), whose `process.type` is 1 with the scenario's
//!     `phases` as written, or 2 with `yamlFilename` for a YAML pipeline.
//! 65. **A missing build definition** is a 404 `DefinitionNotFoundException`, "Build pipeline
//!     {id} was not found." (the message an update of a missing definition was seen to give).
//! 66. **Each project has one Git repository**, named like the project, found by id or name at
//!     `_apis/git/repositories/{id}`; an unknown one is a 404 `GitRepositoryNotFoundException`
//!     (TF401019). Every YAML pipeline of the project lives in it, one file per path.
//! 67. **Release definitions are not served**: they live on `vsrm.dev.azure.com`, and a
//!     connection's pipeline permissions never name them.
//! 68. **Throttling** (`throttle`, off unless set; contract §3.5, §4.5, §8). The limits are the
//!     documented ones; what a request costs against them is partly guessed:
//!     - Azure DevOps: every request costs [`DEVOPS_TSTUS_PER_REQUEST`] (0.1) TSTU of the
//!       organization's 200 per user per 5 minutes. Microsoft publishes no per-request cost,
//!       only that an ordinary request costs "a small fraction" of one. Requests to the
//!       profile and accounts hosts share one bucket outside any organization. When the budget
//!       is spent the emulator answers 429 at once: Azure DevOps first delays requests (0 to
//!       30 s each) and warns with 200 + `Retry-After`, which the emulator does not imitate.
//!     - Graph: the smallest tenants' [`GRAPH_RESOURCE_UNITS_PER_10S`] (3,500), one bucket for
//!       the whole emulator (one app, and in practice one tenant, per session). A GET of
//!       applications costs [`GRAPH_UNITS_GET_APPLICATIONS`] (2), every other request
//!       [`GRAPH_UNITS_OTHER`] (1), and a write also 1 of the write quota; the documented
//!       `$select` −1, `$expand` +1 and `$top` < 20 −1 adjustments are not applied (the costs
//!       are taken from the path alone).
//!     - ARM: per subscription (tenant-level calls share one "tenant" bucket), per operation
//!       type; regions, principals and the global 15× limit are not modelled.
//!     - A throttled request is answered with the emulator's fixed `Retry-After` of one second,
//!       not the time until its bucket holds enough again.
//! 69. **HTTP/2 streams per connection**: Azure's hosts negotiate HTTP/2, and how many streams
//!     their front doors allow open on one connection is not published. The emulator serves
//!     HTTP/2 (prior knowledge, as plain loopback HTTP has no TLS to negotiate it in) and
//!     HTTP/1.1, and allows [`HTTP2_MAX_CONCURRENT_STREAMS`] (100, Kestrel's and IIS's default)
//!     streams per connection; a client that asks for more waits for a stream to close.

/// HTTP/2 streams one connection may have open at once (assumption 69).
pub const HTTP2_MAX_CONCURRENT_STREAMS: u32 = 100;

/// `workloadIdentityFederationIssuerType` of Entra-issuer connections (observed).
pub const ISSUER_TYPE_ENTRA: &str = "EntraID";
/// `workloadIdentityFederationIssuerType` of Azure DevOps-issuer connections (assumed).
pub const ISSUER_TYPE_DEVOPS: &str = "AzureDevOps";

pub const MAX_CONNECTION_NAME_LEN: usize = keyless_core::names::MAX_CONNECTION_NAME_LEN;

pub const ARM_PAGE_SIZE: usize = 1;
pub const DEVOPS_GRAPH_PAGE_SIZE: usize = 5;
pub const GRAPH_DEFAULT_PAGE_SIZE: usize = 100;
pub const DEVOPS_PROJECTS_DEFAULT_TOP: usize = 100;

pub const ENTITLEMENT_ERROR_KEY: &str = "5000";

/// TSTUs one Azure DevOps request costs (assumption 68).
pub const DEVOPS_TSTUS_PER_REQUEST: f64 = 0.1;
/// Graph resource units per app and tenant per 10 s: the smallest tenants' tier (assumption 68).
pub const GRAPH_RESOURCE_UNITS_PER_10S: f64 = 3_500.0;
/// Resource units of a GET of applications (assumption 68).
pub const GRAPH_UNITS_GET_APPLICATIONS: f64 = 2.0;
/// Resource units of every other Graph request (assumption 68).
pub const GRAPH_UNITS_OTHER: f64 = 1.0;

pub const GROUP_LICENSED_PATCH_MESSAGE: &str = "The license of this identity is assigned through a group rule and cannot be changed directly. Change the group rule, or remove the identity from the group rule first.";

pub const PKCE_METHOD_MESSAGE: &str =
    "AADSTS501491: Invalid code_challenge_method. Only 'S256' is supported for this application.";

pub const MISSING_PROJECT_REFERENCES: &str =
    "ServiceEndpointProjectReferences cannot be null or empty. Provide at least one project reference.";

pub const CONVERSION_SHARED_MESSAGE: &str = "Service connection shared across projects cannot be converted. Convert it in the project that owns it after removing the shares, or create a new service connection.";

pub fn graph_fic_limit_message() -> String {
    format!(
        "The number of federated identity credentials on this application cannot exceed {}.",
        keyless_core::federation::MAX_FICS_PER_IDENTITY
    )
}

pub fn arm_fic_limit_message() -> String {
    format!(
        "Too many Federated Identity Credentials are written to this Managed Identity. The maximum is {}.",
        keyless_core::federation::MAX_FICS_PER_IDENTITY
    )
}

pub fn graph_fic_invalid_property(property: &str) -> String {
    format!("Invalid value specified for property '{property}' of resource 'FederatedIdentityCredential'.")
}

pub fn duplicate_connection_message(name: &str) -> String {
    format!("A service connection with name '{name}' already exists in this project. Choose a different name.")
}

pub fn conversion_needs_fic_message(issuer: &str, subject: &str) -> String {
    format!(
        "Azure DevOps could not create the federated credential on the identity, because it did not create the identity. Create a federated credential with Issuer '{issuer}', Subject identifier '{subject}' and Audience 'api://AzureADTokenExchange' on the identity, then try again."
    )
}

pub fn revert_not_allowed_message(name: &str) -> String {
    format!(
        "The service connection '{name}' can no longer be reverted to its secret: the revert window of seven days has passed or the connection was not converted by Azure DevOps. Create a new secret manually."
    )
}

pub fn delete_blocked_message(name: &str, identity: &str, issuer: &str, subject: &str) -> String {
    format!(
        "Service connection '{name}' could not be deleted because a federated identity credential on identity '{identity}' still accepts its tokens (Issuer '{issuer}', Subject '{subject}'). Remove the federated credential, wait for the change to propagate, then delete the service connection again."
    )
}

pub fn no_fic_message(client_id: keyless_core::Guid, display_name: &str) -> String {
    format!("AADSTS70025: The client '{client_id}'({display_name}) has no configured federated identity credentials.")
}

/// `principal` is the service principal's object id in the organization's tenant (the client
/// id when there is none).
pub fn workload_identity_user_not_member_message(tenant: keyless_core::Guid, principal: keyless_core::Guid) -> String {
    format!(
        "TF401444: Please sign-in at least once as {tenant}\\{tenant}\\{principal} in a web browser to enable access to the service."
    )
}

pub fn missing_service_principal_message(client_id: keyless_core::Guid, tenant: keyless_core::Guid) -> String {
    format!(
        "AADSTS7000229: The client application {client_id} is missing service principal in the tenant {tenant}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119"
    )
}

pub fn test_connection_failure(inner: &str) -> String {
    format!("Failed to obtain the Json Web Token(JWT) using service principal client ID. Exception Message: {inner}")
}

pub fn unknown_org_message(org: &str) -> String {
    format!("The Azure DevOps organization '{org}' does not exist, or you do not have permission to access it.")
}

pub fn endpoint_create_denied_message(project: &str) -> String {
    format!(
        "Access denied. You need the Creator or Administrator role on service connections in project '{project}' to create a service connection."
    )
}

/// A directory role a scenario user holds (assumption 61).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryRoleGrant {
    pub display_name: &'static str,
    pub template_id: keyless_core::Guid,
    pub description: &'static str,
}

const CLOUD_APPLICATION_ADMINISTRATOR: DirectoryRoleGrant = DirectoryRoleGrant {
    display_name: "Cloud Application Administrator",
    template_id: keyless_core::preflight::CLOUD_APPLICATION_ADMINISTRATOR,
    description: "Can create and manage all aspects of app registrations and enterprise apps except App Proxy.",
};

const APPLICATION_DEVELOPER: DirectoryRoleGrant = DirectoryRoleGrant {
    display_name: "Application Developer",
    template_id: keyless_core::preflight::APPLICATION_DEVELOPER,
    description: "Can create application registrations independent of the 'Users can register applications' setting.",
};

pub fn directory_roles_of(user: &crate::state::User, tenant: keyless_core::Guid) -> Vec<DirectoryRoleGrant> {
    let mut roles = vec![];
    if user.app_admin {
        roles.push(CLOUD_APPLICATION_ADMINISTRATOR);
    }
    if tenant == user.home_tenant && user.can_register_apps == Some(true) {
        roles.push(APPLICATION_DEVELOPER);
    }
    roles
}

/// `defaultUserRolePermissions.allowedToCreateApps` as `user` reads it (assumption 60).
pub fn policy_allows_app_registration(
    world: &crate::state::World,
    user: &crate::state::User,
    tenant: keyless_core::Guid,
) -> bool {
    if tenant == user.home_tenant && user.can_register_apps == Some(false) {
        return false;
    }
    world.tenant(tenant).is_some_and(|t| t.users_can_register_apps)
}
