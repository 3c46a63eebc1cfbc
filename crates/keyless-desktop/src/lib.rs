//! The desktop app's controller: the state behind the window and the body of every command.
//!
//! Each Tauri command in `src-tauri` is one line that forwards to [`Controller`], and the
//! browser bridge (`keyless-browser-bridge`) serves the same controller over loopback HTTP, so
//! everything the UI can ask for is tested without a window. This crate does not know Tauri
//! and does not write the UI's sentences; it hands the UI typed facts (`keyless-ipc` views)
//! and errors with codes.

pub mod bridge;
pub mod cloud_setting;
pub mod controller;
pub mod demo;
mod directory;
pub mod error;
pub mod events;
mod plan_view;
mod run_view;
mod runs;
mod setup_input;
mod sign_in;
mod views;

pub use cloud_setting::{CloudSetting, CloudSettingError};
pub use controller::{Controller, ControllerOptions, SignedInAccount};
pub use demo::DemoSettings;
pub use error::DesktopError;
pub use events::{CollectedEvents, EventSink, NoEvents};
pub use setup_input::setup_from_input;
