//! Benchmarks of the engine, reported as ratios (run with `cargo bench -p keyless-engine`):
//!
//! - planning: a 400-connection setup across four organizations, planned in well under the
//!   time one Azure request takes (target: under 50 ms, i.e. ratio to a 100 ms request < 0.5);
//! - concurrency: applying 12 connections in three organizations against the emulator with
//!   40 ms of latency per request, compared with the same run forced to one request at a
//!   time (target: the concurrent run takes at most 60% of the serial one).

/// The allocator the `keyless` command runs with, so the benchmark measures what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use keyless_azure::{
    AzureClient, AzureHttp, ConsistencyPolicy, HttpConfig,
    auth::{SignInCancel, SignInOptions},
};
use keyless_core::{
    Guid,
    names::OrgName,
    observed::{Observed, ObservedOrganization, ObservedPipeline, ObservedProject},
    plan::build_plan,
    setup::parse_setup_toml,
};
use keyless_emulator::EmulatorConfig;
use keyless_engine::{
    ApplyOptions, apply,
    azure::AzureClients,
    journal::{JournalStore, RunJournal},
    observe,
    progress::SilentReporter,
};

fn big_setup(connections_per_org: usize) -> (String, Observed) {
    let orgs = ["contoso", "contoso-platform", "contoso-legacy", "contoso-data"];
    let mut text =
        String::from("[identity]\nkind = \"app-registration\"\nname = \"kl-bench\"\nwhen_full = \"new-identity\"\n");
    let mut observed = Observed { tenant_id: Guid::from_u128(1), can_register_apps: true, ..Observed::default() };
    for (o, org) in orgs.iter().enumerate() {
        text.push_str(&format!("[[organizations]]\nname = \"{org}\"\nprojects = [{{ name = \"Web\" }}]\n"));
        let pipelines =
            (0..connections_per_org).map(|i| ObservedPipeline { id: i as u64, name: format!("p{i}") }).collect();
        let project = ObservedProject { id: Guid::from_u128(1000 + o as u128), name: "Web".into(), pipelines };
        observed.organizations.insert(
            OrgName::parse(org).unwrap(),
            ObservedOrganization {
                id: Guid::from_u128(100 + o as u128),
                tenant_id: Guid::from_u128(1),
                projects: vec![project],
                memberships: Default::default(),
                connections: vec![],
            },
        );
        for i in 0..connections_per_org {
            text.push_str(&format!(
                "[[connections]]\nname = \"sc-{i}\"\norganization = \"{org}\"\nproject = \"Web\"\ntype = \"azure-rm\"\nscope = {{ subscription = \"9d8c7b6a-5f4e-4d3c-9b2a-190807060504\" }}\npipelines = [\"p{i}\"]\n"
            ));
        }
    }
    (text, observed)
}

fn bench_planning() -> f64 {
    let (text, observed) = big_setup(100);
    let setup = parse_setup_toml("bench.toml", &text).unwrap();
    let rounds = 20;
    let started = Instant::now();
    let mut steps = 0;
    for _ in 0..rounds {
        steps = build_plan(&setup, &observed).unwrap().steps.len();
    }
    let per_plan = started.elapsed() / rounds;
    let ratio = per_plan.as_secs_f64() / 0.100;
    println!(
        "planning: 400 connections -> {steps} steps in {per_plan:?} per plan; ratio to one 100 ms request = {ratio:.3} (target < 0.5)"
    );
    ratio
}

const CONCURRENT_SETUP: &str = r#"
[identity]
kind = "app-registration"
name = "kl-bench-concurrency"

[[organizations]]
name = "contoso"
projects = [{ name = "Shop" }]

[[organizations]]
name = "contoso-platform"
projects = [{ name = "Infrastructure" }]

[[organizations]]
name = "contoso-legacy"
projects = [{ name = "Intranet" }]
"#;

fn concurrent_setup() -> String {
    let mut text = CONCURRENT_SETUP.to_string();
    for (org, project) in [("contoso", "Shop"), ("contoso-platform", "Infrastructure"), ("contoso-legacy", "Intranet")]
    {
        for i in 0..4 {
            text.push_str(&format!("[[connections]]\nname = \"ado-{i}\"\norganization = \"{org}\"\nproject = \"{project}\"\ntype = \"azure-devops\"\n"));
        }
    }
    text
}

async fn timed_apply(one_at_a_time: bool) -> Duration {
    let config = EmulatorConfig {
        latency_ms: 40,
        device_code_interval: Duration::from_millis(20),
        replication_delay: Duration::from_millis(50),
        fic_propagation_delay: Duration::from_millis(50),
        ..EmulatorConfig::default()
    };
    let em = keyless_emulator::start(config).await.unwrap();
    let consistency = ConsistencyPolicy {
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(50),
        budget: Duration::from_secs(30),
    };
    let http = AzureHttp::new(HttpConfig {
        max_concurrent_total: if one_at_a_time { 1 } else { keyless_azure::transport::default_concurrent_total() },
        consistency: consistency.clone(),
        ..HttpConfig::default()
    })
    .unwrap();
    let session = keyless_azure::auth::sign_in_with_device_code(
        &http,
        &SignInOptions::new(em.cloud_profile()),
        &NoPrompt,
        &SignInCancel::new(),
    )
    .await
    .unwrap();
    let account = session.account().clone();
    let port = AzureClients::new(AzureClient::for_session(&session), account.home_tenant.unwrap(), account.object_id);
    let setup = parse_setup_toml("bench.toml", &concurrent_setup()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let observed = observe(&port, &setup).await.unwrap();
    let plan = build_plan(&setup, &observed).unwrap();
    let options = ApplyOptions { consistency, ..ApplyOptions::default() };
    apply(
        &port,
        &JournalStore::new(dir.path()),
        &SilentReporter,
        &plan,
        &observed,
        RunJournal::new("Demo", None, setup.clone()),
        &options,
    )
    .await
    .unwrap();
    let elapsed = started.elapsed();
    em.shutdown().await;
    elapsed
}

struct NoPrompt;

impl keyless_azure::auth::DeviceCodePrompt for NoPrompt {
    fn show(&self, _: &keyless_azure::auth::DeviceCodeInstructions) {}
}

fn main() {
    let planning = bench_planning();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let serial = runtime.block_on(timed_apply(true));
    let concurrent = runtime.block_on(timed_apply(false));
    let ratio = concurrent.as_secs_f64() / serial.as_secs_f64();
    println!(
        "concurrency: 12 connections in 3 organizations, 40 ms per request: serial {serial:?}, concurrent {concurrent:?}; ratio = {ratio:.2} (target <= 0.60)"
    );
    let met = planning < 0.5 && ratio <= 0.60;
    println!("targets {}", if met { "met" } else { "NOT met" });
}
