//! Runs the built `keyless` binary against an emulator started in the test.

use std::{path::Path, process::Output, time::Duration};

use keyless_emulator::{EmulatorConfig, RunningEmulator};

pub async fn emulator() -> RunningEmulator {
    keyless_emulator::start(EmulatorConfig {
        device_code_interval: Duration::from_millis(20),
        replication_delay: Duration::from_millis(100),
        fic_propagation_delay: Duration::from_millis(100),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap()
}

/// Runs `keyless args...` with a private state dir and no keyring, off the async runtime.
pub async fn keyless(args: &[&str], state: &Path) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let state = state.to_path_buf();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_keyless"))
            .args(&args)
            .env("KEYLESS_STATE_DIR", &state)
            .env_remove("KEYLESS_CLOUD")
            .env("KEYLESS_LOG", "off")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).display().to_string()
}
