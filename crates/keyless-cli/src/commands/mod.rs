//! One module per group of commands; [`run`] dispatches.

mod account;
mod demo;
mod doctor;
mod emulator;
mod export;
mod inventory;
pub mod journal;
mod migrate;
mod preflight;
mod session;
pub mod setup;

use crate::{
    CommandResult,
    args::{Command, ExportCommand, MigrateCommand},
    output::Printer,
};

pub async fn run(command: Command, printer: &Printer) -> CommandResult {
    match command {
        Command::Login(azure) => account::whoami(azure, printer, "Signed in as").await,
        Command::Logout(azure) => account::logout(azure, printer).await,
        Command::Whoami(azure) => account::whoami(azure, printer, "You are").await,
        Command::Orgs(azure) => account::orgs(azure, printer).await,
        Command::Inventory { azure, organizations } => inventory::inventory(azure, organizations, printer).await,
        Command::Plan { azure, setup } => setup::plan(azure, &setup.file, printer).await,
        Command::Preflight { azure, setup, hand_off } => {
            preflight::run(azure, &setup.file, hand_off.as_deref(), printer).await
        }
        Command::Apply { azure, setup, state, yes, report_dir } => {
            setup::apply_setup(
                setup::ApplyArgs { azure, file: &setup.file, state, yes, report_dir: report_dir.as_deref() },
                printer,
            )
            .await
        }
        Command::Rollback { azure, state, run, yes } => setup::rollback_run(azure, state, &run, yes, printer).await,
        Command::Finish { azure, state, run } => setup::finish_run(azure, state, &run, printer).await,
        Command::Runs { state } => journal::runs(state, printer),
        Command::Migrate(MigrateCommand::Init { azure, organizations, out, force }) => {
            migrate::init(azure, organizations, &out, force, printer).await
        }
        Command::Migrate(MigrateCommand::Plan { azure, file }) => migrate::plan(azure, &file, printer).await,
        Command::Migrate(MigrateCommand::Apply { azure, state, file, yes, report_dir }) => {
            let args = migrate::MigrateApplyArgs { azure, file: &file, state, yes, report_dir: report_dir.as_deref() };
            migrate::apply(args, printer).await
        }
        Command::Migrate(MigrateCommand::Revert { azure, state, run, yes }) => {
            migrate::revert(azure, state, &run, yes, printer).await
        }
        Command::Export(ExportCommand::Terraform { azure, state, organizations, connections, run, out, force }) => {
            let what = export::Selection { organizations, connections, run };
            export::terraform(azure, state, what, out.as_deref(), force, printer).await
        }
        Command::Schema { file } => journal::schema(file, printer),
        Command::Emulator(args) => emulator::run(args, printer).await,
        Command::Demo { file } => demo::run(file, printer).await,
        Command::Doctor(args) => doctor::doctor(args, printer).await,
    }
}
