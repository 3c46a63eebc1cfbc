//! The critical-path lower bound of an onboarding run, computed from the run's own request log
//! and journal: no client, however concurrent, can finish the same onboarding sooner against
//! the same emulator.
//!
//! Why it is a lower bound. Each term below is a request or a wait that some other request
//! needs the answer or the effect of, so a chain of them adds up whatever the concurrency:
//!
//! - planning: the plan is shown (and confirmed) before anything changes, and it needs at least
//!   one round of reads (whether the identity and the connections already exist; the create of
//!   a connection is a POST, not an upsert). Every read the setup needs can be addressed by the
//!   setup's names, so one level, one latency;
//! - the managed identity's PUT (its answer carries the client and principal ids);
//! - Entra's replication: the emulator refuses the principal to Azure DevOps (VS403283) and ARM
//!   (PrincipalNotFound) until the replication delay has passed since the PUT was answered;
//! - an "Azure DevOps" connection: the organization membership's POST, then the connection's
//!   POST (Azure DevOps refuses the connection for a principal that is not a member). An Azure
//!   Resource Manager connection needs only the client id, so its POST follows the PUT;
//! - the credential writes: each needs the issuer and subject its connection's POST answered,
//!   and the writes to one managed identity must follow each other (Azure refuses concurrent
//!   ones with 409), each taking the latency plus the emulator's write hold before its answer.
//!   Serial writes with release times finish no sooner than the earliest-release-first order
//!   gives: max(first Azure Resource Manager release + all writes, first Azure DevOps release
//!   + its writes);
//! - after the last credential write: the credential's propagation delay, then one
//!   TestConnection (verify) that succeeds;
//! - beside it, the role assignment (after replication: PUT, role propagation, TestConnection)
//!   and the membership (POST, membership propagation, TestConnection) chains; the longest of
//!   all is the identity's chain, and identities run side by side, so the bound is the longest
//!   identity chain.
//!
//! What the bound leaves out makes it lower, never higher: every look-first read, the journal,
//! pipeline permissions (one PATCH after the connection, in parallel with the credential
//! writes), every limit on concurrency (a resource, not a dependency), and polling granularity.
//! The counts (which identities were created, how many credentials each received, for which
//! kind of connection) come from the run's log and journal, never from the benchmark's intent.

use std::{collections::BTreeMap, time::Duration};

use keyless_core::setup::ConnectionKind;
use keyless_emulator::ServedRequest;
use keyless_engine::journal::RunJournal;

/// The emulator's delays the bound adds up, as the benchmark configured them.
#[derive(Debug, Clone, Copy)]
pub struct Delays {
    pub latency: Duration,
    pub replication: Duration,
    pub credential_propagation: Duration,
    pub role_propagation: Duration,
    pub membership_propagation: Duration,
    /// How long the emulator holds a managed identity's credential write before answering.
    pub credential_write_hold: Duration,
}

/// One managed identity's part of the bound, for the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityChain {
    pub name: String,
    pub created: bool,
    /// Credential writes for Azure Resource Manager and for Azure DevOps connections.
    pub arm_writes: usize,
    pub devops_writes: usize,
    pub chain: Duration,
    /// Requests on the chain (waits aside).
    pub requests: usize,
}

/// The bound and its parts.
#[derive(Debug, Clone, Default)]
pub struct OnboardingBound {
    pub planning: Duration,
    pub identities: Vec<IdentityChain>,
}

impl OnboardingBound {
    pub fn total(&self) -> Duration {
        self.identities.iter().map(|i| i.chain).max().unwrap_or_default()
    }

    pub fn longest(&self) -> Option<&IdentityChain> {
        self.identities.iter().max_by_key(|i| i.chain)
    }
}

const IDENTITIES: &str = "/providers/microsoft.managedidentity/userassignedidentities/";
const CREDENTIALS: &str = "/federatedidentitycredentials/";

/// The identity a request's path names, and the credential it names if any.
fn identity_and_credential(path: &str) -> Option<(String, Option<String>)> {
    let path = path.to_ascii_lowercase();
    let (_, rest) = path.split_once(IDENTITIES)?;
    let (identity, credential) = match rest.split_once(CREDENTIALS) {
        Some((identity, credential)) => (identity, Some(credential.trim_end_matches('/').to_string())),
        None => (rest.trim_end_matches('/'), None),
    };
    Some((identity.to_string(), credential))
}

/// The bound of one onboarding run from its request log and its journal.
pub fn onboarding_bound(log: &[ServedRequest], journal: &RunJournal, delays: Delays) -> OnboardingBound {
    let Delays { latency, replication, credential_propagation, role_propagation, membership_propagation, .. } = delays;
    let write = latency + delays.credential_write_hold;
    // The credential name each connection's step wrote, and the connection's kind.
    let mut kind_of_credential: BTreeMap<String, bool> = BTreeMap::new();
    for spec in &journal.setup.connections {
        let Some(record) = journal.steps.get(&format!("fic/{}", spec.key())) else { continue };
        if let Some(name) = &record.outputs.fic_name {
            kind_of_credential
                .insert(name.to_ascii_lowercase(), matches!(spec.kind, ConnectionKind::AzureDevops { .. }));
        }
    }
    let succeeded = |r: &&ServedRequest| (200..300).contains(&r.status) && r.method == "PUT";
    let mut identities: BTreeMap<String, IdentityChain> = BTreeMap::new();
    for request in log.iter().filter(succeeded) {
        let Some((name, credential)) = identity_and_credential(&request.path) else { continue };
        let entry = identities.entry(name.clone()).or_insert_with(|| IdentityChain { name, ..Default::default() });
        match credential {
            None => entry.created = true,
            Some(credential) => match kind_of_credential.get(&credential) {
                Some(true) => entry.devops_writes += 1,
                Some(false) => entry.arm_writes += 1,
                None => {}
            },
        }
    }
    let planning = latency;
    let mut bound = OnboardingBound { planning, identities: vec![] };
    for (_, mut identity) in identities {
        let created = if identity.created { latency } else { Duration::ZERO };
        let identity_answered = planning + created;
        let principal_known = identity_answered + if identity.created { replication } else { Duration::ZERO };
        let writes = (identity.arm_writes + identity.devops_writes) as u32;
        // (end of the last credential write, requests on that chain)
        let mut credentials_written = (Duration::ZERO, 0usize);
        if identity.arm_writes > 0 {
            let arm_connection_answered = identity_answered + latency;
            let end = arm_connection_answered + write * writes;
            credentials_written = credentials_written.max((end, 3 + writes as usize));
        }
        if identity.devops_writes > 0 {
            let devops_connection_answered = principal_known + latency * 2;
            let end = devops_connection_answered + write * identity.devops_writes as u32;
            credentials_written = credentials_written.max((end, 4 + identity.devops_writes));
        }
        let (written, requests) = credentials_written;
        let verified = written + credential_propagation + latency;
        let mut chain = verified;
        if identity.arm_writes > 0 {
            chain = chain.max(principal_known + latency + role_propagation + latency);
        }
        if identity.devops_writes > 0 {
            chain = chain.max(principal_known + latency + membership_propagation + latency);
        }
        identity.chain = chain;
        identity.requests = requests + 1 - usize::from(!identity.created);
        bound.identities.push(identity);
    }
    bound
}
