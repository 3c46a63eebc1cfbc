//! No token leaves memory: with the demo cloud issuing tokens that carry a recognisable marker,
//! a whole onboarding run, a migration apply, both Terraform exports, a doctor run, a preflight
//! hand-off pack and a failing run leave no trace of any token in the TRACE log, in any file
//! under the state directory, in the exports, or in any error's Display or Debug text.

use std::io::Write;
use std::sync::{Arc, Mutex};

use keyless_azure::{Resource, TokenSource};
use keyless_core::migration::parse_migration_toml;
use keyless_core::names::OrgName;
use keyless_core::setup::{Setup, parse_setup_toml};
use keyless_emulator::leaks::{files_under, find_marker};
use keyless_engine::journal::JournalStore;
use keyless_engine::progress::{CollectingReporter, SilentReporter};
use keyless_usecases::doctor::{DoctorTarget, diagnose};
use keyless_usecases::export::{export_inventory_terraform, export_run_terraform};
use keyless_usecases::migration_run::apply_migration;
use keyless_usecases::{AlreadyConfirmed, Cloud, DemoCloud, Method, RunSettings, preflight, runs};
use tracing_subscriber::fmt::MakeWriter;

use crate::support::{fast_demo, sign_in_to};

/// Written into every access and refresh token the demo cloud issues in this test.
pub const TOKEN_MARKER: &str = "KeylessLeakSentinel";

const MIGRATION: &str = r#"
[[connections]]
organization = "contoso"
project = "Shop"
name = "shop-prod-secret"
id = "0b1c2d3e-4f5a-4b6c-8d7e-000000000004"
action = "convert-in-place"

[[connections]]
organization = "contoso"
project = "Shop"
name = "shop-prod-legacy-issuer"
id = "0b1c2d3e-4f5a-4b6c-8d7e-000000000003"
action = "switch-issuer"
"#;

/// A connection scoped to a subscription the demo cloud does not have: its steps fail.
const FAILING_SETUP: &str = r#"
[identity]
kind = "app-registration"
name = "kl-sentinel-failing"

[[connections]]
name = "sc-sentinel-failing"
organization = "contoso"
project = "Shop"
type = "azure-rm"
scope = { subscription = "0d0d0d0d-0000-4000-8000-00000000dead" }
"#;

/// Everything the TRACE subscriber writes, kept for the search.
#[derive(Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLog {
    type Writer = CapturedLog;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// One process-wide TRACE subscriber, every span field included, each line naming its thread.
/// A per-test `set_default` is not enough: tests on other threads cache "no interest" for
/// callsites while no subscriber is set, and requests would then go unlogged.
pub fn global_log() -> &'static CapturedLog {
    static LOG: std::sync::OnceLock<CapturedLog> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = CapturedLog::default();
        tracing::subscriber::set_global_default(trace_subscriber(log.clone()))
            .expect("no other global subscriber in this test binary");
        log
    })
}

/// The TRACE subscriber writing to `log`, every span field included, each line naming its thread.
pub fn trace_subscriber(log: CapturedLog) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_thread_ids(true)
        .with_ansi(false)
        .with_writer(log)
        .finish()
}

/// The lines of `text` logged on the calling thread.
pub fn this_threads_lines(text: &str) -> String {
    // The log writes ids two digits wide at least: `ThreadId(02)`.
    let debug = format!("{:?}", std::thread::current().id());
    let number: u64 = debug.trim_start_matches("ThreadId(").trim_end_matches(')').parse().unwrap_or_default();
    let thread = format!("ThreadId({number:02})");
    text.lines().filter(|line| line.contains(&thread)).collect::<Vec<_>>().join("\n")
}

/// Where a token leaked into `places` (each a name and its text): `name line N` for every line
/// holding the marker. Every search of this test goes through it, and `sentinel_search` proves
/// it finds a marker planted in each kind of place.
pub fn leaks(places: &[(String, String)]) -> Vec<String> {
    find_marker(TOKEN_MARKER, places)
}

