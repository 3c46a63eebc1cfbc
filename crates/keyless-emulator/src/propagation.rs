//! How long a freshly written object stays invisible to the replica that answers: federated
//! credentials, app registrations, role assignments and organization memberships, each with
//! its own delay from [`EmulatorConfig`], stretched per object by a seeded jitter.
//!
//! The jitter of an object depends only on the seed, the kind of delay and the object's id, so
//! a run that creates the same objects sees the same delays; there is no shared random state
//! and no ordering dependence. This module decides "propagated yet?"; the services decide what
//! to answer while it is not (always the answer for a missing object).

use std::time::Duration;

use keyless_core::Guid;
use serde::Serialize;

use crate::{
    EmulatorConfig,
    state::{FederatedCredential, FicHolder, Moment},
};

/// The delays the emulator models, one per kind of object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PropagationKind {
    /// A federated credential on an app registration reaching token exchange.
    AppFederatedCredential,
    /// A federated credential on a user-assigned managed identity reaching token exchange.
    ManagedIdentityFederatedCredential,
    /// A new app registration reaching token exchange (AADSTS700016 until then).
    Application,
    /// A new role assignment reaching ARM's authorization checks.
    RoleAssignment,
    /// A new organization member reaching Azure DevOps sign-in (TF401444 until then).
    Membership,
}

impl PropagationKind {
    /// Keeps the jitter of different kinds of the same object independent.
    fn salt(self) -> u64 {
        match self {
            PropagationKind::AppFederatedCredential => 0x61,
            PropagationKind::ManagedIdentityFederatedCredential => 0x6d,
            PropagationKind::Application => 0x41,
            PropagationKind::RoleAssignment => 0x52,
            PropagationKind::Membership => 0x4d,
        }
    }
}

/// The configured delays and jitter, read from [`EmulatorConfig`].
#[derive(Debug, Clone, PartialEq)]
pub struct Propagation {
    seed: u64,
    jitter: f64,
    app_fic: Duration,
    managed_identity_fic: Duration,
    application: Duration,
    role_assignment: Duration,
    membership: Duration,
}

impl Propagation {
    pub fn from_config(config: &EmulatorConfig) -> Self {
        Propagation {
            seed: config.seed,
            jitter: config.delay_jitter.clamp(0.0, 1.0),
            app_fic: config.fic_propagation_delay,
            managed_identity_fic: config.managed_identity_fic_propagation_delay,
            application: config.app_propagation_delay,
            role_assignment: config.role_propagation_delay,
            membership: config.membership_propagation_delay,
        }
    }

    fn base(&self, kind: PropagationKind) -> Duration {
        match kind {
            PropagationKind::AppFederatedCredential => self.app_fic,
            PropagationKind::ManagedIdentityFederatedCredential => self.managed_identity_fic,
            PropagationKind::Application => self.application,
            PropagationKind::RoleAssignment => self.role_assignment,
            PropagationKind::Membership => self.membership,
        }
    }

    /// The delay of one object: the configured delay stretched by up to `delay_jitter` of
    /// itself, by a fraction fixed by the seed, the kind and the object.
    pub fn delay(&self, kind: PropagationKind, object: Guid) -> Duration {
        let base = self.base(kind);
        if self.jitter <= 0.0 || base.is_zero() {
            return base;
        }
        let fraction = unit_fraction(self.seed ^ kind.salt().rotate_left(56) ^ fold(object));
        base.mul_f64(1.0 + self.jitter * fraction)
    }

    /// When an object written at `written` becomes visible.
    pub fn visible_at(&self, kind: PropagationKind, object: Guid, written: Moment) -> Moment {
        written.plus(self.delay(kind, object))
    }

    /// The delay kind of a federated credential, by where it lives.
    pub fn fic_kind(fic: &FederatedCredential) -> PropagationKind {
        match fic.holder {
            FicHolder::Application => PropagationKind::AppFederatedCredential,
            FicHolder::ManagedIdentity => PropagationKind::ManagedIdentityFederatedCredential,
        }
    }

    /// When a federated credential starts (and, once deleted, stops) being honoured.
    pub fn fic_delay(&self, fic: &FederatedCredential) -> Duration {
        self.delay(Self::fic_kind(fic), fic.id)
    }
}

fn fold(object: Guid) -> u64 {
    let bits = u128::from_le_bytes(object.to_bytes_le());
    (bits as u64) ^ ((bits >> 64) as u64)
}

/// A number in [0, 1) from one SplitMix64 step: identical on every platform.
fn unit_fraction(input: u64) -> f64 {
    let mut z = input.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(seed: u64, jitter: f64) -> EmulatorConfig {
        EmulatorConfig {
            seed,
            delay_jitter: jitter,
            role_propagation_delay: Duration::from_millis(1000),
            ..EmulatorConfig::default()
        }
    }

    #[test]
    fn jitter_stretches_within_its_bound_and_never_shrinks() {
        let p = Propagation::from_config(&config(3, 0.5));
        for n in 0..200u128 {
            let d = p.delay(PropagationKind::RoleAssignment, Guid::from_u128(n));
            assert!(d >= Duration::from_millis(1000) && d <= Duration::from_millis(1500), "{d:?}");
        }
    }

    #[test]
    fn without_jitter_the_delay_is_exact() {
        let p = Propagation::from_config(&config(3, 0.0));
        assert_eq!(p.delay(PropagationKind::RoleAssignment, Guid::from_u128(9)), Duration::from_millis(1000));
    }
}
