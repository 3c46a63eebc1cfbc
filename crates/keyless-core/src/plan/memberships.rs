//! Planning the identity's organization memberships: the ones the setup lists, and the ones an
//! Azure DevOps connection needs that the setup leaves out. Connections themselves are planned
//! in `connections`; this module only makes sure their identity is a user where it must be.

use super::build::{Planner, principal_step};
use super::*;
use crate::{
    InputError,
    observed::{ObservedMembership, ObservedOrganization},
    setup::OrganizationSpec,
};

/// What the Azure DevOps connections placed on one identity need from one organization.
#[derive(Default)]
struct ConnectionNeeds<'s> {
    /// Names of the connections that need the organization, in setup order.
    connections: Vec<&'s str>,
    /// Projects they must be able to read there, in setup order.
    projects: Vec<&'s str>,
}

impl<'s> ConnectionNeeds<'s> {
    fn add(&mut self, connection: &'s str, project: Option<&'s str>) {
        if !self.connections.contains(&connection) {
            self.connections.push(connection);
        }
        if let Some(project) = project
            && !self.projects.iter().any(|p| p.eq_ignore_ascii_case(project))
        {
            self.projects.push(project);
        }
    }

    /// "the Azure DevOps connection sc-x" or "the Azure DevOps connections sc-x, sc-y".
    fn subject(&self) -> String {
        let plural = if self.connections.len() > 1 { "s" } else { "" };
        format!("the Azure DevOps connection{plural} {}", self.connections.join(", "))
    }

    fn verb(&self) -> &'static str {
        if self.connections.len() > 1 { "need" } else { "needs" }
    }
}

/// One membership step before it becomes a [`Step`].
struct PlannedMembership {
    organization: OrgName,
    access_level: AccessLevel,
    projects: Vec<ProjectGroups>,
    /// Why Keyless added something the setup did not list, shown after the title.
    added_note: Option<String>,
}

