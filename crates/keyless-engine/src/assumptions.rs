//! Engine-side guesses about undocumented Azure behaviour, in one place (README, "Known
//! assumptions"; the emulator is equally strict in `keyless-emulator/src/assumptions.rs`).
//!
//! 1. Deleting a WIF service connection while a federated credential still accepts its tokens
//!    is refused with an HTTP 400 whose message names the federated identity credential;
//!    rollback waits and retries that case only ([`is_delete_blocked_by_credential`]).
//! 2. The "Azure DevOps" connection type is `WorkloadIdentityUser`; a different target
//!    organization is written as `url` and `data.organizationUrl` (see keyless-azure's
//!    service endpoint client).
//! 3. A draft is finished with a `PUT` carrying `isReady: true` and no `data.isDraft`.
//! 4. TestConnection failures that mean "not propagated yet" carry AADSTS70021, AADSTS700211,
//!    AADSTS700213, TF401444 or VS800075 in `errorMessage`; anything else fails at once
//!    ([`is_propagation_failure`]).

use keyless_azure::{AzureError, ErrorCode};

pub fn is_delete_blocked_by_credential(error: &AzureError) -> bool {
    matches!(error.code(), ErrorCode::Validation | ErrorCode::Conflict)
        && error.to_string().contains("federated identity credential")
}

pub fn is_propagation_failure(message: &str) -> bool {
    ["AADSTS70021", "AADSTS700211", "AADSTS700213", "TF401444", "VS800075"].iter().any(|code| message.contains(code))
}
