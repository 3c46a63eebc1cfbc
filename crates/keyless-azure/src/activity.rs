//! Which requests an operation made: a caller wraps an operation in [`observe_requests`] and
//! hears about every response it got, so progress can show the request in flight per step.
//!
//! The sink lives in a task-local, so concurrent operations each hear only their own
//! requests; work spawned onto other tasks is not observed.

use std::{future::Future, sync::Arc, time::Duration};

use crate::error::Service;

/// One answered request, with its URL already redacted like in logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    pub service: Service,
    pub method: String,
    pub url: String,
    pub status: u16,
    pub elapsed: Duration,
}

/// Receives request summaries; must be cheap (it runs on the request path).
pub type RequestSink = Arc<dyn Fn(RequestSummary) + Send + Sync>;

tokio::task_local! {
    static SINK: RequestSink;
}

/// Runs `operation`, reporting each response it gets to `sink`.
pub async fn observe_requests<F: Future>(sink: RequestSink, operation: F) -> F::Output {
    SINK.scope(sink, operation).await
}

pub(crate) fn report(summary: RequestSummary) {
    let _ = SINK.try_with(|sink| sink(summary));
}
