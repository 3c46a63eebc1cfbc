//! Large estates generated in code, for benchmarks and load tests: the demo world plus any
//! number of organizations, each with one project of service connections in a chosen mix of
//! automatic secret connections (converted in place), workload identity connections still on
//! the Azure DevOps issuer (switched to the Entra issuer) and token connections (replaced).
//!
//! Ids are derived from (kind, organization, number), so a benchmark can name any object
//! without reading the scenario back. It does not choose latency or delays: that is
//! `EmulatorConfig`'s business.

use std::fmt::Write as _;

use keyless_core::Guid;

use super::{Scenario, ScenarioError};

/// The demo world the estate is added to (its user, tenants and subscriptions).
const DEMO: &str = include_str!("../../scenarios/demo.toml");
/// The demo user's Azure DevOps access line, extended with every generated organization.
const DEMO_ACCESS: &str = "devops = { contoso = \"admin\", ";
const TENANT: &str = "6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b";
/// The demo subscription, which every generated identity may read.
pub const SUBSCRIPTION: &str = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504";
/// Connections sharing one identity: well under Entra's cap of 20 credentials, even while a
/// switch keeps the old credential beside the new one.
pub const CONNECTIONS_PER_IDENTITY: usize = 8;

/// The shape of a generated estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EstateShape {
    pub organizations: usize,
    /// Per organization: automatic secret connections (migrated by converting in place).
    pub secret_connections: usize,
    /// Per organization: workload identity connections on the Azure DevOps issuer.
    pub legacy_issuer_connections: usize,
    /// Per organization: token connections (migrated by replacement).
    pub token_connections: usize,
}

impl EstateShape {
    pub fn connections_per_organization(&self) -> usize {
        self.secret_connections + self.legacy_issuer_connections + self.token_connections
    }

    pub fn connections(&self) -> usize {
        self.organizations * self.connections_per_organization()
    }
}

/// What a generated connection is, and so how it migrates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EstateConnectionKind {
    Secret,
    LegacyIssuer,
    Token,
}

/// The name of generated organization `organization`.
pub fn organization_name(organization: usize) -> String {
    format!("estate-{organization}")
}

/// The single project of every generated organization.
pub const PROJECT: &str = "Apps";

/// Id of `kind`'s object number `number` in organization `organization`.
fn id(kind: u128, organization: usize, number: usize) -> Guid {
    Guid::from_u128((kind << 96) | ((organization as u128) << 32) | number as u128)
}

/// The id of connection `number` of `organization` (numbered across kinds: secrets first,
/// then legacy-issuer, then token connections).
pub fn connection_id(organization: usize, number: usize) -> Guid {
    id(0xe5, organization, number)
}

/// The object id of the app registration behind connection `number` of `organization` (the
/// id in its credentials' Graph paths); token connections have none.
pub fn identity_object_id(organization: usize, number: usize) -> Guid {
    id(0xc0, organization, number / CONNECTIONS_PER_IDENTITY)
}

/// The kind of connection `number` in an organization of `shape`.
pub fn connection_kind(shape: &EstateShape, number: usize) -> EstateConnectionKind {
    if number < shape.secret_connections {
        EstateConnectionKind::Secret
    } else if number < shape.secret_connections + shape.legacy_issuer_connections {
        EstateConnectionKind::LegacyIssuer
    } else {
        EstateConnectionKind::Token
    }
}

/// The demo scenario plus the generated organizations of `shape`, checked like any scenario.
pub fn estate_scenario(shape: &EstateShape) -> Result<Scenario, ScenarioError> {
    Scenario::from_toml_str(&estate_toml(shape), "generated-estate.toml")
}

/// The TOML text of [`estate_scenario`].
pub fn estate_toml(shape: &EstateShape) -> String {
    let access: String = (0..shape.organizations).map(|o| format!("{} = \"admin\", ", organization_name(o))).collect();
    let mut text = DEMO.replacen(DEMO_ACCESS, &format!("devops = {{ {access}contoso = \"admin\", "), 1);
    for o in 0..shape.organizations {
        let org = organization_name(o);
        let _ = write!(
            text,
            "\n[[organizations]]\nname = \"{org}\"\nid = \"{}\"\ntenant = \"{TENANT}\"\n\n[[projects]]\norganization = \"{org}\"\nname = \"{PROJECT}\"\nid = \"{}\"\n",
            id(0xa0, o, 0),
            id(0xb0, o, 0)
        );
        let identities = shape.connections_per_organization().div_ceil(CONNECTIONS_PER_IDENTITY);
        for app in 0..identities {
            let _ = write!(
                text,
                "\n[[applications]]\ntenant = \"{TENANT}\"\ndisplay_name = \"{org}-app-{app}\"\nobject_id = \"{}\"\napp_id = \"{}\"\nowners = [\"megan.bowen@contoso.com\"]\nservice_principal_id = \"{}\"\nsecrets = [{{ display_name = \"Azure DevOps\", expires_in_days = 30 }}]\n\n[[role_assignments]]\nprincipal = \"{}\"\nscope = \"/subscriptions/{SUBSCRIPTION}\"\nrole = \"Reader\"\n",
                id(0xc0, o, app),
                id(0xc1, o, app),
                id(0xc2, o, app),
                id(0xc2, o, app)
            );
        }
        for n in 0..shape.connections_per_organization() {
            let identity = id(0xc1, o, n / CONNECTIONS_PER_IDENTITY);
            let common = format!(
                "\n[[service_connections]]\norganization = \"{org}\"\nproject = \"{PROJECT}\"\nname = \"{org}-sc-{n}\"\nid = \"{}\"\n",
                connection_id(o, n)
            );
            text.push_str(&common);
            let details = match connection_kind(shape, n) {
                EstateConnectionKind::Secret => format!(
                    "type = \"azurerm\"\nscheme = \"ServicePrincipal\"\ncreation_mode = \"Automatic\"\nidentity = \"{identity}\"\nsubscription = \"{SUBSCRIPTION}\"\n"
                ),
                EstateConnectionKind::LegacyIssuer => format!(
                    "type = \"azurerm\"\nscheme = \"WorkloadIdentityFederation\"\ncreation_mode = \"Manual\"\nidentity = \"{identity}\"\nsubscription = \"{SUBSCRIPTION}\"\nissuer = \"azure_devops\"\n"
                ),
                EstateConnectionKind::Token => format!(
                    "type = \"externalnugetfeed\"\nscheme = \"Token\"\nurl = \"https://pkgs.dev.azure.com/{org}/_packaging/shared/nuget/v3/index.json\"\n"
                ),
            };
            text.push_str(&details);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_estate_of_ten_organizations_loads_as_a_valid_scenario() {
        let shape = EstateShape {
            organizations: 10,
            secret_connections: 40,
            legacy_issuer_connections: 8,
            token_connections: 2,
        };
        assert_eq!(shape.connections(), 500);
        let scenario = estate_scenario(&shape).unwrap_or_else(|e| panic!("{e}"));
        let toml = estate_toml(&shape);
        assert_eq!(toml.matches("name = \"estate-9-sc-49\"").count(), 1);
        drop(scenario);
    }
}
