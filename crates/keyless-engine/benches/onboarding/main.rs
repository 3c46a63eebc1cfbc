//! Benchmark of a large onboarding against its physical limit (run with
//! `cargo bench -p keyless-engine --bench onboarding`): one setup file applied through the
//! use case `keyless apply -f` runs (plan, then apply), onboarding a user-assigned managed
//! identity into 20 organizations of 5 projects each with 40 service connections (an Azure
//! Resource Manager and an "Azure DevOps" connection per organization). Entra's cap of 20
//! federated credentials per identity makes Keyless add the second identity itself
//! (`when_full = "new-identity"`); both join every organization and its projects.
//!
//! Each run is compared with its critical-path lower bound (`bound`), with the same plan run
//! one request at a time, and with the emulator throttling at the services' documented limits.

/// The allocator the `keyless` command runs with, so the benchmark measures what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bound;

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use keyless_azure::{
    ConsistencyPolicy, HttpConfig,
    auth::{DeviceCodeInstructions, MemoryStore, SignInCancel},
};
use keyless_core::setup::{Setup, parse_setup_toml};
use keyless_emulator::{
    EmulatorConfig, FaultService, RunningEmulator, ServedRequest,
    scenario::fleet::{
        FleetShape, IDENTITY_RESOURCE_GROUP, LOCATION, SUBSCRIPTION, fleet_scenario, organization_name, pipeline_name,
        project_name, resource_group,
    },
    throttle::{ThrottleLimits, rate_limit_bound},
};
use keyless_engine::{
    journal::JournalStore,
    progress::{ProgressEvent, Reporter},
};
use keyless_usecases::{
    AlreadyConfirmed, Cloud, Connected, Method, RunSettings, SignInEnvironment, SignInPrompts, SignInRequest, connect,
    runs::apply_setup,
};

use bound::{Delays, OnboardingBound, onboarding_bound};

/// Every request waits this long in the emulator, about Azure's usual answer time.
const LATENCY: Duration = Duration::from_millis(50);
/// Entra's replication and every propagation delay, scaled from seconds-to-minutes down to a
/// fifth of a second, as in the estate benchmark.
const PROPAGATION: Duration = Duration::from_millis(200);
const SHAPE: FleetShape = FleetShape { organizations: 20, projects_per_organization: 5 };
/// The managed identity the setup names; Keyless adds `-2` when the first is full.
const IDENTITY: &str = "id-fleet-deployer";

struct NoPrompts;

impl SignInPrompts for NoPrompts {
    fn device_code(&self, _: &DeviceCodeInstructions) {}
}

fn consistency() -> ConsistencyPolicy {
    ConsistencyPolicy {
        initial_interval: Duration::from_millis(25),
        max_interval: Duration::from_millis(100),
        budget: Duration::from_secs(60),
    }
}

/// The setup: the identity, every organization with every project (Readers), and per
/// organization one Azure Resource Manager connection (Contributor on the organization's
/// resource group) and one "Azure DevOps" connection, each allowed for one pipeline.
fn setup_toml() -> String {
    let mut text = format!(
        "[identity]\nkind = \"managed-identity\"\nname = \"{IDENTITY}\"\nsubscription = \"{SUBSCRIPTION}\"\nresource_group = \"{IDENTITY_RESOURCE_GROUP}\"\nlocation = \"{LOCATION}\"\nwhen_full = \"new-identity\"\n"
    );
    let projects: Vec<String> =
        (0..SHAPE.projects_per_organization).map(|p| format!("{{ name = \"{}\" }}", project_name(p))).collect();
    for o in 0..SHAPE.organizations {
        text.push_str(&format!(
            "\n[[organizations]]\nname = \"{}\"\nprojects = [{}]\n",
            organization_name(o),
            projects.join(", ")
        ));
    }
    for o in 0..SHAPE.organizations {
        let org = organization_name(o);
        let deploy = o % SHAPE.projects_per_organization;
        let packages = (o + 1) % SHAPE.projects_per_organization;
        text.push_str(&format!(
            "\n[[connections]]\nname = \"deploy-{o:02}\"\norganization = \"{org}\"\nproject = \"{}\"\ntype = \"azure-rm\"\nscope = {{ subscription = \"{SUBSCRIPTION}\", resource_group = \"{}\" }}\nrole = \"Contributor\"\npipelines = [\"{}\"]\n",
            project_name(deploy),
            resource_group(o),
            pipeline_name(deploy)
        ));
        text.push_str(&format!(
            "\n[[connections]]\nname = \"packages-{o:02}\"\norganization = \"{org}\"\nproject = \"{}\"\ntype = \"azure-devops\"\npipelines = [\"{}\"]\n",
            project_name(packages),
            pipeline_name(packages)
        ));
    }
    text
}

