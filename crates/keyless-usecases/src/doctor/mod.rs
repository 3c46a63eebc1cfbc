//! The doctor: explains failures users paste (a pipeline log, a TestConnection message) with
//! their cause, the evidence in the text and the fix; diagnoses connections against live
//! state (`live`, `checks`); and repairs what Keyless can through a planned run (`fix`).
//!
//! The pasted-log path reads the text only; the live path reads Azure and changes nothing; only
//! `fix::apply_fix` changes anything, as an ordinary run that can be rolled back. What each code
//! means comes from `keyless_azure::behaviour`, the one table.

pub mod checks;
pub mod explain;
mod facts;
pub mod fix;
pub mod live;
pub mod pasted_log;

pub use checks::{Finding, FindingCode, Severity};
pub use fix::{FixPlan, apply_fix, fix_plan};
pub use live::{
    ConnectionDiagnosis, DoctorSummary, DoctorTarget, LiveDiagnosis, PastedLogLiveDiagnosis, UnreadNote, diagnose,
    diagnose_pasted_log_live,
};

use serde::Serialize;

pub use explain::{Explanation, explain};
pub use pasted_log::{
    Facts, Issuer, IssuerKind, LookedFor, MAX_FAILURES, MAX_INPUT_BYTES, MAX_MENTIONS_EXAMINED, PastedLog, ReadingNote,
    RecognisedFailure, Subject, SubjectKind, parse_pasted_log,
};

/// Where a diagnosis comes from, so faces can say how far it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DiagnosisSource {
    /// The pasted text alone: nothing was read from Azure.
    TextOnly,
}

/// Every failure a pasted text mentions, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PastedLogDiagnosis {
    pub source: DiagnosisSource,
    pub recognised: bool,
    pub explanations: Vec<Explanation>,
    pub looked_for: LookedFor,
    pub unknown_codes: Vec<String>,
    pub notes: Vec<ReadingNote>,
}

/// Reads a pasted text and explains each failure it mentions. Never fails and never panics:
/// a text with nothing known gives `recognised: false` and what Keyless looked for.
pub fn diagnose_pasted_log(text: &str) -> PastedLogDiagnosis {
    let PastedLog { failures, looked_for, unknown_codes, notes } = parse_pasted_log(text);
    PastedLogDiagnosis {
        source: DiagnosisSource::TextOnly,
        recognised: !failures.is_empty(),
        explanations: failures.iter().map(explain).collect(),
        looked_for,
        unknown_codes,
        notes,
    }
}
