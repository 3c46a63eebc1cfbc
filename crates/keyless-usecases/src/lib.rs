//! Keyless's use cases, each written once: sign-in into a connected session, organizations
//! across tenants, plan, apply or resume, roll back, finish, runs, the demo cloud, the doctor's
//! reading of pasted failures, and the one reading of the cloud setting.
//!
//! The CLI and the desktop app are faces of this crate: they parse, ask, print or show, and
//! call these functions. This crate prints nothing, writes no sentence that names a command or
//! a button (it returns typed facts: [`keyless_engine::FailureCode`], [`keyless_engine::Remedy`]),
//! and does not know Tauri.

pub mod cloud_choice;
pub mod connect;
pub mod demo;
pub mod doctor;
pub mod error;
pub mod export;
pub mod impact;
pub mod inventory;
pub mod migration;
pub mod migration_run;
pub mod organizations;
pub mod preflight;
pub mod runs;

pub use cloud_choice::{CLOUD_VARIABLE, CloudChoice};
pub use connect::{Cloud, Connected, Method, SignInEnvironment, SignInPrompts, SignInRequest, SignedInAccount};
pub use demo::{DemoCloud, DemoSettings};
pub use error::UseCaseError;
pub use organizations::{LookupFailure, Organization, Organizations, UnreadPlace};
pub use runs::{AlreadyConfirmed, Confirm, PlannedSetup, RunOutcome, RunSettings};
