//! The desktop app's wire contract: what the UI sends, what it gets back, and the error it
//! branches on.
//!
//! These are transport types (DTOs), camelCase on the wire, with TypeScript generated into
//! `ui/src/ipc/bindings.ts`. This crate knows neither Tauri nor the domain: it holds no logic,
//! does no IO, and never converts from `keyless-core` types (the controller in
//! `keyless-desktop` does, by destructuring every field).

pub mod bindings;
pub mod commands;
pub mod error;
pub mod session;

pub use error::{IpcError, IpcErrorCode};
pub use session::{AccountView, CloudView, SessionStatus};
