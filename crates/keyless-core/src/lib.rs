//! Keyless domain core: identifiers, validated names, federation issuers and subjects, cloud
//! profiles. Pure data and rules; this crate does no IO, no async and no HTTP.

pub mod cloud;
pub mod export;
pub mod federation;
pub mod ids;
pub mod impact;
pub mod inventory;
pub mod migration;
pub mod names;
pub mod observed;
pub mod plan;
pub mod preflight;
pub mod setup;
pub mod validation;

pub use cloud::{CloudIdentity, CloudName, CloudProfile};
pub use ids::Guid;
pub use validation::InputError;
