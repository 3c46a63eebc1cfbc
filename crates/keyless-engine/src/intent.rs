//! Intents: what a step is about to create, written to the journal before the create is
//! sent. A run killed between a create and its step record leaves an intent behind; when the
//! run resumes, an object that look-first finds under the intended name is this run's own
//! (rollback removes it), not someone else's. Intents never hold a token or secret, only
//! kinds, names and times.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// The kinds of object a step creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IntentKind {
    AppRegistration,
    ServicePrincipal,
    ManagedIdentity,
    RoleAssignment,
    Entitlement,
    ServiceConnection,
    FederatedCredential,
}

/// One "about to create" entry of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Intent {
    pub step_id: String,
    pub creates: IntentKind,
    /// How look-first finds the object: its display name, resource id, app id, assignment
    /// name, principal id or connection name.
    pub key: String,
    /// When the intent was written (RFC 3339, UTC): nothing this step created is older.
    pub at: String,
}

impl Intent {
    pub fn now(step_id: &str, creates: IntentKind, key: &str) -> Self {
        let at = OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default();
        Intent { step_id: step_id.into(), creates, key: key.into(), at }
    }

    /// Whether this intent names `key` (names compare as Azure does, without case).
    pub fn names(&self, creates: IntentKind, key: &str) -> bool {
        self.creates == creates && self.key.eq_ignore_ascii_case(key)
    }

    /// The intent's time; `None` for a journal edited by hand beyond recognition.
    pub fn written_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.at, &Rfc3339).ok()
    }

    /// Whether an object Azure says was created at `created` can be the one this intent
    /// announced: not older than the intent, give or take `clock_skew` between this machine
    /// and the service ([`crate::assumptions::CLOCK_SKEW`]). An unreadable time proves
    /// nothing, so the object is not claimed.
    pub fn could_have_created(&self, created: Option<&str>, clock_skew: Duration) -> bool {
        let Some(written) = self.written_at() else { return false };
        let Some(created) = created.and_then(|c| OffsetDateTime::parse(c, &Rfc3339).ok()) else { return false };
        created + clock_skew >= written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SKEW: Duration = Duration::from_secs(60);

    fn intent_at(at: &str) -> Intent {
        Intent {
            step_id: "membership/0/contoso".into(),
            creates: IntentKind::Entitlement,
            key: "k".into(),
            at: at.into(),
        }
    }

    #[test]
    fn an_object_created_after_the_intent_is_the_runs_own() {
        assert!(intent_at("2026-01-01T10:00:00Z").could_have_created(Some("2026-01-01T10:00:03Z"), SKEW));
    }

    #[test]
    fn an_object_created_within_the_clock_skew_before_the_intent_is_the_runs_own() {
        assert!(intent_at("2026-01-01T10:00:00Z").could_have_created(Some("2026-01-01T09:59:30Z"), SKEW));
    }

    #[test]
    fn an_object_created_long_before_the_intent_is_someone_elses() {
        assert!(!intent_at("2026-01-01T10:00:00Z").could_have_created(Some("2025-12-31T10:00:00Z"), SKEW));
    }

    #[test]
    fn an_unknown_creation_time_proves_nothing() {
        assert!(!intent_at("2026-01-01T10:00:00Z").could_have_created(None, SKEW));
        assert!(!intent_at("2026-01-01T10:00:00Z").could_have_created(Some("yesterday"), SKEW));
    }
}
