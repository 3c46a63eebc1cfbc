//! Keyless engine: turns a setup into a plan against the live state, applies it step by step
//! with a resumable journal, rolls runs back, and reports progress. It knows nothing of the
//! CLI or the desktop window; both drive it through the same functions and events.

pub mod journal;
pub mod progress;
pub mod snippets;
