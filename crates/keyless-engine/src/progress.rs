//! Progress of a run as typed events: the CLI prints them, `--output json` writes them as JSON
//! lines, the desktop app streams them through a Tauri channel, and tests collect them.

use std::sync::Mutex;

use keyless_azure::WaitReason;
use serde::{Deserialize, Serialize};

/// What happened to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StepOutcome {
    Created,
    Updated,
    Reused,
    Verified,
    /// Waiting for someone else (the identity's owner) to act; see the hand-off pack.
    HandedOff,
    /// Already completed by an earlier attempt of this run (resume).
    AlreadyDone,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum ProgressEvent {
    #[serde(rename_all = "camelCase")]
    RunStarted { run_id: String, total_steps: usize, resumed: bool },
    #[serde(rename_all = "camelCase")]
    StepStarted { step_id: String, title: String },
    /// A deliberate wait for something Azure has not finished: `wait` says what (faces write
    /// the sentence), `code` is the service's own code that signalled it, when it gave one.
    #[serde(rename_all = "camelCase")]
    StepWaiting { step_id: String, wait: WaitReason, code: Option<String>, attempt: u32, wait_ms: u64 },
    #[serde(rename_all = "camelCase")]
    Request { step_id: String, method: String, url: String, status: u16 },
    #[serde(rename_all = "camelCase")]
    StepFinished { step_id: String, outcome: StepOutcome, detail: String, elapsed_ms: u64 },
    #[serde(rename_all = "camelCase")]
    StepFailed { step_id: String, code: crate::error::FailureCode, message: String, remedy: crate::error::Remedy },
    #[serde(rename_all = "camelCase")]
    RunFinished { run_id: String, succeeded: bool, done: usize, failed: usize, remaining: usize },
}

/// Receives progress; implementations must be cheap and never block the run for long.
pub trait Reporter: Send + Sync {
    fn report(&self, event: ProgressEvent);
}

/// Keeps every event, for tests and for building the run report afterwards.
#[derive(Debug, Default)]
pub struct CollectingReporter {
    events: Mutex<Vec<ProgressEvent>>,
}

impl CollectingReporter {
    pub fn events(&self) -> Vec<ProgressEvent> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl Reporter for CollectingReporter {
    fn report(&self, event: ProgressEvent) {
        if let Ok(mut events) = self.events.lock() {
            events.push(event);
        }
    }
}

/// Discards events (library callers that do not show progress).
#[derive(Debug, Default, Clone, Copy)]
pub struct SilentReporter;

impl Reporter for SilentReporter {
    fn report(&self, _: ProgressEvent) {}
}