fn setup(name: &str, text: &str) -> Setup {
    parse_setup_toml(name, text).unwrap()
}

#[tokio::test]
async fn no_token_reaches_a_log_a_file_an_export_or_an_error() {
    let log = global_log();
    let mut demo_settings = fast_demo();
    demo_settings.emulator.token_marker = TOKEN_MARKER.into();
    let demo = DemoCloud::start(&demo_settings).await.unwrap();
    let connected = sign_in_to(&Cloud::demo(demo.profile()), Method::Browser).await.unwrap();
    let state = tempfile::tempdir().unwrap();
    let store = JournalStore::new(state.path());
    let settings = RunSettings { consistency: demo.consistency(), ..RunSettings::new(store.clone()) };
    let mut seen: Vec<(String, String)> = Vec::new();

    // The demo cloud really hands out marked tokens, and the session holds them.
    let token = connected.session.token(Resource::Graph, None).await.unwrap();
    assert!(token.expose().contains(TOKEN_MARKER), "the tokens carry the marker");

    let onboarding = setup("onboarding.toml", include_str!("../../../../examples/onboarding.toml"));
    let run = runs::apply_setup(&connected, &settings, &onboarding, &SilentReporter, &AlreadyConfirmed).await.unwrap();
    assert!(run.stopped.is_none(), "{:?}", run.stopped);
    seen.push(("run report".into(), run.report.render_markdown()));
    seen.push(("run report JSON".into(), serde_json::to_string(&run.report).unwrap()));
    seen.push(("run journal Debug".into(), format!("{:?}", run.journal)));

    let migration = parse_migration_toml("migration.toml", MIGRATION).unwrap();
    let migrated =
        apply_migration(&connected, &settings, &migration, &CollectingReporter::default(), &AlreadyConfirmed)
            .await
            .unwrap();
    seen.push(("migration outcome Debug".into(), format!("{:?}", migrated.journal)));
    seen.push(("migration report Debug".into(), format!("{:?}", migrated.report)));

    let run_export = export_run_terraform(&connected, &store, &run.journal.run_id).await.unwrap();
    seen.push(("run Terraform".into(), run_export.text));
    let estate_export = export_inventory_terraform(&connected, None, &[]).await.unwrap();
    seen.push(("inventory Terraform".into(), estate_export.text));

    let target = DoctorTarget::Connection {
        organization: OrgName::parse("contoso").unwrap(),
        project: "Shop".into(),
        name_or_id: "sc-shop-prod".into(),
    };
    let diagnosis = diagnose(&connected, &target).await.unwrap();
    seen.push(("doctor JSON".into(), serde_json::to_string(&diagnosis).unwrap()));

    let failing = setup("failing.toml", FAILING_SETUP);
    let checked = preflight::preflight(&connected, &failing).await;
    match checked {
        Ok(checked) => seen.push(("hand-off pack".into(), checked.hand_off_markdown)),
        Err(error) => seen.push(("preflight error".into(), format!("{error} {error:?} {:?}", error.remedy()))),
    }
    let failed = runs::apply_setup(&connected, &settings, &failing, &SilentReporter, &AlreadyConfirmed).await;
    let failure = match failed {
        Ok(outcome) => outcome.stopped.map(|e| format!("{e} {e:?}")),
        Err(error) => Some(format!("{error} {error:?}")),
    };
    let failure = failure.expect("a connection to a subscription that does not exist fails");
    seen.push(("failure".into(), failure));

    seen.push(("session Debug".into(), format!("{:?} {:?}", connected.session, connected.account)));
    seen.extend(files_under(state.path()));
    seen.push(("TRACE log".into(), log.text()));
    assert!(this_threads_lines(&log.text()).contains("azure_request"), "the log captured the requests");
    assert!(seen.iter().any(|(name, _)| name.ends_with(".json")), "the journals were searched");

    assert_eq!(leaks(&seen), Vec::<String>::new(), "a token leaked into these places");
}
