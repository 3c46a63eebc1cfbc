//! A fleet of empty organizations generated in code, for onboarding benchmarks: the demo world
//! plus any number of organizations with the same number of projects each (one YAML pipeline
//! per project, so connections can be allowed for it), a subscription for Azure Resource
//! Manager connections with one resource group per organization, and a resource group for the
//! managed identities onboarding creates. Nothing in the fleet has a connection or an identity
//! yet: onboarding makes them.
//!
//! Names and ids are derived from (kind, organization, project), so a benchmark can name any
//! object without reading the scenario back. Latency and delays are `EmulatorConfig`'s business.

use std::fmt::Write as _;

use keyless_core::Guid;

use super::{Scenario, ScenarioError};

/// The demo world the fleet is added to (its user, tenants and subscriptions).
const DEMO: &str = include_str!("../../scenarios/demo.toml");
/// The demo user's Azure DevOps access line, extended with every generated organization.
const DEMO_ACCESS: &str = "devops = { contoso = \"admin\", ";
/// Contoso, the demo user's tenant, which every generated organization is connected to.
const TENANT: &str = "6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b";
/// The demo management group the demo user owns, so it may create identities and assign
/// roles in the fleet's subscription.
const MANAGEMENT_GROUP: &str = "mg-contoso-prod";
/// The fleet's subscription, where its Azure Resource Manager connections deploy.
pub const SUBSCRIPTION: Guid = Guid::from_u128(0x5f1e_e700_0000_4000_8000_0000_0000_0001);
/// The resource group of the fleet's subscription that holds the identities onboarding creates.
pub const IDENTITY_RESOURCE_GROUP: &str = "rg-fleet-identities";
/// Where the fleet's resources live.
pub const LOCATION: &str = "westeurope";

/// The shape of a generated fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetShape {
    pub organizations: usize,
    pub projects_per_organization: usize,
}

/// The name of generated organization `organization`.
pub fn organization_name(organization: usize) -> String {
    format!("fleet-{organization:02}")
}

/// The name of project `project` of every generated organization.
pub fn project_name(project: usize) -> String {
    format!("Service{project}")
}

/// The name of the one pipeline of project `project` (the same in every organization).
pub fn pipeline_name(project: usize) -> String {
    format!("service{project}-deploy")
}

/// The resource group organization `organization`'s Azure Resource Manager connections deploy to.
pub fn resource_group(organization: usize) -> String {
    format!("rg-fleet-{organization:02}")
}

/// Id of `kind`'s object number `number` in organization `organization`.
fn id(kind: u128, organization: usize, number: usize) -> Guid {
    Guid::from_u128((kind << 96) | ((organization as u128) << 32) | number as u128)
}

/// The id of organization `organization`.
pub fn organization_id(organization: usize) -> Guid {
    id(0xf0a, organization, 0)
}

/// The id of project `project` of organization `organization`.
pub fn project_id(organization: usize, project: usize) -> Guid {
    id(0xf0b, organization, project)
}

/// The demo scenario plus the generated fleet of `shape`, checked like any scenario.
pub fn fleet_scenario(shape: &FleetShape) -> Result<Scenario, ScenarioError> {
    Scenario::from_toml_str(&fleet_toml(shape), "generated-fleet.toml")
}

/// The TOML text of [`fleet_scenario`].
pub fn fleet_toml(shape: &FleetShape) -> String {
    let access: String = (0..shape.organizations).map(|o| format!("{} = \"admin\", ", organization_name(o))).collect();
    let mut text = DEMO.replacen(DEMO_ACCESS, &format!("devops = {{ {access}contoso = \"admin\", "), 1);
    let _ = write!(
        text,
        "\n[[subscriptions]]\nid = \"{SUBSCRIPTION}\"\ndisplay_name = \"Contoso Fleet\"\ntenant = \"{TENANT}\"\nmanagement_group = \"{MANAGEMENT_GROUP}\"\n\n[[resource_groups]]\nsubscription = \"{SUBSCRIPTION}\"\nname = \"{IDENTITY_RESOURCE_GROUP}\"\nlocation = \"{LOCATION}\"\n"
    );
    for o in 0..shape.organizations {
        let org = organization_name(o);
        let _ = write!(
            text,
            "\n[[resource_groups]]\nsubscription = \"{SUBSCRIPTION}\"\nname = \"{}\"\nlocation = \"{LOCATION}\"\n\n[[organizations]]\nname = \"{org}\"\nid = \"{}\"\ntenant = \"{TENANT}\"\n",
            resource_group(o),
            organization_id(o)
        );
        for p in 0..shape.projects_per_organization {
            let project = project_name(p);
            let _ = write!(
                text,
                "\n[[projects]]\norganization = \"{org}\"\nname = \"{project}\"\nid = \"{}\"\n\n[[pipelines]]\norganization = \"{org}\"\nproject = \"{project}\"\nid = {}\nname = \"{}\"\nyaml = \"\"\"\ntrigger: [main]\npool:\n  vmImage: ubuntu-latest\nsteps:\n  - script: ./deploy.sh\n\"\"\"\n",
                project_id(o, p),
                p + 1,
                pipeline_name(p)
            );
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_fleet_of_twenty_organizations_loads_as_a_valid_scenario() {
        let shape = FleetShape { organizations: 20, projects_per_organization: 5 };
        let scenario = fleet_scenario(&shape).unwrap_or_else(|e| panic!("{e}"));
        let fleet_projects = scenario.projects.iter().filter(|p| p.organization.starts_with("fleet-")).count();
        assert_eq!(fleet_projects, 100);
        let fleet_pipelines = scenario.pipelines.iter().filter(|p| p.organization.starts_with("fleet-")).count();
        assert_eq!(fleet_pipelines, 100);
        assert!(scenario.organizations.iter().any(|o| o.name == "fleet-19" && o.id == organization_id(19)));
        assert!(scenario.resource_groups.iter().any(|g| g.name == "rg-fleet-19" && g.subscription == SUBSCRIPTION));
        let user = scenario.users.iter().find(|u| u.upn == "megan.bowen@contoso.com").expect("the demo user");
        assert!(user.devops.contains_key("fleet-00") && user.devops.contains_key("fleet-19"));
    }
}
