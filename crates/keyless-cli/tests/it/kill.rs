//! Killed-process chaos: `keyless apply` of a setup spanning organizations, `keyless migrate
//! apply` of a wave, and of a token connection's replacement (an onboarding run inside the
//! migration), each SIGKILLed at every step boundary and run again, end exactly like an
//! uninterrupted run: the same objects modulo generated ids, none twice, nothing half made, one
//! finished journal, no stale file.
//!
//! `cargo test` kills a setup of a few connections at every boundary; with
//! `KEYLESS_KILL_LARGE=1` (`scripts/chaos`) the same tests use the large setups of the engine's
//! chaos runs, eight connections across three organizations.

use std::{path::Path, sync::Arc};

use keyless_emulator::{
    Scenario,
    scenario::estate::{EstateShape, PROJECT, connection_id, estate_scenario, organization_name},
};

use crate::kill_support::{Case, Reference, kill_at_every_boundary};

const SUBSCRIPTION: &str = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504";

/// Whether to kill the large setups (minutes) rather than the small ones.
fn large() -> bool {
    std::env::var("KEYLESS_KILL_LARGE").is_ok_and(|v| v == "1")
}

/// Connections across contoso, contoso-platform (and, large, contoso-legacy), an "Azure DevOps"
/// connection into contoso-platform, backed by `identity`.
fn setup_text(identity: &str) -> String {
    let mut places = vec![("contoso", "Shop", "rg-shop-prod"), ("contoso-platform", "Infrastructure", "rg-shop-prod")];
    if large() {
        places.extend([
            ("contoso", "Payments", "rg-payments-prod"),
            ("contoso", "Shop", "rg-payments-prod"),
            ("contoso", "Mobile", "rg-payments-prod"),
            ("contoso-platform", "Tooling", "rg-payments-prod"),
            ("contoso-legacy", "Intranet", "rg-shop-prod"),
        ]);
    }
    let mut text = format!("{identity}\n");
    for (number, (organization, project, group)) in places.into_iter().enumerate() {
        let name = format!("kill-{}-{number}", project.to_lowercase());
        text.push_str(&format!(
            "\n[[connections]]\nname = \"{name}\"\norganization = \"{organization}\"\nproject = \"{project}\"\n\
             type = \"azure-rm\"\nscope = {{ subscription = \"{SUBSCRIPTION}\", resource_group = \"{group}\" }}\n\
             role = \"Reader\"\n"
        ));
    }
    text.push_str(
        "\n[[organizations]]\nname = \"contoso-platform\"\naccess_level = \"basic\"\n\
         projects = [{ name = \"Tooling\", groups = [\"readers\"] }]\n\
         \n[[connections]]\nname = \"kill-platform-templates\"\norganization = \"contoso\"\nproject = \"Shop\"\n\
         type = \"azure-devops\"\ntarget_organization = \"contoso-platform\"\n",
    );
    text
}

fn app_registration_setup(root: &Path) -> Vec<String> {
    let text = setup_text("[identity]\nkind = \"app-registration\"\nname = \"kl-kill-deployer\"");
    vec![write(root, "setup.toml", &text)]
}

fn managed_identity_setup(root: &Path) -> Vec<String> {
    let identity = format!(
        "[identity]\nkind = \"managed-identity\"\nname = \"id-kill-deployer\"\nsubscription = \"{SUBSCRIPTION}\"\n\
         resource_group = \"rg-identities\"\nlocation = \"westeurope\""
    );
    vec![write(root, "setup.toml", &setup_text(&identity))]
}

/// Converts an automatically made secret connection and one made by hand (Keyless writes its
/// credential first), and switches a connection on the Azure DevOps issuer to Entra's, two
/// connections to a wave; the blocking impact findings are accepted.
const WAVE: &str = r#"
[options]
wave_size = 2

[[connections]]
organization = "contoso"
project = "Shop"
name = "shop-prod-secret"
id = "0b1c2d3e-4f5a-4b6c-8d7e-000000000004"
action = "convert-in-place"
override_blocking = ["shop-infra: steps[1]"]