/// How the client may send (the transport's defaults, or one request at a time), and whether
/// the emulator throttles at the services' documented limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sending {
    Concurrent,
    OneAtATime,
    Throttled,
}

fn emulator_config() -> EmulatorConfig {
    EmulatorConfig {
        scenario: fleet_scenario(&SHAPE).unwrap_or_else(|e| panic!("{e}")),
        latency_ms: LATENCY.as_millis() as u64,
        replication_delay: PROPAGATION,
        fic_propagation_delay: PROPAGATION,
        managed_identity_fic_propagation_delay: PROPAGATION,
        role_propagation_delay: PROPAGATION,
        app_propagation_delay: PROPAGATION,
        membership_propagation_delay: PROPAGATION,
        device_code_interval: Duration::from_millis(20),
        ..EmulatorConfig::default()
    }
}

async fn start(sending: Sending) -> (RunningEmulator, Connected) {
    let em = keyless_emulator::start(emulator_config()).await.unwrap();
    if sending == Sending::Throttled {
        em.set_throttle(Some(ThrottleLimits::DOCUMENTED));
    }
    let mut http = HttpConfig { consistency: consistency(), ..HttpConfig::default() };
    if sending == Sending::OneAtATime {
        http.max_concurrent_total = 1;
    }
    let cloud = Cloud::demo(em.cloud_profile());
    let cancel = SignInCancel::new();
    let environment =
        SignInEnvironment { cloud: &cloud, http, keyring: Arc::new(MemoryStore::default()), cancel: &cancel };
    let request = SignInRequest { method: Method::Browser, tenant: None, client_id: None, remember: false };
    let connected = connect::sign_in(environment, request, &NoPrompts).await.unwrap_or_else(|e| panic!("{e}"));
    (em, connected)
}

/// When each step of a run started and finished, to show where the time goes.
#[derive(Debug)]
struct Timeline {
    origin: Instant,
    steps: Mutex<BTreeMap<String, (Duration, Duration)>>,
}

impl Reporter for Timeline {
    fn report(&self, event: ProgressEvent) {
        let now = self.origin.elapsed();
        let mut steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
        match event {
            ProgressEvent::StepStarted { step_id, .. } => {
                steps.insert(step_id, (now, now));
            }
            ProgressEvent::StepFinished { step_id, .. } => {
                if let Some(times) = steps.get_mut(&step_id) {
                    times.1 = now;
                }
            }
            _ => {}
        }
    }
}

impl Timeline {
    /// Per kind of step (`identity`, `member`, `connection`, `fic`, ...): how many, when the
    /// first started and when the last finished.
    fn phases(&self) -> Vec<String> {
        let steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
        let mut kinds: BTreeMap<&str, (usize, Duration, Duration)> = BTreeMap::new();
        for (id, (start, end)) in steps.iter() {
            let kind = id.split('/').next().unwrap_or_default();
            let entry = kinds.entry(kind).or_insert((0, *start, *end));
            *entry = (entry.0 + 1, entry.1.min(*start), entry.2.max(*end));
        }
        let mut phases: Vec<(Duration, String)> = kinds
            .into_iter()
            .map(|(kind, (count, start, end))| {
                (start, format!("{kind} x{count} {:.2}-{:.2} s", start.as_secs_f64(), end.as_secs_f64()))
            })
            .collect();
        phases.sort();
        phases.into_iter().map(|(_, text)| text).collect()
    }
}

/// What one measured run did.
#[derive(Debug, Clone)]
struct Measured {
    wall: Duration,
    bound: OnboardingBound,
    /// Under throttling, the least time the documented limits allow for these requests.
    rate_bound: Duration,
    requests: Vec<ServedRequest>,
    verified: usize,
    phases: Vec<String>,
}

impl Measured {
    fn limit(&self) -> Duration {
        self.bound.total().max(self.rate_bound)
    }

    fn ratio(&self) -> f64 {
        self.wall.as_secs_f64() / self.limit().as_secs_f64()
    }

    fn per_service(&self) -> String {
        let count =
            |prefixes: &[&str]| self.requests.iter().filter(|r| prefixes.iter().any(|p| r.path.starts_with(p))).count();
        format!(
            "graph {} / arm {} / devops {} / entra {}",
            count(&["/graph"]),
            count(&["/arm"]),
            count(&["/ado", "/vssps", "/vsaex", "/app-vssps"]),
            count(&["/login"])
        )
    }

    fn too_many_requests(&self) -> usize {
        self.requests.iter().filter(|r| r.status == 429).count()
    }
}

