//! `SetupInput` (the wizard's setup, as sent over IPC) into `keyless_core::setup::Setup`.
//!
//! Every DTO is destructured completely, so a field added on either side fails to compile here
//! until it is handled. Ids are parsed and the setup goes through `check_setup`, the same checks
//! the CLI applies to a file; the planner's checks against live state come later.

use keyless_core::{
    Guid, InputError,
    names::OrgName,
    setup::{
        AccessLevel, AzureScope, ConnectionKind, ConnectionSpec, IdentitySpec, OrganizationSpec, ProjectAccessSpec,
        ProjectGroup, Setup, WhenFull, check_setup,
    },
};
use keyless_ipc::{
    AccessLevelInput, ConnectionInput, ConnectionTypeInput, IdentityInput, OrganizationInput, ProjectAccessInput,
    ProjectGroupInput, ScopeInput, SetupInput, WhenFullInput,
};

/// Converts and checks the wizard's setup.
pub fn setup_from_input(input: SetupInput) -> Result<Setup, InputError> {
    let SetupInput { identity, organizations, connections } = input;
    let setup = Setup {
        identity: identity_spec(identity)?,
        organizations: organizations.into_iter().map(organization_spec).collect::<Result<_, _>>()?,
        connections: connections.into_iter().map(connection_spec).collect::<Result<_, _>>()?,
    };
    check_setup(&setup)?;
    Ok(setup)
}

fn identity_spec(identity: IdentityInput) -> Result<IdentitySpec, InputError> {
    Ok(match identity {
        IdentityInput::AppRegistration { name, when_full } => {
            IdentitySpec::AppRegistration { name, when_full: when_full_spec(when_full) }
        }
        IdentityInput::ManagedIdentity { name, subscription, resource_group, location, when_full } => {
            IdentitySpec::ManagedIdentity {
                name,
                subscription: Guid::parse_input("subscription", &subscription)?,
                resource_group,
                location,
                when_full: when_full_spec(when_full),
            }
        }
        IdentityInput::Existing { client_id, resource_id, name } => IdentitySpec::Existing {
            client_id: client_id.as_deref().map(|id| Guid::parse_input("client id", id)).transpose()?,
            resource_id: resource_id.filter(|id| !id.trim().is_empty()),
            name: name.filter(|name| !name.trim().is_empty()),
        },
    })
}

fn when_full_spec(when_full: WhenFullInput) -> WhenFull {
    match when_full {
        WhenFullInput::Stop => WhenFull::Stop,
        WhenFullInput::NewIdentity => WhenFull::NewIdentity,
    }
}

fn organization_spec(organization: OrganizationInput) -> Result<OrganizationSpec, InputError> {
    let OrganizationInput { name, access_level, projects } = organization;
    Ok(OrganizationSpec {
        name: OrgName::parse(&name)?,
        access_level: match access_level {
            AccessLevelInput::Stakeholder => AccessLevel::Stakeholder,
            AccessLevelInput::Basic => AccessLevel::Basic,
            AccessLevelInput::BasicTestPlans => AccessLevel::BasicTestPlans,
        },
        projects: projects.into_iter().map(project_access_spec).collect(),
    })
}

fn project_access_spec(project: ProjectAccessInput) -> ProjectAccessSpec {
    let ProjectAccessInput { name, groups } = project;
    let groups = groups
        .into_iter()
        .map(|group| match group {
            ProjectGroupInput::Readers => ProjectGroup::Readers,
            ProjectGroupInput::Contributors => ProjectGroup::Contributors,
            ProjectGroupInput::ProjectAdministrators => ProjectGroup::ProjectAdministrators,
            ProjectGroupInput::Custom(name) => ProjectGroup::Custom(name),
        })
        .collect();
    ProjectAccessSpec { name, groups }
}

