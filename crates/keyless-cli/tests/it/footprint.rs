//! What a whole CLI session leaves behind, run as a user runs it against an emulator that marks
//! every token it issues: nothing of any token on stdout, stderr (with TRACE logging) or in any
//! file, and no file outside the state directory and the paths the user named, each private
//! (files 0600, directories 0700).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use keyless_emulator::{
    EmulatorConfig, RunningEmulator,
    leaks::{files_under, find_marker, loose_modes},
};

use crate::support::example;

/// Written into every access and refresh token the emulator issues here.
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

/// A connection scoped to a subscription the emulator does not have: the run fails.
const FAILING_SETUP: &str = r#"
[identity]
kind = "app-registration"
name = "kl-footprint-failing"

[[connections]]
name = "sc-footprint-failing"
organization = "contoso"
project = "Shop"
type = "azure-rm"
scope = { subscription = "0d0d0d0d-0000-4000-8000-00000000dead" }
"#;

async fn marked_emulator() -> RunningEmulator {
    keyless_emulator::start(EmulatorConfig {
        device_code_interval: Duration::from_millis(20),
        replication_delay: Duration::ZERO,
        fic_propagation_delay: Duration::ZERO,
        managed_identity_fic_propagation_delay: Duration::ZERO,
        role_propagation_delay: Duration::ZERO,
        membership_propagation_delay: Duration::ZERO,
        app_propagation_delay: Duration::ZERO,
        token_marker: TOKEN_MARKER.into(),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap()
}

/// A temporary home (HOME, every XDG directory, TMPDIR), a separate state directory, and the
/// directory holding the files the user hands to Keyless.
struct Places {
    _root: tempfile::TempDir,
    home: PathBuf,
    state: PathBuf,
    inputs: PathBuf,
}

impl Places {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let (home, state, inputs) = (root.path().join("home"), root.path().join("state"), root.path().join("inputs"));
        // TMPDIR must exist; the XDG directories are Keyless's to create if it wrote there.
        for dir in [&home.join("tmp"), &inputs] {
            std::fs::create_dir_all(dir).unwrap();
        }
        Places { home, state, inputs, _root: root }
    }

    fn input(&self, name: &str, text: &str) -> String {
        let path = self.inputs.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

/// Runs `keyless args...` with TRACE logging, in the temporary home, off the async runtime.
async fn keyless_at(places: &Places, args: Vec<String>) -> Output {
    let home = places.home.clone();
    let state = places.state.clone();
    tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_keyless"));
        command.args(&args).env("KEYLESS_STATE_DIR", &state).env("KEYLESS_LOG", "trace").env("HOME", &home);
        for (variable, dir) in [
            ("XDG_CONFIG_HOME", ".config"),
            ("XDG_DATA_HOME", ".local/share"),
            ("XDG_STATE_HOME", ".local/state"),
            ("XDG_CACHE_HOME", ".cache"),
            ("XDG_RUNTIME_DIR", "run"),
            ("TMPDIR", "tmp"),
        ] {
            command.env(variable, home.join(dir));
        }
        command.env_remove("KEYLESS_CLOUD").env_remove("KEYLESS_CLIENT_ID").stdin(std::process::Stdio::null());
        command.output().unwrap()
    })
    .await
    .unwrap()
}

/// Every command of a working day, then a failing run; what each printed.
async fn whole_session(places: &Places, em: &RunningEmulator) -> Vec<(String, Output)> {
    let cloud = em.base_url();
    let onboarding = example("onboarding.toml");
    let migration = places.input("migration.toml", MIGRATION);
    let failing = places.input("failing.toml", FAILING_SETUP);
    let reports = places.state.join("reports").display().to_string();
    let hand_off = places.state.join("hand-off.md").display().to_string();
    let azure = ["--cloud", cloud.as_str(), "--auth", "device-code"];
    let commands: Vec<Vec<&str>> = vec![
        vec!["whoami"],
        vec!["orgs"],
        vec!["plan", "-f", &onboarding],
        vec!["apply", "-f", &onboarding, "--yes", "--report-dir", &reports],
        vec!["runs"],
        vec!["inventory"],
        vec!["export", "terraform", "--org", "contoso"],
        vec!["migrate", "apply", "-f", &migration, "--yes", "--report-dir", &reports],
        vec!["preflight", "-f", &failing, "--hand-off", &hand_off],
        vec!["doctor", "--org", "contoso", "--project", "Shop", "--connection", "sc-shop-prod"],
        vec!["apply", "-f", &failing, "--yes", "--output", "json"],
    ];
    let mut outputs = Vec::new();
    for command in commands {
        let takes_azure = command[0] != "runs";
        let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
        if takes_azure {
            args.extend(azure.iter().map(|s| s.to_string()));
        }
        let output = keyless_at(places, args).await;
        outputs.push((command.join(" "), output));
    }
    outputs
}

/// Every file and directory under `root`.
fn walk(root: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut files, mut dirs) = (Vec::new(), Vec::new());
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path.clone());
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    (files, dirs)
}

/// Where a token leaked: `stdout of keyless COMMAND line N`, `stderr of ...`, or `PATH line N`
/// for every file under `roots`. Every search of this test goes through it, and
/// `footprint_search` proves it finds a marker planted in each kind of place.
pub fn leaks_in(outputs: &[(String, Output)], roots: &[&Path]) -> Vec<String> {
    let mut places = Vec::new();
    for (command, output) in outputs {
        for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
            places.push((format!("{stream} of keyless {command}"), String::from_utf8_lossy(bytes).into_owned()));
        }
    }
    for root in roots {
        places.extend(files_under(root));
    }
    find_marker(TOKEN_MARKER, &places)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_prints_and_writes_no_token() {
    let em = marked_emulator().await;
    let places = Places::new();
    let outputs = whole_session(&places, &em).await;
    let applied = &outputs[3].1;
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
    let failed = &outputs.last().unwrap().1;
    assert!(!failed.status.success(), "the run on a missing subscription fails");
    let trace = String::from_utf8_lossy(&applied.stderr);
    assert!(trace.contains("TRACE") || trace.contains("DEBUG"), "the CLI logged at TRACE: {trace}");

    let leaks = leaks_in(&outputs, &[&places.state, &places.home]);
    assert_eq!(leaks, Vec::<String>::new(), "a token leaked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_writes_only_private_files_in_the_state_dir() {
    let em = marked_emulator().await;
    let places = Places::new();
    let outputs = whole_session(&places, &em).await;
    let demo = keyless_at(&places, vec!["demo".into()]).await;
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    assert!(outputs[3].1.status.success(), "{}", String::from_utf8_lossy(&outputs[3].1.stderr));

    let (home_files, home_dirs) = walk(&places.home);
    assert_eq!(home_files, Vec::<PathBuf>::new(), "files written outside the state directory");
    assert_eq!(home_dirs, vec![places.home.join("tmp")], "directories made outside the state directory");

    let (files, _) = walk(&places.state);
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    // Run journals and setup locks at the top, migration journals, reports and the hand-off pack.
    let state = places.state.display().to_string();
    for expected in ["/2", "/setup-", "/migrations/", "/reports/", "/hand-off.md"] {
        let found = names.iter().any(|name| name.strip_prefix(&state).is_some_and(|rest| rest.starts_with(expected)));
        assert!(found, "no {expected} file in {names:#?}");
    }
    let loose = loose_modes(&places.state);
    assert_eq!(loose, Vec::<String>::new(), "files must be 0600 and directories 0700");
}
