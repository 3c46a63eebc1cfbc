//! A 500-connection estate across ten organizations migrates in waves while Azure answers some
//! requests with 429 and 503: every connection ends converted in place, each once.

use std::{fmt::Write as _, time::Duration};

use keyless_core::{Guid, migration::MigrationAction};
use keyless_emulator::{EmulatorConfig, FaultConfig, Scenario};
use keyless_engine::migrate::MigrationStatus;

use crate::{
    migrate_support::{entry, migrate, plan_of, writes},
    support::{emulator_config, world_with},
};

const ORGANIZATIONS: usize = 10;
const CONNECTIONS_PER_ORGANIZATION: usize = 50;
/// Connections sharing one identity: ten, well under the cap of 20 credentials.
const CONNECTIONS_PER_IDENTITY: usize = 10;
const TENANT: &str = "6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const SUBSCRIPTION: &str = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504";

fn id(kind: u128, organization: usize, number: usize) -> Guid {
    Guid::from_u128((kind << 96) | ((organization as u128) << 32) | number as u128)
}

fn connection_id(organization: usize, number: usize) -> Guid {
    id(0xe5, organization, number)
}

/// The demo estate plus ten organizations of fifty automatic secret connections each, every
/// ten sharing an app registration that can read the subscription.
fn estate() -> Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../keyless-emulator/scenarios/demo.toml");
    let demo = std::fs::read_to_string(path).unwrap();
    let access: String = (0..ORGANIZATIONS).map(|o| format!("estate-{o} = \"admin\", ")).collect();
    let mut text =
        demo.replacen("devops = { contoso = \"admin\", ", &format!("devops = {{ {access}contoso = \"admin\", "), 1);
    for o in 0..ORGANIZATIONS {
        let _ = write!(
            text,
            "\n[[organizations]]\nname = \"estate-{o}\"\nid = \"{}\"\ntenant = \"{TENANT}\"\n\n[[projects]]\norganization = \"estate-{o}\"\nname = \"Apps\"\nid = \"{}\"\n",
            id(0xa0, o, 0),
            id(0xb0, o, 0)
        );
        for app in 0..CONNECTIONS_PER_ORGANIZATION / CONNECTIONS_PER_IDENTITY {
            let _ = write!(
                text,
                "\n[[applications]]\ntenant = \"{TENANT}\"\ndisplay_name = \"estate-{o}-app-{app}\"\nobject_id = \"{}\"\napp_id = \"{}\"\nservice_principal_id = \"{}\"\nsecrets = [{{ display_name = \"Azure DevOps\", expires_in_days = 30 }}]\n\n[[role_assignments]]\nprincipal = \"{}\"\nscope = \"/subscriptions/{SUBSCRIPTION}\"\nrole = \"Reader\"\n",
                id(0xc0, o, app),
                id(0xc1, o, app),
                id(0xc2, o, app),
                id(0xc2, o, app)
            );
        }
        for n in 0..CONNECTIONS_PER_ORGANIZATION {
            let _ = write!(
                text,
                "\n[[service_connections]]\norganization = \"estate-{o}\"\nproject = \"Apps\"\nname = \"estate-{o}-sc-{n}\"\nid = \"{}\"\ntype = \"azurerm\"\nscheme = \"ServicePrincipal\"\ncreation_mode = \"Automatic\"\nidentity = \"{}\"\nsubscription = \"{SUBSCRIPTION}\"\n",
                connection_id(o, n),
                id(0xc1, o, n / CONNECTIONS_PER_IDENTITY)
            );
        }
    }
    Scenario::from_toml_str(&text, "estate.toml").unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_500_connection_estate_migrates_in_waves_under_throttling() {
    let config = EmulatorConfig {
        scenario: estate(),
        fic_propagation_delay: Duration::from_millis(20),
        replication_delay: Duration::from_millis(20),
        ..emulator_config()
    };
    let w = world_with(config).await;
    // Each injected 429 asks for Retry-After: 1 s, which the whole service honours: a few dozen
    // faults over some 2,500 requests keep the test quick.
    w.em.set_faults(FaultConfig { fault_rate: 0.004, seed: 7, ..FaultConfig::default() });
    // Organizations taken in turn, as the planner spreads waves.
    let mut entries = vec![];
    for n in 0..CONNECTIONS_PER_ORGANIZATION {
        for o in 0..ORGANIZATIONS {
            let mut planned = entry(
                "Apps",
                &format!("estate-{o}-sc-{n}"),
                &connection_id(o, n).to_string(),
                MigrationAction::ConvertInPlace,
                None,
            );
            planned.organization = format!("estate-{o}");
            entries.push(planned);
        }
    }
    let plan = plan_of(entries, 50);
    assert_eq!(plan.waves.len(), 10);

    let journal = migrate(&w, plan).await;

    assert_eq!(journal.status, MigrationStatus::Completed);
    assert_eq!(journal.waves_done.len(), 10);
    let state = w.state();
    let estate: Vec<&serde_json::Value> = state["serviceEndpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["organization"].as_str().unwrap().starts_with("estate-"))
        .collect();
    assert_eq!(estate.len(), ORGANIZATIONS * CONNECTIONS_PER_ORGANIZATION);
    assert!(estate.iter().all(|e| e["scheme"] == "WorkloadIdentityFederation"), "every connection is converted");
    let injected = state["faults"]["injected"].as_array().map_or(0, Vec::len);
    assert!(injected > 0, "throttling was injected");
    let converts = writes(&w).iter().filter(|r| r.starts_with("PUT") && r.contains("/endpoints/")).count();
    assert!(converts >= 500, "{converts}");
}
