//! What a pipeline runs: a project's one Git repository (`_apis/git/repositories/{id}`) and
//! build definitions (`_apis/build/definitions/{id}`): classic ones with the scenario's
//! `process.phases`, YAML ones with `process.yamlFilename`.
//!
//! Only what the impact check reads is modelled: no revisions, triggers, variables or
//! retention, no other repositories, no release definitions (another host, `vsrm`).

use axum::{http::StatusCode, response::Response};
use keyless_core::Guid;
use serde_json::json;

use super::wrapped_error;
use crate::{
    http::{self, Call},
    state::{Emulator, Pipeline},
};

/// The id of a project's repository: the one repository every project of the emulator has,
/// named like the project (as Azure DevOps names a new project's first repository).
fn repository_id(em: &Emulator, org: &str, project: Guid) -> Guid {
    em.world().ids.stable(&format!("repo:{org}:{project}"))
}

/// `GET {project}/_apis/git/repositories/{id}`: the project's repository by id or by name.
pub fn repository(em: &Emulator, call: &Call, org: &str, project: Guid) -> Response {
    let raw = call.seg(5).unwrap_or_default();
    let id = repository_id(em, org, project);
    let Some(project) = em.world().projects.iter().find(|p| p.organization == org && p.id == project).cloned() else {
        return super::core::project_not_found(&project.to_string());
    };
    if !raw.eq_ignore_ascii_case(&id.to_string()) && !raw.eq_ignore_ascii_case(&project.name) {
        return wrapped_error(
            StatusCode::NOT_FOUND,
            &format!(
                "TF401019: The Git repository with name or identifier {raw} does not exist or you do not have permissions for the operation you are attempting."
            ),
            "GitRepositoryNotFoundException",
        );
    }
    let url = format!("{}/ado/{org}/{}/_apis/git/repositories/{id}", em.base_url, project.id);
    http::json(
        StatusCode::OK,
        &json!({
            "id": id.to_string(),
            "name": project.name,
            "url": url,
            "project": {"id": project.id.to_string(), "name": project.name, "state": "wellFormed"},
            "defaultBranch": "refs/heads/main",
            "remoteUrl": format!("{}/ado/{org}/{}/_git/{}", em.base_url, project.name, project.name),
        }),
    )
}

/// `GET {project}/_apis/build/definitions/{id}`.
pub fn build_definition(em: &Emulator, call: &Call, org: &str, project: Guid) -> Response {
    let raw = call.seg(5).unwrap_or_default();
    let found: Option<Pipeline> = raw.parse::<u32>().ok().and_then(|id| {
        em.world().pipelines.iter().find(|p| p.organization == org && p.project == project && p.id == id).cloned()
    });
    let Some(pipeline) = found else {
        return wrapped_error(
            StatusCode::NOT_FOUND,
            &format!("Build pipeline {raw} was not found."),
            "DefinitionNotFoundException",
        );
    };
    let project_name = em.world().projects.iter().find(|p| p.id == project).map(|p| p.name.clone()).unwrap_or_default();
    let process = match &pipeline.classic_phases {
        Some(phases) => json!({"type": 1, "phases": phases}),
        None => json!({"type": 2, "yamlFilename": pipeline.path}),
    };
    http::json(
        StatusCode::OK,
        &json!({
            "id": pipeline.id,
            "name": pipeline.name,
            "path": pipeline.folder,
            "type": "build",
            "quality": "definition",
            "queueStatus": "enabled",
            "revision": 1,
            "process": process,
            "repository": {
                "id": pipeline.repository_id.to_string(),
                "name": project_name,
                "type": "TfsGit",
                "defaultBranch": "refs/heads/main",
            },
            "project": {"id": project.to_string(), "name": project_name},
            "url": format!("{}/ado/{org}/{project}/_apis/build/Definitions/{}?revision=1", em.base_url, pipeline.id),
        }),
    )
}
