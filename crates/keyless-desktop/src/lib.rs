//! The desktop app's controller: the state behind the window and the body of every command.
//!
//! Each Tauri command in `src-tauri` is one line that forwards to [`Controller`], and the
//! browser bridge (`keyless-browser-bridge`) serves the same controller over loopback HTTP, so
//! everything the UI can ask for is tested without a window. This crate does not know Tauri
//! and does not write the UI's sentences; it hands the UI typed facts (`keyless-ipc` views)
//! and errors with codes. Every use case (sign-in, organizations, runs, the demo cloud) is
//! `keyless-usecases`, shared with the CLI; this crate keeps the window's state and views.

pub mod bridge;
pub mod cloud_setting;
pub mod controller;
mod directory;
mod doctor;
pub mod error;
pub mod events;
mod inventory;
mod migration;
mod migration_run;
mod plan_view;
mod run_view;
mod runs;
mod setup_input;
mod views;

pub use cloud_setting::{CloudSetting, CloudSettingError};
pub use controller::{Controller, ControllerOptions};
pub use error::DesktopError;
pub use events::{CollectedEvents, EventSink, NoEvents};
pub use keyless_usecases::{DemoSettings, SignedInAccount};
pub use migration::migration_file_from_choice;
pub use setup_input::setup_from_input;
