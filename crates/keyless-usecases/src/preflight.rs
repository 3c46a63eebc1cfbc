//! Preflight of a setup: before any change, whether the signed-in admin can take each step of
//! its plan, read with read-only calls (tenant policy, directory roles, ARM permissions, Azure
//! DevOps permission checks), who can grant what is missing, the plan narrowed to what can be
//! done now and a hand-off pack for the rest.
//!
//! Every fact is read once and all of them at the same time. A fact that cannot be read is
//! not an error: its steps come back as "could not check" with the reason. Nothing is written.

use std::collections::BTreeMap;

use futures::future::join_all;
use keyless_azure::AzureError;
use keyless_core::{
    Guid,
    names::OrgName,
    observed::Observed,
    plan::{Plan, build_plan},
    preflight::{
        self, ArmPermission, Checklist, EndpointRights, Fact, Narrowed, PermissionFacts, Reads, check, narrow,
    },
    setup::Setup,
};
use keyless_engine::observe;

use crate::{Connected, PlannedSetup, UseCaseError};

/// A setup checked before any change.
#[derive(Debug, Clone)]
pub struct Preflight {
    /// The whole plan. When the planner would refuse the setup only because of something
    /// someone else can change (a multitenant app, an organization of another tenant, a full
    /// identity), this is the plan as if it were changed, and the checklist says who changes it.
    pub plan: Plan,
    pub observed: Observed,
    pub checklist: Checklist,
    /// What can be done now, and the steps handed off.
    pub narrowed: Narrowed,
    /// The hand-off pack for the steps handed off (Markdown); empty when nothing is.
    pub hand_off_markdown: String,
}

impl Preflight {
    /// True when the signed-in admin can take every step now.
    pub fn all_doable(&self) -> bool {
        self.checklist.all_doable()
    }
}

/// Plans `setup` and checks every step against what the signed-in admin may do.
pub async fn preflight(connected: &Connected, setup: &Setup) -> Result<Preflight, UseCaseError> {
    let observed = observe(&connected.port, setup).await?;
    let plan = match build_plan(setup, &observed) {
        Ok(plan) => plan,
        // Refused: plan as if the blockers were lifted; the checklist names them. When the
        // setup is refused for another reason, that refusal is the answer.
        Err(refusal) => build_plan(setup, &lifted_blockers(&observed)).map_err(|_| refusal)?,
    };
    let checklist = checklist_for(connected, &plan, &observed).await;
    let narrowed = narrow(&plan, &checklist);
    let hand_off_markdown = if narrowed.handed_off.is_empty() {
        String::new()
    } else {
        preflight::hand_off_markdown(&narrowed, &connected.account.user_principal_name)
    };
    Ok(Preflight { plan, observed, checklist, narrowed, hand_off_markdown })
}

/// The checklist of a plan already made (`runs::plan`), so a face can show "you have it /
/// you lack it" next to each step's needs.
pub async fn check_planned(connected: &Connected, planned: &PlannedSetup) -> Checklist {
    checklist_for(connected, &planned.plan, &planned.observed).await
}

async fn checklist_for(connected: &Connected, plan: &Plan, observed: &Observed) -> Checklist {
    let facts = read_facts(connected, &preflight::reads_needed(plan, observed)).await;
    check(plan, observed, &facts)
}

/// What exists with the things only someone else can change already changed: apps made
/// single-tenant, organizations connected to the identity's tenant, and credentials that no
/// connection of the setup uses removed.
fn lifted_blockers(observed: &Observed) -> Observed {
    let mut lifted = observed.clone();
    lifted.can_register_apps = true;
    let used: Vec<(String, String)> = observed
        .organizations
        .values()
        .flat_map(|org| &org.connections)
        .filter_map(|c| Some((c.issuer.clone()?, c.subject.clone()?)))
        .collect();
    for identity in lifted.identities.values_mut() {
        if identity.is_multitenant_app() {
            identity.sign_in_audience = Some("AzureADMyOrg".into());
        }
        identity
            .fics
            .retain(|fic| used.iter().any(|(issuer, subject)| *issuer == fic.issuer && *subject == fic.subject));
    }
    let identity_tenant = observed.identities.values().next().map_or(observed.tenant_id, |i| i.tenant_id);
    for org in lifted.organizations.values_mut() {
        org.tenant_id = identity_tenant;
    }
    lifted
}

/// Reads every fact `reads` names, all at once.
async fn read_facts(connected: &Connected, reads: &Reads) -> PermissionFacts {
    let graph = connected.client.graph(Some(connected.tenant()));
    let arm = connected.client.arm(Some(connected.tenant()));
    let policy = async {
        fact(graph.authorization_policy().await.map(|p| p.default_user_role_permissions.allowed_to_create_apps))
    };
    let roles = async { fact(graph.my_directory_role_templates().await) };
    let scopes = join_all(reads.arm_scopes.iter().map(|scope| {
        let arm = arm.clone();
        async move { (scope.clone(), fact::<Vec<ArmPermission>>(arm.permissions_at(scope).await)) }
    }));
    let organizations = join_all(reads.organizations.iter().map(|org| async move {
        let admin = async { connected.client.devops(org).await?.is_collection_admin().await };
        (org.clone(), fact(admin.await))
    }));
    let projects = join_all(reads.projects.iter().map(|(org, project)| async move {
        let rights = async { connected.client.devops(org).await?.endpoint_rights(*project).await };
        let rights = rights.await.map(|(create, administer)| EndpointRights { create, administer });
        ((org.clone(), *project), fact(rights))
    }));
    let (users_can_register_apps, directory_roles, arm, collection_admin, endpoints) =
        futures::join!(policy, roles, scopes, organizations, projects);
    PermissionFacts {
        users_can_register_apps,
        directory_roles,
        arm: arm.into_iter().collect(),
        collection_admin: collection_admin.into_iter().collect::<BTreeMap<OrgName, _>>(),
        endpoints: endpoints.into_iter().collect::<BTreeMap<(OrgName, Guid), _>>(),
    }
}

/// A read that failed says why, with the service's own words and help line.
fn fact<T>(read: Result<T, AzureError>) -> Fact<T> {
    match read {
        Ok(value) => Fact::read(value),
        Err(error) => Fact::Unread { why: format!("{error} ({})", error.help()) },
    }
}
