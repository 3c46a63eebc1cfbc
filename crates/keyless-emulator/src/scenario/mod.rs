//! Scenarios: the starting world of the emulator, loaded from TOML or JSON and checked for
//! dangling references before the emulator starts.
//!
//! Loading a scenario does not touch the live state; `crate::state` builds the state from a
//! checked scenario, and `/_emulator/reset` rebuilds it from the same value.

pub mod broken;
pub mod estate;
pub mod fleet;
mod model;
mod validate;

use std::path::{Path, PathBuf};

pub use model::*;

/// The demo scenario's fixed ids, so tests and the app's demo mode can assert against them.
pub mod demo_ids {
    use keyless_core::Guid;

    /// Contoso, the tenant the demo user signs in to.
    pub const TENANT: Guid = Guid::from_u128(0x6b1f3c2a_4d5e_4f60_8a7b_9c0d1e2f3a4b);
    /// Fabrikam, a second tenant (the demo user is a guest there).
    pub const OTHER_TENANT: Guid = Guid::from_u128(0x2e7d9a41_8c3b_4f12_b5a6_0d9e8f7c6b5a);
    /// The signed-in demo user (Contoso object id).
    pub const USER: Guid = Guid::from_u128(0x0f4e2d1c_3b5a_4968_8776_a5b4c3d2e1f0);
    pub const USER_UPN: &str = "megan.bowen@contoso.com";
    /// A user without rights to register apps or assign roles.
    pub const LIMITED_USER_UPN: &str = "alex.wilber@contoso.com";
    /// The `contoso` organization (connected to Contoso).
    pub const ORG: Guid = Guid::from_u128(0x5a6b7c8d_9e0f_4a1b_8c2d_3e4f5a6b7c8d);
    pub const ORG_NAME: &str = "contoso";
    /// `fabrikam-shared`, connected to the Fabrikam tenant.
    pub const OTHER_TENANT_ORG_NAME: &str = "fabrikam-shared";
    pub const SUBSCRIPTION: Guid = Guid::from_u128(0x9d8c7b6a_5f4e_4d3c_9b2a_190807060504);
    pub const SECOND_SUBSCRIPTION: Guid = Guid::from_u128(0x1a2b3c4d_5e6f_4789_8abc_def012345678);
}

/// The minimal scenario's fixed ids.
pub mod minimal_ids {
    use keyless_core::Guid;

    pub const TENANT: Guid = Guid::from_u128(0x11111111_1111_4111_8111_111111111111);
    pub const OTHER_TENANT: Guid = Guid::from_u128(0x22222222_2222_4222_8222_222222222222);
    pub const USER: Guid = Guid::from_u128(0x33333333_3333_4333_8333_333333333333);
    pub const USER_UPN: &str = "admin@contoso.com";
    pub const LIMITED_USER_UPN: &str = "dev@contoso.com";
    pub const ORG: Guid = Guid::from_u128(0x44444444_4444_4444_8444_444444444444);
    pub const ORG_NAME: &str = "contoso";
    pub const OTHER_TENANT_ORG_NAME: &str = "fabrikam";
    pub const PROJECT: Guid = Guid::from_u128(0x55555555_5555_4555_8555_555555555555);
    pub const PROJECT_NAME: &str = "Web";
    pub const SUBSCRIPTION: Guid = Guid::from_u128(0x66666666_6666_4666_8666_666666666666);
    pub const RESOURCE_GROUP: &str = "rg-web";
    /// A single-tenant app the admin owns, with a service principal.
    pub const APP_ID: Guid = Guid::from_u128(0x77777777_7777_4777_8777_777777777777);
    pub const APP_OBJECT_ID: Guid = Guid::from_u128(0x77777777_0000_4777_8777_000000000001);
    pub const APP_SP_ID: Guid = Guid::from_u128(0x77777777_0000_4777_8777_000000000002);
    /// A multitenant app (AADSTS70052 with the Entra issuer).
    pub const MULTITENANT_APP_ID: Guid = Guid::from_u128(0x88888888_8888_4888_8888_888888888888);
    /// A WIF connection whose FIC differs from its subject in letter case only.
    pub const CASE_MISMATCH_CONNECTION: Guid = Guid::from_u128(0x99999999_9999_4999_8999_999999999999);
    /// A WIF connection with a matching FIC and role assignment (TestConnection is ok).
    pub const WORKING_CONNECTION: Guid = Guid::from_u128(0xaaaaaaaa_aaaa_4aaa_8aaa_aaaaaaaaaaaa);
    /// An automatic azurerm connection with a client secret (convertible).
    pub const SECRET_CONNECTION: Guid = Guid::from_u128(0xbbbbbbbb_bbbb_4bbb_8bbb_bbbbbbbbbbbb);
}

const DEMO_TOML: &str = include_str!("../../scenarios/demo.toml");
const MINIMAL_TOML: &str = include_str!("../../scenarios/minimal.toml");

/// Why a scenario could not be loaded. Each variant names the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("scenario {origin} is not valid TOML for a scenario: {source}")]
    Toml { origin: String, source: Box<toml::de::Error> },
    #[error("scenario {origin} is not valid JSON for a scenario: {source}")]
    Json { origin: String, source: serde_json::Error },
    #[error("scenario file {path} has an unknown extension; use .toml or .json")]
    UnknownFormat { path: PathBuf },
    #[error("scenario '{scenario}': {problem}")]
    Invalid { scenario: String, problem: String },
}

impl Scenario {
    /// Loads a `.toml` or `.json` scenario and checks its references.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let parse: fn(&str, &str) -> Result<Scenario, ScenarioError> = match extension.as_deref() {
            Some("toml") => Scenario::from_toml_str,
            Some("json") => Scenario::from_json_str,
            _ => return Err(ScenarioError::UnknownFormat { path: path.into() }),
        };
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read { path: path.into(), source })?;
        parse(&text, &path.display().to_string())
    }

    /// Parses TOML text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text)
            .map_err(|source| ScenarioError::Toml { origin: origin.to_string(), source: Box::new(source) })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Parses JSON text; `origin` names it in errors.
    pub fn from_json_str(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario =
            serde_json::from_str(text).map_err(|source| ScenarioError::Json { origin: origin.to_string(), source })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// The demo world: Contoso with several organizations, projects, subscriptions and a dozen
    /// connections of every scheme. See `scenarios/demo.toml`.
    pub fn demo() -> Scenario {
        Scenario::from_toml_str(DEMO_TOML, "demo.toml").expect("the built-in demo scenario is valid")
    }

    /// A small world for fast tests. See `scenarios/minimal.toml` and [`minimal_ids`].
    pub fn minimal() -> Scenario {
        Scenario::from_toml_str(MINIMAL_TOML, "minimal.toml").expect("the built-in minimal scenario is valid")
    }

    /// Checks every cross reference (tenants, organizations, projects, identities,
    /// connections) so the emulator never starts with a dangling one.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        validate::check(self)
    }
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario::demo()
    }
}
