//! Migration plans of the demo estate's connections, written by hand as the planner would
//! write them, and a migration run against the emulator.

use keyless_core::{
    Guid,
    federation::{MAX_FICS_PER_IDENTITY, entra_issuer, entra_subject},
    migration::{
        CredentialWriter, EntryStatus, ImpactCheck, MigrationAction, MigrationFile, MigrationPlan, PlannedCredential,
        PlannedIdentity, PlannedMigration, SubjectSource, Wave,
    },
    names::OrgName,
};
use keyless_engine::{
    ApplyOptions, AzurePort, EngineError,
    migrate::{MigrationInputs, MigrationJournal, apply_migration},
};
use serde_json::Value;

use crate::support::{World, options};

pub const AUTOMATIC_SECRET: &str = "0b1c2d3e-4f5a-4b6c-8d7e-000000000004";
pub const MANUAL_SECRET: &str = "0b1c2d3e-4f5a-4b6c-8d7e-000000000012";
pub const LEGACY_ISSUER: &str = "0b1c2d3e-4f5a-4b6c-8d7e-000000000003";
/// The identity behind the manual secret connection.
pub const MANUAL_IDENTITY: &str = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f";
/// The identity behind the connection on the Azure DevOps issuer.
pub const LEGACY_IDENTITY: &str = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";

pub fn guid(text: &str) -> Guid {
    Guid::parse_input("test", text).unwrap()
}

/// An entry as the planner writes it; `credential` only when someone other than Azure DevOps
/// writes the Entra-issuer credential.
pub fn entry(
    project: &str,
    name: &str,
    id: &str,
    action: MigrationAction,
    credential: Option<PlannedCredential>,
) -> PlannedMigration {
    PlannedMigration {
        organization: "contoso".into(),
        project: project.into(),
        name: name.into(),
        id: guid(id),
        action,
        status: EntryStatus::Ready,
        refusal: None,
        new_connection: None,
        credential,
        identity: Some(PlannedIdentity {
            client_id: None,
            display_name: None,
            new: false,
            credentials_now: None,
            credentials_after: None,
            cap: MAX_FICS_PER_IDENTITY as u32,
        }),
        all_pipelines: false,
        authorized_pipelines: vec![],
        impact: ImpactCheck::NotRead { reason: "not read in these tests".into() },
        accepted_findings: vec![],
        notes: vec![],
        wave: None,
    }
}

/// The Entra-issuer credential Azure DevOps will expect of connection `id` in contoso.
pub async fn entra_credential(world: &World, id: &str) -> PlannedCredential {
    let cloud = world.port.cloud().clone();
    let (tenant, _) = world.port.signed_in_tenant().await.unwrap();
    let organization = world.port.organization(&OrgName::parse("contoso").unwrap()).await.unwrap();
    PlannedCredential {
        issuer: entra_issuer(&cloud.issuer_host, tenant),
        subject: Some(entra_subject(&cloud.cloud_code, tenant, organization.id, guid(id))),
        subject_source: SubjectSource::Expected,
        written_by: CredentialWriter::Keyless,
    }
}

/// The plan of `entries`, `wave_size` to a wave, in order.
pub fn plan_of(mut entries: Vec<PlannedMigration>, wave_size: usize) -> MigrationPlan {
    let mut waves: Vec<Wave> = vec![];
    for (at, planned) in entries.iter_mut().enumerate() {
        let number = at / wave_size + 1;
        planned.wave = Some(number);
        if waves.len() < number {
            waves.push(Wave { number, connections: vec![] });
        }
        waves[number - 1].connections.push(format!("{}/{}/{}", planned.organization, planned.project, planned.name));
    }
    MigrationPlan { entries, waves, wave_size: wave_size as u32, remove_unneeded_secrets: false }
}

pub fn new_journal(world: &World, plan: MigrationPlan) -> MigrationJournal {
    let file = MigrationFile { options: Default::default(), connections: vec![] };
    MigrationJournal::new("Demo", Some(world.em.cloud_profile().identity()), file, plan)
}

pub async fn migrate_with(
    world: &World,
    journal: MigrationJournal,
    options: &ApplyOptions,
) -> Result<MigrationJournal, EngineError> {
    apply_migration(&world.port, &world.store, &world.reporter, &MigrationInputs::default(), journal, options).await
}

pub async fn migrate(world: &World, plan: MigrationPlan) -> MigrationJournal {
    let journal = new_journal(world, plan);
    migrate_with(world, journal, &options()).await.unwrap_or_else(|e| panic!("{e}\n  remedy: {:?}", e.remedy()))
}

/// The emulator's record of connection `id`.
pub fn endpoint(state: &Value, id: &str) -> Value {
    state["serviceEndpoints"].as_array().unwrap().iter().find(|e| e["id"] == id).cloned().unwrap()
}

/// Live federated credentials of `identity` (app id or client id) as `name issuer subject`.
pub fn credentials_of(state: &Value, identity: &str) -> Vec<String> {
    let mut found: Vec<String> = state["federatedCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["identity"] == identity && f["deleted"].is_null())
        .map(|f| {
            format!(
                "{} {} {}",
                f["name"].as_str().unwrap(),
                f["issuer"].as_str().unwrap(),
                f["subject"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    found
}

/// Requests that change something (not reads, sign-ins or TestConnection).
pub fn writes(world: &World) -> Vec<String> {
    world
        .em
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && !r.path.contains("endpointproxy") && !r.path.contains("/oauth2/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}
