//! The `keyless` command: sign in, list organizations, plan / apply / roll back setups, and
//! run the local demo cloud. Parsing, printing and exit codes only: every use case is in
//! `keyless-usecases`, shared with the desktop app.

mod args;
mod commands;
mod failure;
mod output;
mod progress;

use clap::Parser;

use crate::{args::Cli, failure::Failure, output::Printer};

/// mimalloc, not the system's allocator: an inventory or migration sends thousands of requests
/// from every thread at once, and glibc's malloc took about a fifth of an estate inventory's
/// CPU (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose);
    let printer = Printer::new(cli.global.output);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli.command, &printer)) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(failure) => {
            printer.failure(&failure);
            std::process::ExitCode::from(failure.exit as u8)
        }
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "keyless_azure=debug,keyless_engine=debug,info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYLESS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Result of a command: the exit code on success, a [`Failure`] otherwise.
pub type CommandResult = Result<u8, Failure>;
