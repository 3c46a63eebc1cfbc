//! One module per group of commands; [`run`] dispatches.

mod emulator;
mod journal;

use crate::{CommandResult, args::Command, output::Printer};

pub async fn run(command: Command, printer: &Printer) -> CommandResult {
    match command {
        Command::Emulator(args) => emulator::run(args, printer).await,
        Command::Schema => journal::schema(printer),
        Command::Runs { state } => journal::runs(state, printer),
        other => Err(crate::failure::Failure::new(
            crate::failure::Exit::BadInput,
            "notAvailable",
            format!("{other:?} is not available in this build"),
            "run `keyless --help` for the commands this build supports",
        )),
    }
}