/// Plans and applies the setup on a fresh emulator, as `keyless apply -f` does.
async fn run(setup: &Setup, sending: Sending) -> Measured {
    let (em, connected) = start(sending).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = RunSettings { store: JournalStore::new(dir.path()), consistency: consistency(), cancel: None };
    let before = em.requests().len();
    let started = Instant::now();
    let timeline = Timeline { origin: started, steps: Mutex::default() };
    let outcome =
        apply_setup(&connected, &settings, setup, &timeline, &AlreadyConfirmed).await.unwrap_or_else(|e| panic!("{e}"));
    let wall = started.elapsed();
    if let Some(stopped) = &outcome.stopped {
        panic!("the onboarding stopped: {stopped}");
    }
    let requests: Vec<ServedRequest> = em.requests().into_iter().skip(before).collect();
    let verified = outcome.journal.steps.keys().filter(|id| id.starts_with("verify/")).count();
    assert_eq!(verified, setup.connections.len(), "every connection is verified");
    let config = emulator_config();
    let delays = Delays {
        latency: LATENCY,
        replication: config.replication_delay,
        credential_propagation: config.managed_identity_fic_propagation_delay,
        role_propagation: config.role_propagation_delay,
        membership_propagation: config.membership_propagation_delay,
        credential_write_hold: config.fic_write_hold,
    };
    let bound = onboarding_bound(&requests, &outcome.journal, delays);
    assert_eq!(bound.identities.len(), 2, "the cap makes Keyless add a second identity");
    let rate_bound = if sending == Sending::Throttled { rate_bound(&requests) } else { Duration::ZERO };
    em.shutdown().await;
    Measured { wall, bound, rate_bound, requests, verified, phases: timeline.phases() }
}

fn rate_bound(requests: &[ServedRequest]) -> Duration {
    let service = |path: &str| match path.trim_start_matches('/').split('/').next().unwrap_or_default() {
        "graph" => FaultService::Graph,
        "arm" => FaultService::Arm,
        "login" => FaultService::Entra,
        _ => FaultService::DevOps,
    };
    let log = requests.iter().map(|r| (service(&r.path), r.method.as_str(), r.path.as_str()));
    rate_limit_bound(&ThrottleLimits::DOCUMENTED, log)
}

fn row(name: &str, measured: &Measured) {
    println!(
        "| {name} | {} | {:.2} s | {:.2} s | {:.2} s | {:.2} | {} |",
        measured.requests.len(),
        measured.wall.as_secs_f64(),
        measured.bound.total().as_secs_f64(),
        measured.rate_bound.as_secs_f64(),
        measured.ratio(),
        measured.per_service()
    );
}

fn main() {
    let setup = parse_setup_toml("fleet-onboarding.toml", &setup_toml()).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    // The first run of a process also pays for the process's first connections, tokens and
    // allocations; it is reported on its own row and the ratios use a second, warm run.
    let cold = runtime.block_on(run(&setup, Sending::Concurrent));
    let concurrent = runtime.block_on(run(&setup, Sending::Concurrent));
    let serial = runtime.block_on(run(&setup, Sending::OneAtATime));
    let throttled = runtime.block_on(run(&setup, Sending::Throttled));

    println!(
        "| run | requests | wall | critical-path bound | rate-limit bound | wall / max(bounds) (target <= 1.3) | requests per service |"
    );
    println!("|---|---|---|---|---|---|---|");
    row("concurrent, first run of the process", &cold);
    row("concurrent", &concurrent);
    row("one request at a time", &serial);
    row("documented throttles", &throttled);
    println!();
    println!(
        "one request at a time / concurrent (target >= 10): {:.1}x",
        serial.wall.as_secs_f64() / concurrent.wall.as_secs_f64()
    );
    println!(
        "429s answered under the documented throttles: {} (every one retried: all {} connections verified)",
        throttled.too_many_requests(),
        throttled.verified
    );
    println!(
        "bound: planning {:?}, then per identity (created, credential writes for ARM + Azure DevOps connections, requests on the chain, chain):",
        concurrent.bound.planning
    );
    for identity in &concurrent.bound.identities {
        println!(
            "  {}: created {}, {} + {} credential writes, {} requests, {:.2} s",
            identity.name,
            identity.created,
            identity.arm_writes,
            identity.devops_writes,
            identity.requests,
            identity.chain.as_secs_f64()
        );
    }
    if let Some(longest) = concurrent.bound.longest() {
        println!("longest chain: {}", longest.name);
    }
    println!();
    println!("where the time goes (steps of each kind: first start - last finish, from the start of planning):");
    let runs = [("concurrent, first run", &cold), ("concurrent", &concurrent), ("documented throttles", &throttled)];
    for (name, measured) in runs {
        println!("  {name}: {}", measured.phases.join("; "));
    }
}