fn connection_spec(connection: ConnectionInput) -> Result<ConnectionSpec, InputError> {
    let ConnectionInput {
        name,
        organization,
        project,
        connection_type,
        scope,
        role,
        target_organization,
        description,
        share_with,
        pipelines,
        all_pipelines,
    } = connection;
    let key = format!("{organization}/{project}/{name}");
    let kind = match connection_type {
        ConnectionTypeInput::AzureRm => {
            if target_organization.is_some() {
                return Err(InputError::new(
                    "target organization",
                    format!("'{key}' is an Azure Resource Manager connection, which has no target organization"),
                    "leave the target organization empty, or make it an Azure DevOps connection",
                ));
            }
            let scope = scope.ok_or_else(|| {
                InputError::new(
                    "scope",
                    format!("'{key}' has no scope"),
                    "choose a subscription (optionally a resource group in it) or a management group",
                )
            })?;
            ConnectionKind::AzureRm {
                scope: azure_scope(&key, scope)?,
                role: role.filter(|role| !role.trim().is_empty()).unwrap_or_else(|| "Reader".into()),
            }
        }
        ConnectionTypeInput::AzureDevops => {
            if scope.is_some() || role.is_some() {
                return Err(InputError::new(
                    "scope",
                    format!("'{key}' is an Azure DevOps connection, which has no Azure scope or role"),
                    "remove the scope and role, or make it an Azure Resource Manager connection",
                ));
            }
            ConnectionKind::AzureDevops {
                target_organization: target_organization
                    .filter(|target| !target.trim().is_empty())
                    .map(|target| OrgName::parse(&target))
                    .transpose()?,
            }
        }
    };
    Ok(ConnectionSpec {
        name,
        organization: OrgName::parse(&organization)?,
        project,
        kind,
        description,
        share_with,
        pipelines,
        all_pipelines,
    })
}

fn azure_scope(key: &str, scope: ScopeInput) -> Result<AzureScope, InputError> {
    let ScopeInput { subscription, resource_group, management_group } = scope;
    let present = |value: Option<String>| value.filter(|text| !text.trim().is_empty());
    match (present(subscription), present(resource_group), present(management_group)) {
        (Some(subscription), Some(resource_group), None) => Ok(AzureScope::ResourceGroup {
            subscription: Guid::parse_input("subscription", &subscription)?,
            resource_group,
        }),
        (Some(subscription), None, None) => {
            Ok(AzureScope::Subscription { subscription: Guid::parse_input("subscription", &subscription)? })
        }
        (None, None, Some(management_group)) => Ok(AzureScope::ManagementGroup { management_group }),
        _ => Err(InputError::new(
            "scope",
            format!("'{key}' needs a subscription (optionally with a resource group), or a management group alone"),
            "choose a subscription and optionally one of its resource groups, or only a management group",
        )),
    }
}

#[cfg(test)]
mod tests {
    use keyless_core::setup::parse_setup_toml;

    use super::*;

    const SUBSCRIPTION: &str = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504";

    fn onboarding_input() -> SetupInput {
        serde_json::from_value(serde_json::json!({
            "identity": { "kind": "appRegistration", "name": "kl-shop-deployer", "whenFull": "stop" },
            "organizations": [],
            "connections": [{
                "name": "sc-shop-prod", "description": "Deploys the Shop to production",
                "organization": "contoso", "project": "Shop", "type": "azureRm",
                "scope": { "subscription": SUBSCRIPTION, "resourceGroup": "rg-shop-prod" }, "role": "Contributor",
                "pipelines": ["shop-deploy"], "shareWith": ["Payments"], "allPipelines": false
            }]
        }))
        .unwrap()
    }

    #[test]
    fn wizard_setup_equals_the_example_file() {
        let file = parse_setup_toml("onboarding.toml", include_str!("../../../examples/onboarding.toml")).unwrap();
        assert_eq!(setup_from_input(onboarding_input()).unwrap(), file);
    }

    #[test]
    fn every_example_round_trips_through_the_wizard_shape() {
        for name in ["onboarding.toml", "cross-org.toml", "managed-identity.toml"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
            let file = parse_setup_toml(name, &std::fs::read_to_string(&path).unwrap()).unwrap();
            let input = input_from_setup(&file);
            assert_eq!(setup_from_input(input).unwrap(), file, "{name}");
        }
    }

    #[test]
    fn bad_ids_and_scopes_name_the_field() {
        let mut input = onboarding_input();
        input.connections[0].scope = Some(ScopeInput { subscription: Some("not-a-guid".into()), ..scope_none() });
        assert_eq!(setup_from_input(input).unwrap_err().input, "subscription");

        let mut input = onboarding_input();
        input.connections[0].scope = Some(scope_none());
        assert_eq!(setup_from_input(input).unwrap_err().input, "scope");

        let mut input = onboarding_input();
        input.connections[0].pipelines.clear();
        input.connections[0].all_pipelines = true;
        input.connections[0].pipelines.push("shop-deploy".into());
        assert_eq!(setup_from_input(input).unwrap_err().input, "pipelines");
    }

