//! The log of every service request the emulator served: method, path (without the query),
//! final status and when it arrived and was answered, in the order answered, so tests can
//! assert what a client sent ("no PATCH") and benchmarks can see what ran at the same time.
//!
//! The emulator's own `/_emulator/*` and `/.well-known/*` routes are not logged, and neither
//! are headers, queries or bodies (they can carry tokens).

use std::{
    collections::VecDeque,
    sync::{Mutex, MutexGuard},
    time::Instant,
};

use serde::Serialize;

use crate::faults::FaultKind;

/// The log keeps the newest entries only, so a long demo session cannot grow without bound.
const MAX_ENTRIES: usize = 100_000;

/// One served request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServedRequest {
    /// 1 for the first request served since start (or the last reset).
    pub sequence: u64,
    pub method: String,
    /// The path as the client sent it, e.g. `/graph/v1.0/applications`.
    pub path: String,
    pub status: u16,
    /// The fault injected into this request, if any.
    pub fault: Option<FaultKind>,
    /// When the request arrived, in microseconds since the log started (or was last reset).
    pub received_at_micros: u64,
    /// When the answer was sent, in microseconds since the log started (or was last reset).
    pub answered_at_micros: u64,
}

#[derive(Debug)]
struct Entries {
    next_sequence: u64,
    served: VecDeque<ServedRequest>,
    started: Instant,
}

impl Default for Entries {
    fn default() -> Self {
        Entries { next_sequence: 0, served: VecDeque::new(), started: Instant::now() }
    }
}

/// Every request served, newest last.
#[derive(Debug, Default)]
pub struct RequestLog {
    inner: Mutex<Entries>,
}

impl RequestLog {
    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Now, in the log's microseconds: a request's arrival, for [`RequestLog::record`].
    pub fn now_micros(&self) -> u64 {
        self.lock().started.elapsed().as_micros() as u64
    }

    pub fn record(&self, method: &str, path: &str, status: u16, fault: Option<FaultKind>, received_at_micros: u64) {
        let mut inner = self.lock();
        inner.next_sequence += 1;
        let sequence = inner.next_sequence;
        let answered_at_micros = inner.started.elapsed().as_micros() as u64;
        if inner.served.len() == MAX_ENTRIES {
            inner.served.pop_front();
        }
        inner.served.push_back(ServedRequest {
            sequence,
            method: method.to_string(),
            path: path.to_string(),
            status,
            fault,
            received_at_micros,
            answered_at_micros,
        });
    }

    pub fn entries(&self) -> Vec<ServedRequest> {
        self.lock().served.iter().cloned().collect()
    }

    pub fn clear(&self) {
        *self.lock() = Entries::default();
    }
}