[[connections]]
organization = "contoso"
project = "Payments"
name = "payments-terraform"
id = "0b1c2d3e-4f5a-4b6c-8d7e-000000000012"
action = "convert-in-place"
override_blocking = ["payments-nightly-classic: Build > Nightly reconciliation", "payments-data-backfill: jobs[0]"]

[[connections]]
organization = "contoso"
project = "Shop"
name = "shop-prod-legacy-issuer"
id = "0b1c2d3e-4f5a-4b6c-8d7e-000000000003"
action = "switch-issuer"
override_blocking = ["shop-assets: steps[0]"]
"#;

fn wave(root: &Path) -> Vec<String> {
    vec![write(root, "migration.toml", WAVE)]
}

/// One organization of the generated estate: a secret connection and a token connection.
const TOKEN_ESTATE: EstateShape =
    EstateShape { organizations: 1, secret_connections: 1, legacy_issuer_connections: 0, token_connections: 1 };

fn token_estate() -> Scenario {
    estate_scenario(&TOKEN_ESTATE).unwrap()
}

/// Replaces the estate's token connection with an "Azure DevOps" connection backed by a new app
/// registration (an onboarding run inside the migration), and converts its secret connection.
fn token_wave(root: &Path) -> Vec<String> {
    let org = organization_name(0);
    let text = format!(
        "[options]\nwave_size = 1\n\n\
         [[connections]]\norganization = \"{org}\"\nproject = \"{PROJECT}\"\nname = \"{org}-sc-0\"\nid = \"{}\"\n\
         action = \"convert-in-place\"\n\n\
         [[connections]]\norganization = \"{org}\"\nproject = \"{PROJECT}\"\nname = \"{org}-sc-1\"\nid = \"{}\"\n\
         action = \"replace-with-azure-devops-connection\"\n\
         identity = {{ kind = \"app-registration\", name = \"kl-kill-replacement\" }}\n",
        connection_id(0, 0),
        connection_id(0, 1),
    );
    vec![write(root, "migration.toml", &text)]
}

/// Writes `text` as `name` in `root`, outside the state directory, and returns its path.
fn write(root: &Path, name: &str, text: &str) -> String {
    let path = root.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const APPLY: &[&str] = &["apply", "-f", "{0}", "--yes"];
const MIGRATE: &[&str] = &["migrate", "apply", "-f", "{0}", "--yes"];

/// Kills `command` at every boundary and checks most kills hit a running process.
async fn check_every_boundary(command: &'static [&'static str], prepare: fn(&Path) -> Vec<String>, at_least: usize) {
    check_every_boundary_of(Case { command, prepare, scenario: Scenario::demo }, at_least).await;
}

async fn check_every_boundary_of(case: Case, at_least: usize) {
    let reference = Arc::new(Reference::of(case).await);
    assert!(reference.steps >= at_least, "{} steps, expected at least {at_least}", reference.steps);
    let killed = kill_at_every_boundary(case, reference.clone()).await;
    // A kill aimed at a boundary can come after the run's last step when that step ends the
    // run; most must land while the process still works.
    let boundaries = reference.steps - 1;
    eprintln!("keyless {}: {} steps, killed at {killed:?}", case.command[0], reference.steps);
    assert!(killed.len() * 4 >= boundaries * 3, "killed at {killed:?} of {boundaries} boundaries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_registration_apply_killed_at_every_step_boundary_ends_like_an_uninterrupted_one() {
    check_every_boundary(APPLY, app_registration_setup, 8).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managed_identity_apply_killed_at_every_step_boundary_ends_like_an_uninterrupted_one() {
    check_every_boundary(APPLY, managed_identity_setup, 8).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_wave_killed_at_every_step_boundary_ends_like_an_uninterrupted_one() {
    check_every_boundary(MIGRATE, wave, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_connection_replacement_killed_at_every_step_boundary_ends_like_an_uninterrupted_one() {
    check_every_boundary_of(Case { command: MIGRATE, prepare: token_wave, scenario: token_estate }, 10).await;
}
