//! Azure built-in roles Keyless names, and the deterministic role assignment name that makes
//! re-runs idempotent.

use crate::{Guid, InputError};

/// Built-in role names and their role definition GUIDs (the same in every subscription).
pub const BUILT_IN_ROLES: &[(&str, Guid)] = &[
    ("Reader", Guid::from_u128(0xacdd72a7_3385_48ef_bd42_f606fba81ae7)),
    ("Contributor", Guid::from_u128(0xb24988ac_6180_42a0_ab88_20f7382dd24c)),
    ("Owner", Guid::from_u128(0x8e3af657_a8ff_443c_a75c_2fe8c4bcb635)),
    ("User Access Administrator", Guid::from_u128(0x18d7d88d_d35e_4fb5_a5c3_7773c20a72d9)),
];

/// Resolves a role given by built-in name (any case) or by role definition GUID.
pub fn role_definition_for(role: &str) -> Result<(String, Guid), InputError> {
    if let Some((name, id)) = BUILT_IN_ROLES.iter().find(|(name, _)| name.eq_ignore_ascii_case(role.trim())) {
        return Ok(((*name).to_string(), *id));
    }
    if let Ok(id) = Guid::parse_input("role", role) {
        let name =
            BUILT_IN_ROLES.iter().find(|(_, g)| *g == id).map_or_else(|| id.to_string(), |(n, _)| (*n).to_string());
        return Ok((name, id));
    }
    Err(InputError::new(
        "role",
        format!("'{role}' is not a built-in role Keyless knows"),
        "use Reader, Contributor, Owner or User Access Administrator, or give the role definition GUID of a custom role",
    ))
}

/// Namespace for role assignment names; fixed forever so old runs stay recognisable.
const ROLE_ASSIGNMENT_NAMESPACE: Guid = Guid::from_u128(0x6b3f_2a58_1c4e_4d0f_9a71_0e5c_8d2b_7f41);

/// The same (scope, principal, role) always gets the same assignment name, so a re-run finds
/// its own assignment instead of creating a second one.
pub fn role_assignment_name(scope: &str, principal_id: Guid, role_definition_id: Guid) -> Guid {
    Guid::derived(
        ROLE_ASSIGNMENT_NAMESPACE,
        &format!("{}|{principal_id}|{role_definition_id}", scope.to_ascii_lowercase()),
    )
}
