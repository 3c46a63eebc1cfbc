//! Printing for people (text) and for scripts (`--output json`): one place decides the format.

use std::io::Write;

use serde::Serialize;

use crate::{args::OutputFormat, failure::Failure};

#[derive(Debug, Clone)]
pub struct Printer {
    pub format: OutputFormat,
}

impl Printer {
    pub fn new(format: OutputFormat) -> Self {
        Printer { format }
    }

    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Prints a result: `text` for people, the value as one JSON document for scripts.
    pub fn result<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        let mut out = std::io::stdout().lock();
        let _ = if self.is_json() {
            writeln!(out, "{}", serde_json::to_string_pretty(value).unwrap_or_default())
        } else {
            write!(out, "{}", text())
        };
    }

    /// One JSON line (progress events in JSON mode).
    pub fn json_line<T: Serialize>(&self, value: &T) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", serde_json::to_string(value).unwrap_or_default());
    }

    /// A note for people on stderr (never mixed into JSON on stdout).
    pub fn note(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    pub fn failure(&self, failure: &Failure) {
        if self.is_json() {
            self.json_line(&failure.to_json());
        } else {
            let _ = writeln!(std::io::stderr().lock(), "{failure}");
        }
    }
}
