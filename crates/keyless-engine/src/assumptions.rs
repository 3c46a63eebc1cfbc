//! Engine-side guesses about undocumented Azure behaviour, in one place (README, "Known
//! assumptions"; the emulator is equally strict in `keyless-emulator/src/assumptions.rs`).
//! What each service code means lives in `keyless_azure::behaviour`, not here.
//!
//! 1. Deleting a WIF service connection while a federated credential still accepts its tokens
//!    is refused with an HTTP 400 whose message names the federated identity credential;
//!    rollback waits and retries that case only ([`is_delete_blocked_by_credential`]), and
//!    reports the wait as a federated credential change not yet in effect.
//! 2. The "Azure DevOps" connection type is `WorkloadIdentityUser`; a different target
//!    organization is written as `url` and `data.organizationUrl` (see keyless-azure's
//!    service endpoint client).
//! 3. A draft is finished with a `PUT` carrying `isReady: true` and no `data.isDraft`.
//! 4. A TestConnection failure whose text carries a code the behaviour table marks "not yet"
//!    (AADSTS70025, AADSTS70021, AADSTS700211, AADSTS700213, AADSTS700016, AuthorizationFailed,
//!    SubscriptionNotFound, TF401444, VS800075) right after this run wrote the missing piece
//!    only means "not in effect yet": verification waits it out within the consistency budget
//!    and fails with the service's text once the budget is spent.
//! 5. An object whose create was committed but whose answer was lost (HTTP 502/503/504 or a
//!    timeout on a POST) can be read back by its name within [`LOOK_AGAIN_READS`] reads a
//!    consistency interval apart; not finding it then means it was not made, and the create
//!    is sent again, at most [`CREATE_ATTEMPTS`] times in all.
//! 6. Graph answers a second service principal for the same app with
//!    `Request_MultipleObjectsWithSameKeyValue` ("already in use"), a conflict: the principal
//!    exists, so the step reads it back (see 5) and uses it.
//! 7. Adding a service principal entitlement is an upsert: for an existing member it answers
//!    success with the existing entitlement and its original `dateCreated`. A member counts
//!    as created by this run only when its `dateCreated` is no older than the step's intent,
//!    give or take [`CLOCK_SKEW`] between this machine's clock and Azure DevOps'.
//! 8. A project group can be added to an existing member with a JSON Patch carrying only
//!    `add /projectEntitlements/...` operations; no `accessLevel` operation is needed, and
//!    leaving it out keeps a licence assigned by a group rule untouched.
//! 9. Names are compared without case when look-first matches an object to an intent, as
//!    Entra, ARM and Azure DevOps do for display names, resource ids and connection names.
//! 10. An object that look-first finds under the name an earlier attempt of this run announced
//!     in an intent (and that was missing when that attempt planned it) was made by that
//!     attempt: nobody else creates an object of the same name in between. Members are the
//!     exception, checked by their creation time (7), since adding one is an upsert.
//! 11. A migration's conversion answers with the converted connection; when it says `isReady`
//!     there is nothing to wait for, otherwise the connection is read until it does, within the
//!     consistency budget.
//! 12. Before a manual conversion, the credential Keyless writes is named `ado-{connection id}`;
//!     when the identity already has a credential of that name trusting something else (the
//!     Azure DevOps issuer's, written by an earlier onboarding), the new one is named
//!     `ado-{connection id}-entra` so the old one keeps working until the switch is verified.
//! 13. A revert is refused before anything changes when Azure DevOps would refuse it: the
//!     connection was made by hand (manual mode), its `revertSchemeDeadline` has passed
//!     (compared with this machine's clock), or its client secrets were removed after the
//!     conversion. An unreadable deadline is left for Azure DevOps to judge.
//! 14. Switching a connection back to the Azure DevOps issuer may leave it on the Entra issuer;
//!     a revert then keeps the Entra-issuer credential so the connection keeps working, and says so.
//! 15. Removing a client secret that is already gone answers 404 or 400 ("No password credential
//!     found"); either means the secret is gone, as wanted.

use std::time::Duration;

use keyless_azure::{AzureError, ErrorCode};

/// How far Azure DevOps' clock may be behind this machine's (assumption 7).
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Creates sent in all when answers keep getting lost (assumption 5). Each lost answer is
/// looked for before the next attempt, so more attempts never make a second object. Six,
/// because with one request in five failing (the chaos runs) three lost answers in a row
/// happened: a service principal's create answered 503, 503 (while Entra still refused it for
/// the app's replication), then 504, and the run stopped after three.
pub const CREATE_ATTEMPTS: u32 = 6;

/// Reads after a lost answer before concluding the object was not made (assumption 5).
pub const LOOK_AGAIN_READS: u32 = 3;

pub fn is_delete_blocked_by_credential(error: &AzureError) -> bool {
    matches!(error.code(), ErrorCode::Validation | ErrorCode::Conflict)
        && error.to_string().contains("federated identity credential")
}
