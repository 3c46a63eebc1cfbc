//! Where a command's events go while it runs: a Tauri `Channel` in the app, an NDJSON stream
//! in the browser bridge, a Vec in tests.
//!
//! The controller only ever sends; it never waits for the receiver, so a slow or closed window
//! cannot stall a sign-in or a run.

use std::sync::{Mutex, PoisonError};

/// Receives the events of one command call.
pub trait EventSink<T>: Send + Sync {
    fn send(&self, event: T);
}

/// Any `Fn(T)` is a sink, so the Tauri shell passes `&|event| ...` around its channel.
impl<T, F: Fn(T) + Send + Sync> EventSink<T> for F {
    fn send(&self, event: T) {
        self(event)
    }
}

/// Keeps every event, for tests.
#[derive(Debug)]
pub struct CollectedEvents<T> {
    events: Mutex<Vec<T>>,
}

impl<T> Default for CollectedEvents<T> {
    fn default() -> Self {
        Self { events: Mutex::new(Vec::new()) }
    }
}

impl<T: Clone> CollectedEvents<T> {
    pub fn events(&self) -> Vec<T> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl<T: Send> EventSink<T> for CollectedEvents<T> {
    fn send(&self, event: T) {
        self.events.lock().unwrap_or_else(PoisonError::into_inner).push(event);
    }
}

/// Drops every event, for callers that show none.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEvents;

impl<T> EventSink<T> for NoEvents {
    fn send(&self, _: T) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_and_collectors_are_sinks() {
        let collected = CollectedEvents::default();
        let forward = |event: u32| collected.send(event * 2);
        forward.send(21);
        NoEvents.send(1);
        assert_eq!(collected.events(), [42]);
    }
}