impl<'a> Planner<'a> {
    /// Plans the memberships of identity `slot`: every organization the setup lists, widened
    /// and completed with what its Azure DevOps connections need.
    pub(super) fn plan_memberships(
        &mut self,
        slot: usize,
        placements: &[(&'a ConnectionSpec, usize)],
    ) -> Result<(), InputError> {
        let mut needs: Vec<(OrgName, ConnectionNeeds<'a>)> = vec![];
        for (spec, _) in placements.iter().filter(|(_, placed)| *placed == slot) {
            for needed in spec.organizations_needing_membership() {
                let index = match needs.iter().position(|(org, _)| org == needed.organization) {
                    Some(index) => index,
                    None => {
                        needs.push((needed.organization.clone(), ConnectionNeeds::default()));
                        needs.len() - 1
                    }
                };
                needs[index].1.add(&spec.name, needed.project);
            }
        }
        let principal = self.plan.identities[slot].principal_id;
        let mut planned = vec![];
        for org in &self.setup.organizations {
            let found = self.organization(&org.name)?;
            let membership = principal.and_then(|p| found.memberships.get(&p));
            let connection_needs = needs.iter().find(|(name, _)| name == &org.name).map(|(_, n)| n);
            planned.push(self.listed_membership(org, found, membership, connection_needs)?);
        }
        for (name, connection_needs) in &needs {
            if self.setup.organizations.iter().any(|o| &o.name == name) {
                continue;
            }
            let found = self.organization(name)?;
            let membership = principal.and_then(|p| found.memberships.get(&p));
            planned.push(self.added_membership(slot, name, found, membership, connection_needs)?);
        }
        for membership in planned {
            let found = self.organization(&membership.organization)?;
            let observed = principal.and_then(|p| found.memberships.get(&p));
            self.push_membership(slot, membership, observed);
        }
        Ok(())
    }

    /// A membership the setup lists, with the connections' projects it leaves out added as
    /// Readers.
    fn listed_membership(
        &self,
        org: &OrganizationSpec,
        found: &'a ObservedOrganization,
        membership: Option<&ObservedMembership>,
        connection_needs: Option<&ConnectionNeeds<'a>>,
    ) -> Result<PlannedMembership, InputError> {
        let mut projects = vec![];
        for p in &org.projects {
            let project = self.project(&org.name, found, &p.name)?;
            projects.push(ProjectGroups {
                project: ProjectRef { id: project.id, name: project.name.clone() },
                groups: p.groups.clone(),
            });
        }
        let mut added_note = None;
        if let Some(connection_needs) = connection_needs {
            let added = self.missing_projects(&org.name, found, membership, &projects, &connection_needs.projects)?;
            if !added.is_empty() {
                let names: Vec<&str> = added.iter().map(|p| p.project.name.as_str()).collect();
                added_note = Some(format!(
                    "added {}: {} {} its identity to read {}",
                    names.iter().map(|n| format!("{n} (Readers)")).collect::<Vec<_>>().join(", "),
                    connection_needs.subject(),
                    connection_needs.verb(),
                    names.join(", ")
                ));
                projects.extend(added);
            }
        }
        Ok(PlannedMembership { organization: org.name.clone(), access_level: org.access_level, projects, added_note })
    }

    /// A membership the setup does not list but an Azure DevOps connection needs (Azure DevOps
    /// refuses the connection, or its TestConnection answers TF401444, without it). It asks
    /// for the least that works: Basic access, Stakeholder being too little for the connection
    /// type, and Readers in the project the connection lives in.
    ///
    /// In a target organization the setup names no project, so the identity joins with Basic
    /// access and no project group: guessing a project would grant access nobody asked for,
    /// and the plan warns that pipelines there read only what `[[organizations]]` grants.
    fn added_membership(
        &mut self,
        slot: usize,
        name: &OrgName,
        found: &'a ObservedOrganization,
        membership: Option<&ObservedMembership>,
        connection_needs: &ConnectionNeeds<'a>,
    ) -> Result<PlannedMembership, InputError> {
        // A higher level someone already granted is kept: lowering it is not ours to decide.
        let access_level = match membership.and_then(|m| m.access_level) {
            Some(level) if level != AccessLevel::Stakeholder => level,
            _ => AccessLevel::Basic,
        };
        let projects = self.missing_projects(name, found, membership, &[], &connection_needs.projects)?;
        let reads_no_project = connection_needs.projects.is_empty()
            && membership.is_none_or(|m| m.project_groups.values().all(|groups| groups.is_empty()));
        if reads_no_project {
            self.plan.warnings.push(format!(
                "{} joins {name} with Basic access but no project, so {} can reach {name} but read none of its projects; list the projects the pipelines read under [[organizations]] name = \"{name}\"",
                self.plan.identities[slot].display_name,
                connection_needs.connections.join(", ")
            ));
        }
        Ok(PlannedMembership {
            organization: name.clone(),
            access_level,
            projects,
            added_note: Some(format!(
                "added: {} {} its identity to be a user of {name}",
                connection_needs.subject(),
                connection_needs.verb()
            )),
        })
    }

    /// Readers in each project the connections need that neither `listed` nor the observed
    /// membership already gives the identity some group in.
    fn missing_projects(
        &self,
        org: &OrgName,
        found: &'a ObservedOrganization,
        membership: Option<&ObservedMembership>,
        listed: &[ProjectGroups],
        needed: &[&str],
    ) -> Result<Vec<ProjectGroups>, InputError> {
        let mut missing = vec![];
        for name in needed {
            let in_listed = listed.iter().any(|pg| pg.project.name.eq_ignore_ascii_case(name));
            let in_observed = membership.is_some_and(|m| {
                m.project_groups
                    .iter()
                    .any(|(project, groups)| project.eq_ignore_ascii_case(name) && !groups.is_empty())
            });
            if in_listed || in_observed {
                continue;
            }
            let project = self.project(org, found, name)?;
            missing.push(ProjectGroups {
                project: ProjectRef { id: project.id, name: project.name.clone() },
                groups: vec![ProjectGroup::Readers],
            });
        }
        Ok(missing)
    }

    fn push_membership(&mut self, slot: usize, planned: PlannedMembership, observed: Option<&ObservedMembership>) {
        let PlannedMembership { organization, access_level, projects, added_note } = planned;
        let action = match observed {
            None => Action::Create,
            Some(m) if m.access_level == Some(access_level) && has_groups(m, &projects) => Action::Reuse,
            Some(_) => Action::Update,
        };
        let name = self.plan.identities[slot].display_name.clone();
        let groups: Vec<String> = projects
            .iter()
            .map(|pg| {
                let names: Vec<&str> = pg.groups.iter().map(|g| g.display_name()).collect();
                format!("{} ({})", pg.project.name, names.join(", "))
            })
            .collect();
        let verb = match action {
            Action::Create => "Add",
            Action::Update => "Update",
            _ => "Keep",
        };
        let mut title = format!("{verb} {name} in organization {organization} with {} access", access_level.label());
        if !groups.is_empty() {
            title.push_str(&format!(" and project groups {}", groups.join("; ")));
        }
        if let Some(note) = added_note {
            title.push_str(&format!("; {note}"));
        }
        let deps = vec![principal_step(&self.plan, slot)];
        self.push(
            format!("member/{slot}/{organization}"),
            action,
            Operation::Membership { slot, organization: organization.clone(), access_level, projects },
            deps,
            title,
            format!("Project Collection Administrator in {organization}"),
        );
    }
}

/// Whether the observed membership already holds every group the step asks for.
fn has_groups(membership: &ObservedMembership, projects: &[ProjectGroups]) -> bool {
    projects.iter().all(|pg| {
        let have = membership
            .project_groups
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&pg.project.name))
            .map(|(_, g)| g);
        pg.groups.iter().all(|g| have.is_some_and(|h| h.iter().any(|x| x.eq_ignore_ascii_case(g.display_name()))))
    })
}
