//! `keyless-browser-bridge`: the desktop app's commands over loopback HTTP plus the built UI,
//! for running the UI in a plain browser and for browser end-to-end tests.
//!
//! Prints the URL, with this start's token in its query, as the first line of stdout, then
//! serves until interrupted (Ctrl-C or SIGTERM). The cloud is chosen as for the app:
//! `KEYLESS_CLOUD` unset means the demo cloud. "Remember me" lasts only as long as the process:
//! the bridge never reads or writes the OS keyring.

use std::{path::PathBuf, process::ExitCode, sync::Arc};

use clap::Parser;
use keyless_azure::auth::MemoryStore;
use keyless_desktop::{CloudSetting, Controller, ControllerOptions, bridge};

/// Serve the Keyless UI and its commands on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "keyless-browser-bridge", version)]
struct Arguments {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The built UI to serve.
    #[arg(long, default_value = "ui/dist")]
    ui_dir: PathBuf,
    /// Where runs on real clouds are journaled (default: the CLI's state directory).
    #[arg(long)]
    state_dir: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let arguments = Arguments::parse();
    let cloud = match CloudSetting::from_env() {
        Ok(cloud) => cloud,
        Err(error) => {
            eprintln!("keyless-browser-bridge: {error}\n  help: {}", error.help());
            return ExitCode::from(2);
        }
    };
    let options = ControllerOptions {
        state_dir: arguments.state_dir,
        keyring: Arc::new(MemoryStore::default()),
        ..ControllerOptions::default()
    };
    let controller = Arc::new(Controller::with_options(cloud, options));
    let listener = match bridge::bind(arguments.port).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "keyless-browser-bridge: cannot listen on 127.0.0.1:{}: {error}\n  help: pick another --port, or 0 for any free one",
                arguments.port
            );
            return ExitCode::FAILURE;
        }
    };
    let token = bridge::BridgeToken::generate();
    match listener.local_addr() {
        Ok(address) => println!("{}", bridge::url_of(address, &token)),
        Err(error) => {
            eprintln!("keyless-browser-bridge: {error}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(error) = bridge::serve(listener, controller, arguments.ui_dir, token, interrupted()).await {
        eprintln!("keyless-browser-bridge: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Resolves on Ctrl-C or SIGTERM (how test runners stop it).
async fn interrupted() {
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
