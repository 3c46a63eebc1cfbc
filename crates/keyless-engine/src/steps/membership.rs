//! The membership step: makes the identity a user of an organization with an access level
//! and project groups. It sends only what differs (no request at all when everything
//! matches, groups alone when only groups are missing: a licence assigned by a group rule
//! refuses a direct change). Adding a member is an upsert that answers the same for a new and
//! an existing member, so a member counts as created by this run only when its creation time
//! proves it ([`crate::intent::Intent::could_have_created`]).

use keyless_azure::{AzureError, retry_until_replicated};
use keyless_core::{
    Guid,
    names::OrgName,
    observed::ObservedMembership,
    plan::{ProjectGroups, Step},
    setup::{AccessLevel, ProjectGroup},
};

use super::{StepEnv, create_confirmed, missing, record};
use crate::{
    error::EngineError,
    intent::IntentKind,
    journal::{CreatedResource, StepRecord},
    port::AzurePort,
    progress::StepOutcome,
};

/// What adding the member answered: its entitlement, and whether it is provably new.
struct Added {
    entitlement_id: Guid,
    new: bool,
}

pub(super) async fn run<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
    slot: usize,
    organization: &OrgName,
    access_level: AccessLevel,
    projects: &[ProjectGroups],
) -> Result<StepRecord, EngineError> {
    let az = |e| EngineError::azure(step.title.clone(), e);
    let principal = env.slot(slot).principal_id.ok_or_else(|| missing(step, "the identity's service principal"))?;
    let key = format!("{organization}/{principal}");
    let groups: Vec<(Guid, ProjectGroup)> =
        projects.iter().flat_map(|p| p.groups.iter().map(move |g| (p.project.id, g.clone()))).collect();
    let observed_projects =
        env.observed.organizations.get(organization).map(|o| o.projects.clone()).unwrap_or_default();
    let earlier = env.intent(step).filter(|i| i.names(IntentKind::Entitlement, &key));
    let existing = env.port.find_membership(organization, principal, &observed_projects).await.map_err(az)?;
    if let Some(found) = existing {
        let (outcome, detail) =
            bring_up_to_date(env, organization, principal, access_level, projects, &found).await.map_err(az)?;
        // A member an earlier attempt of this run added before it was interrupted, if its
        // creation time says so (the add is an upsert: it may have met someone else's member).
        let added_by_earlier_attempt = match &earlier {
            Some(intent) => {
                let created = env.port.membership_created(organization, found.entitlement_id).await.map_err(az)?;
                intent.could_have_created(created.as_deref(), env.options.clock_skew())
            }
            None => false,
        };
        if !added_by_earlier_attempt {
            return Ok(record(outcome, detail));
        }
        return Ok(StepRecord {
            created: vec![CreatedResource::Entitlement {
                organization: organization.clone(),
                entitlement_id: found.entitlement_id,
            }],
            ..record(StepOutcome::Created, format!("added to {organization} with {}", access_level.label()))
        });
    }
    let intent = env.intend(step, IntentKind::Entitlement, &key)?;
    let observer = env.observer(&step.id);
    let added = create_confirmed(
        env,
        || async {
            let added = retry_until_replicated(
                &env.options.consistency,
                &observer,
                &step.title,
                AzureError::is_replication_delay,
                || env.port.add_membership(organization, principal, access_level, &groups),
            )
            .await?;
            let new = intent.could_have_created(added.date_created.as_deref(), env.options.clock_skew());
            Ok(Added { entitlement_id: added.entitlement_id, new })
        },
        // Found after a lost answer: the add this step just sent made it.
        || async {
            let found = env.port.find_membership(organization, principal, &observed_projects).await?;
            Ok(found.map(|m| Added { entitlement_id: m.entitlement_id, new: true }))
        },
    )
    .await
    .map_err(az)?;
    if !added.new {
        // A read that lagged behind someone else's add: the upsert updated their member.
        return Ok(record(StepOutcome::Updated, format!("already in {organization}; now {}", access_level.label())));
    }
    Ok(StepRecord {
        created: vec![CreatedResource::Entitlement {
            organization: organization.clone(),
            entitlement_id: added.entitlement_id,
        }],
        ..record(StepOutcome::Created, format!("added to {organization} with {}", access_level.label()))
    })
}

/// Sends only the difference between the member found and the one wanted.
async fn bring_up_to_date<P: AzurePort>(
    env: &StepEnv<'_, P>,
    organization: &OrgName,
    principal: Guid,
    access_level: AccessLevel,
    projects: &[ProjectGroups],
    found: &ObservedMembership,
) -> Result<(StepOutcome, String), AzureError> {
    let missing_groups = missing_groups(found, projects);
    let label = access_level.label();
    if found.access_level == Some(access_level) {
        if missing_groups.is_empty() {
            return Ok((StepOutcome::Reused, format!("already in {organization} with {label} and every group")));
        }
        env.port.add_membership_groups(organization, found.entitlement_id, principal, &missing_groups).await?;
        return Ok((
            StepOutcome::Updated,
            format!("added to {} project group(s) in {organization}", missing_groups.len()),
        ));
    }
    let groups: Vec<(Guid, ProjectGroup)> =
        projects.iter().flat_map(|p| p.groups.iter().map(move |g| (p.project.id, g.clone()))).collect();
    env.port.update_membership(organization, found.entitlement_id, principal, access_level, &groups).await?;
    Ok((StepOutcome::Updated, format!("{label} in {organization}")))
}

/// The wanted project groups the member is not in yet, as (project id, group).
fn missing_groups(found: &ObservedMembership, projects: &[ProjectGroups]) -> Vec<(Guid, ProjectGroup)> {
    let mut missing = vec![];
    for wanted in projects {
        let have = found
            .project_groups
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&wanted.project.name))
            .map(|(_, groups)| groups.as_slice())
            .unwrap_or_default();
        for group in &wanted.groups {
            if !have.iter().any(|h| h.eq_ignore_ascii_case(group.display_name())) {
                missing.push((wanted.project.id, group.clone()));
            }
        }
    }
    missing
}