    #[test]
    fn missing_role_means_reader() {
        let mut input = onboarding_input();
        input.connections[0].role = None;
        let setup = setup_from_input(input).unwrap();
        assert!(matches!(&setup.connections[0].kind, ConnectionKind::AzureRm { role, .. } if role == "Reader"));
    }

    /// The reverse conversion, as the wizard would send a setup file's content.
    fn input_from_setup(setup: &Setup) -> SetupInput {
        let Setup { identity, organizations, connections } = setup.clone();
        let when_full = |w: WhenFull| match w {
            WhenFull::Stop => WhenFullInput::Stop,
            WhenFull::NewIdentity => WhenFullInput::NewIdentity,
        };
        let identity = match identity {
            IdentitySpec::AppRegistration { name, when_full: w } => {
                IdentityInput::AppRegistration { name, when_full: when_full(w) }
            }
            IdentitySpec::ManagedIdentity { name, subscription, resource_group, location, when_full: w } => {
                IdentityInput::ManagedIdentity {
                    name,
                    subscription: subscription.to_string(),
                    resource_group,
                    location,
                    when_full: when_full(w),
                }
            }
            IdentitySpec::Existing { client_id, resource_id, name } => {
                IdentityInput::Existing { client_id: client_id.map(|id| id.to_string()), resource_id, name }
            }
        };
        let organizations = organizations
            .into_iter()
            .map(|OrganizationSpec { name, access_level, projects }| OrganizationInput {
                name: name.to_string(),
                access_level: match access_level {
                    AccessLevel::Stakeholder => AccessLevelInput::Stakeholder,
                    AccessLevel::Basic => AccessLevelInput::Basic,
                    AccessLevel::BasicTestPlans => AccessLevelInput::BasicTestPlans,
                },
                projects: projects
                    .into_iter()
                    .map(|ProjectAccessSpec { name, groups }| ProjectAccessInput {
                        name,
                        groups: groups
                            .into_iter()
                            .map(|group| match group {
                                ProjectGroup::Readers => ProjectGroupInput::Readers,
                                ProjectGroup::Contributors => ProjectGroupInput::Contributors,
                                ProjectGroup::ProjectAdministrators => ProjectGroupInput::ProjectAdministrators,
                                ProjectGroup::Custom(name) => ProjectGroupInput::Custom(name),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        let connections = connections
            .into_iter()
            .map(|spec| {
                let ConnectionSpec {
                    name,
                    organization,
                    project,
                    kind,
                    description,
                    share_with,
                    pipelines,
                    all_pipelines,
                } = spec;
                let (connection_type, scope, role, target_organization) = match kind {
                    ConnectionKind::AzureRm { scope, role } => {
                        let scope = match scope {
                            AzureScope::ResourceGroup { subscription, resource_group } => ScopeInput {
                                subscription: Some(subscription.to_string()),
                                resource_group: Some(resource_group),
                                management_group: None,
                            },
                            AzureScope::Subscription { subscription } => {
                                ScopeInput { subscription: Some(subscription.to_string()), ..scope_none() }
                            }
                            AzureScope::ManagementGroup { management_group } => {
                                ScopeInput { management_group: Some(management_group), ..scope_none() }
                            }
                        };
                        (ConnectionTypeInput::AzureRm, Some(scope), Some(role), None)
                    }
                    ConnectionKind::AzureDevops { target_organization } => {
                        (ConnectionTypeInput::AzureDevops, None, None, target_organization.map(String::from))
                    }
                };
                ConnectionInput {
                    name,
                    organization: organization.to_string(),
                    project,
                    connection_type,
                    scope,
                    role,
                    target_organization,
                    description,
                    share_with,
                    pipelines,
                    all_pipelines,
                }
            })
            .collect();
        SetupInput { identity, organizations, connections }
    }

    fn scope_none() -> ScopeInput {
        ScopeInput { subscription: None, resource_group: None, management_group: None }
    }
}
