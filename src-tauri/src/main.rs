//! Starts the Keyless desktop app and turns a start-up failure into a message and exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match keyless_app::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("keyless: {error}\n  help: {}", error.help());
            ExitCode::FAILURE
        }
    }
}
