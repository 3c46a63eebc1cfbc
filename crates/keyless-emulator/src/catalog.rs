//! Known, documented constants of the real services: hosts, resource ids, built-in role
//! GUIDs, well-known client ids, standard Azure DevOps groups and descriptor encoding.
//!
//! Values whose real form is *not* known are not here; they live in `assumptions.rs`.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use keyless_core::Guid;

/// Issuer host of Entra issuers in the public cloud (what the emulator's cloud profile names).
pub const ISSUER_HOST: &str = "https://login.microsoftonline.com";
/// The `c/{code}` segment of Entra-issuer subjects in the public cloud.
pub const CLOUD_CODE: &str = "pub";

/// Microsoft Graph's application id (also accepted as a resource in scopes).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
pub const ARM_AUDIENCE: &str = "https://management.azure.com/";
/// Audiences ARM accepts, in the order its error message lists them.
pub const ARM_ALLOWED_AUDIENCES: &[&str] = &[
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
];

/// Public clients every tenant knows: Azure CLI, Azure PowerShell, Visual Studio.
pub const WELL_KNOWN_PUBLIC_CLIENTS: &[(Guid, &str)] = &[
    (Guid::from_u128(0x04b07795_8ddb_461a_bbee_02f9e1bf7b46), "Microsoft Azure CLI"),
    (Guid::from_u128(0x1950a258_227b_4e31_a9cf_717495945fc2), "Microsoft Azure PowerShell"),
    (Guid::from_u128(0x872cd9fa_d31f_45e0_9eab_6e460a02d1f1), "Visual Studio"),
];

/// Built-in Azure roles the emulator knows: name, id, description.
pub const BUILT_IN_ROLES: &[(&str, Guid, &str)] = &[
    (
        "Owner",
        Guid::from_u128(0x8e3af657_a8ff_443c_a75c_2fe8c4bcb635),
        "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
    ),
    (
        "Contributor",
        Guid::from_u128(0xb24988ac_6180_42a0_ab88_20f7382dd24c),
        "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
    ),
    (
        "Reader",
        Guid::from_u128(0xacdd72a7_3385_48ef_bd42_f606fba81ae7),
        "View all resources, but does not allow you to make any changes.",
    ),
    (
        "User Access Administrator",
        Guid::from_u128(0x18d7d88d_d35e_4fb5_a5c3_7773c20a72d9),
        "Lets you manage user access to Azure resources.",
    ),
];

pub fn role_definition_id(name: &str) -> Option<Guid> {
    BUILT_IN_ROLES.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)).map(|(_, id, _)| *id)
}

pub fn role_name(id: Guid) -> Option<&'static str> {
    BUILT_IN_ROLES.iter().find(|(_, g, _)| *g == id).map(|(n, _, _)| *n)
}

/// Roles that carry `Microsoft.Authorization/roleAssignments/write`.
pub const ROLE_ASSIGNMENT_WRITERS: &[&str] = &["Owner", "User Access Administrator"];
/// Roles that carry `*/write` on resources.
pub const RESOURCE_WRITERS: &[&str] = &["Owner", "Contributor"];

/// The groups Azure DevOps creates in every project.
pub const STANDARD_PROJECT_GROUPS: &[(&str, &str)] = &[
    ("Readers", "Members of this group have access to the team project."),
    ("Contributors", "Members of this group can add, modify, and delete items within the team project."),
    ("Project Administrators", "Members of this group can perform all operations in the team project."),
    (
        "Endpoint Administrators",
        "Members of this group should include accounts for people who should be able to manage all the service connections.",
    ),
    ("Endpoint Creators", "Members of this group can create service connections in the project."),
];

/// An Azure DevOps subject descriptor: `{kind}.{base64url(raw)}` (kinds: aad, aadsp, vssgp, scp).
pub fn devops_descriptor(kind: &str, raw: &str) -> String {
    format!("{kind}.{}", URL_SAFE_NO_PAD.encode(raw.as_bytes()))
}

/// The raw value inside a descriptor, if it has the expected form.
pub fn descriptor_raw(descriptor: &str) -> Option<(String, String)> {
    let (kind, encoded) = descriptor.split_once('.')?;
    let raw = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    Some((kind.to_string(), String::from_utf8(raw).ok()?))
}

/// Project state filter values of the core API.
pub const PROJECT_STATES: &[&str] = &["wellFormed", "createPending", "deleting", "new", "all", "unchanged", "deleted"];

/// accountLicenseType values (7.2 spec).
pub const LICENSE_TYPES: &[&str] = &["none", "earlyAdopter", "express", "professional", "advanced", "stakeholder"];
/// licensingSource values (7.2 spec).
pub const LICENSING_SOURCES: &[&str] = &["none", "account", "msdn", "profile", "auto", "trial", "gitHub"];
/// groupType values of project entitlements and the group each maps to.
pub const PROJECT_GROUP_TYPES: &[(&str, &str)] = &[
    ("projectStakeholder", "Readers"),
    ("projectReader", "Readers"),
    ("projectContributor", "Contributors"),
    ("projectAdministrator", "Project Administrators"),
];

/// `/vstfs:///Classification/TeamProject/{id}`, the domain of project groups.
pub fn team_project_uri(project: Guid) -> String {
    format!("vstfs:///Classification/TeamProject/{project}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_round_trip() {
        let d = devops_descriptor("aadsp", "4b1e0f6d-0000-4000-8000-000000000001");
        assert!(d.starts_with("aadsp."));
        assert_eq!(descriptor_raw(&d).unwrap().1, "4b1e0f6d-0000-4000-8000-000000000001");
    }
}
