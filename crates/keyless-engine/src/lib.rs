//! Keyless engine: turns a setup into a plan against the live state, applies it step by step
//! with a resumable journal, rolls runs back, and reports progress. It knows nothing of the
//! CLI or the desktop window; both drive it through the same functions and events.

pub mod apply;
pub mod assumptions;
pub mod azure;
pub mod error;
pub mod finish;
pub mod intent;
pub mod journal;
pub mod migrate;
pub mod observe;
pub mod port;
pub mod progress;
pub mod report;
pub mod rollback;
mod run_lock;
pub mod snippets;
mod steps;

pub use apply::{ApplyOptions, apply};
pub use error::{EngineError, FailureCode, Remedy};
pub use observe::observe;
pub use port::{AzurePort, MigrationPort};
