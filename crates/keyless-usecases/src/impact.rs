//! The impact check over the live estate: reads the YAML and classic build definitions of the
//! pipelines that may use each connection (its authorized pipelines, or every pipeline of its
//! projects when it is open to all), each pipeline once and concurrently, and judges them with
//! `keyless_core::impact`. Also the YAML patches that point pipelines at a replacement
//! connection.
//!
//! Nothing is written to Azure or to disk here. Release definitions are not read (see
//! `keyless_azure::devops` definitions): Azure DevOps does not name them among a connection's
//! authorized pipelines.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;
use keyless_azure::{AzureError, devops::DevOpsClient};
use keyless_core::{
    Guid,
    impact::{ConnectionImpact, Finding, analyze_classic, analyze_yaml},
    inventory::InventoriedConnection,
    migration::{rename_connection_inputs, unified_patch},
    names::OrgName,
};

use crate::{Connected, UseCaseError};

/// One repository's change: a unified diff (`git apply`-able, `a/` and `b/` paths) of every
/// pipeline file in it that names the old connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelinePatch {
    /// The repository's name.
    pub repository: String,
    /// A file name to save the diff under, e.g. `Shop-use-shop-nuget-feed-wif.patch`.
    pub file_name: String,
    pub diff: String,
    /// The pipelines whose YAML the diff changes, by name.
    pub pipelines: Vec<String>,
}

/// The patches that make the YAML of `pipeline_ids` (in `project`) name `new_name` wherever a
/// connection input names `old_name`: one per repository, none for a repository with nothing
/// to change. Classic pipelines and pipelines whose YAML file is gone have no YAML to patch and
/// are left out.
pub async fn pipeline_patches(
    connected: &Connected,
    organization: &OrgName,
    project: &str,
    pipeline_ids: &[u64],
    old_name: &str,
    new_name: &str,
) -> Result<Vec<PipelinePatch>, UseCaseError> {
    let devops = connected.client.devops(organization).await?;
    let mut ids = pipeline_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let read = join_all(ids.iter().map(|id| yaml_of(&devops, project, *id))).await;
    // Repository id -> file path -> the file's change.
    let mut changed: BTreeMap<String, BTreeMap<String, ChangedFile>> = BTreeMap::new();
    for found in read {
        let Some(file) = found? else { continue };
        let rewrite = rename_connection_inputs(&file.text, old_name, new_name);
        if rewrite.replaced == 0 {
            continue;
        }
        let files = changed.entry(file.repository_id).or_default();
        let changed_file = files.entry(file.path).or_insert_with(|| ChangedFile {
            original: file.text,
            rewritten: rewrite.text,
            pipelines: vec![],
        });
        changed_file.pipelines.push(file.pipeline_name);
    }
    let mut patches = vec![];
    for (repository_id, files) in changed {
        let repository = devops
            .repository(project, &repository_id)
            .await?
            .map(|repository| repository.name)
            .unwrap_or_else(|| repository_id.clone());
        let mut diff = String::new();
        let mut pipelines = vec![];
        for (path, file) in files {
            diff.push_str(&unified_patch(&path, &file.original, &file.rewritten));
            pipelines.extend(file.pipelines);
        }
        pipelines.sort();
        pipelines.dedup();
        let file_name = format!("{}-use-{}.patch", file_name_part(&repository), file_name_part(new_name));
        patches.push(PipelinePatch { repository, file_name, diff, pipelines });
    }
    Ok(patches)
}

/// One YAML file before and after the rewrite, and the pipelines that run it.
struct ChangedFile {
    original: String,
    rewritten: String,
    pipelines: Vec<String>,
}

/// A pipeline's YAML file as read.
struct YamlFile {
    pipeline_name: String,
    repository_id: String,
    path: String,
    text: String,
}

/// The YAML of one pipeline; `None` for a classic pipeline or a missing pipeline or file.
async fn yaml_of(devops: &DevOpsClient, project: &str, pipeline_id: u64) -> Result<Option<YamlFile>, AzureError> {
    let Some(pipeline) = devops.pipeline(project, pipeline_id).await? else { return Ok(None) };
    let Some((repository_id, path)) = pipeline.yaml_file() else { return Ok(None) };
    let text = devops.repository_file(project, repository_id, path).await?;
    Ok(text.map(|text| YamlFile {
        pipeline_name: pipeline.name.clone(),
        repository_id: repository_id.to_owned(),
        path: path.to_owned(),
        text,
    }))
}

/// Letters, digits, `.`, `_` and `-` kept; anything else becomes `-`.
fn file_name_part(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' }).collect()
}

/// The impact of migrating each of `connections`, keyed by connection id: every pipeline that
/// may use it (its authorized pipelines in its owning project, or every pipeline of its
/// projects when it is open to all) is read once and analysed for all the connections that
/// may use it.
pub async fn check_impact(
    connected: &Connected,
    connections: &[&InventoriedConnection],
) -> BTreeMap<Guid, ConnectionImpact> {
    let organizations: BTreeSet<&str> = connections.iter().map(|c| c.organization.as_str()).collect();
    let clients = join_all(organizations.into_iter().map(|org| async move {
        let client = match OrgName::parse(org) {
            Ok(name) => connected.client.devops(&name).await.map_err(ClientUnavailable::Azure),
            Err(error) => Err(ClientUnavailable::Name(error)),
        };
        (org.to_owned(), client)
    }))
    .await;
    let clients: BTreeMap<String, Result<DevOpsClient, ClientUnavailable>> = clients.into_iter().collect();

    let uses = pipelines_per_connection(&clients, connections).await;
    let mut wanted: BTreeMap<PipelineKey, Vec<&InventoriedConnection>> = BTreeMap::new();
    for (connection, pipelines) in connections.iter().zip(&uses) {
        for key in pipelines.iter().flatten() {
            wanted.entry(key.clone()).or_default().push(connection);
        }
    }
    let analysed = join_all(wanted.iter().map(|(key, users)| {
        let client = clients.get(&key.organization).and_then(|c| c.as_ref().ok());
        async move { (key.clone(), analyse_pipeline(client, key, users).await) }
    }))
    .await;
    let analysed: BTreeMap<PipelineKey, Result<Vec<Finding>, Unread>> = analysed.into_iter().collect();

    connections
        .iter()
        .zip(uses)
        .map(|(connection, pipelines)| {
            let impact = match pipelines {
                Err(unread) => ConnectionImpact::NotRead { reason: unread.to_string() },
                Ok(pipelines) => impact_of(connection, &pipelines, &analysed),
            };
            (connection.id, impact)
        })
        .collect()
}

/// Why an organization's Azure DevOps client could not be made.
#[derive(Debug, thiserror::Error)]
enum ClientUnavailable {
    #[error("{0}")]
    Name(keyless_core::InputError),
    #[error("{0}")]
    Azure(AzureError),
}

/// Why a connection's pipelines could not be checked; shown as written in the plan.
#[derive(Debug, thiserror::Error)]
enum Unread {
    #[error("organization {organization} could not be read: {detail}")]
    Organization { organization: String, detail: String },
    #[error("organization {organization} was not read")]
    OrganizationNotRead { organization: String },
    #[error("the pipelines of project {project} could not be listed: {source}")]
    Pipelines { project: String, source: AzureError },
    #[error("pipeline {id} in {organization}/{project}: {what}")]
    Pipeline { id: u64, organization: String, project: String, what: PipelineProblem },
    #[error("pipeline {id} was not read")]
    PipelineNotRead { id: u64 },
}

/// What was wrong with one pipeline's definition.
#[derive(Debug, thiserror::Error)]
enum PipelineProblem {
    #[error("its organization could not be read")]
    OrganizationUnreadable,
    #[error("{0}")]
    Azure(AzureError),
    #[error("it no longer exists")]
    Gone,
    #[error("its YAML file {0} was not found")]
    YamlFileMissing(String),
    #[error("{text} ({help})")]
    Yaml { text: String, help: String },
    #[error("its build definition was not found")]
    DefinitionMissing,
}

/// A pipeline of one project of one organization.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct PipelineKey {
    organization: String,
    project: String,
    id: u64,
}

/// For each connection, the pipelines that may use it, or why they could not be listed.
async fn pipelines_per_connection(
    clients: &BTreeMap<String, Result<DevOpsClient, ClientUnavailable>>,
    connections: &[&InventoriedConnection],
) -> Vec<Result<Vec<PipelineKey>, Unread>> {
    join_all(connections.iter().map(|connection| async move {
        let key = |project: &str, id: u64| PipelineKey {
            organization: connection.organization.clone(),
            project: project.to_owned(),
            id,
        };
        if !connection.all_pipelines {
            return Ok(connection.authorized_pipelines.iter().map(|id| key(&connection.owning_project, *id)).collect());
        }
        let client = match clients.get(&connection.organization) {
            Some(Ok(client)) => client,
            Some(Err(reason)) => {
                return Err(Unread::Organization {
                    organization: connection.organization.clone(),
                    detail: reason.to_string(),
                });
            }
            None => return Err(Unread::OrganizationNotRead { organization: connection.organization.clone() }),
        };
        let mut keys = vec![];
        for project in &connection.projects {
            let listed = client
                .pipelines(project)
                .await
                .map_err(|source| Unread::Pipelines { project: project.clone(), source })?;
            keys.extend(listed.into_iter().map(|pipeline| key(project, pipeline.id)));
        }
        Ok(keys)
    }))
    .await
}

/// Every finding of one pipeline for the connections that may use it, each location prefixed
/// with the pipeline's name; or why it could not be read.
async fn analyse_pipeline(
    client: Option<&DevOpsClient>,
    key: &PipelineKey,
    users: &[&InventoriedConnection],
) -> Result<Vec<Finding>, Unread> {
    let unread = |what: PipelineProblem| Unread::Pipeline {
        id: key.id,
        organization: key.organization.clone(),
        project: key.project.clone(),
        what,
    };
    let client = client.ok_or_else(|| unread(PipelineProblem::OrganizationUnreadable))?;
    let pipeline = client
        .pipeline(&key.project, key.id)
        .await
        .map_err(|e| unread(PipelineProblem::Azure(e)))?
        .ok_or_else(|| unread(PipelineProblem::Gone))?;
    let name = pipeline.name.clone();
    let findings = match pipeline.yaml_file() {
        Some((repository_id, path)) => {
            let text = client
                .repository_file(&key.project, repository_id, path)
                .await
                .map_err(|e| unread(PipelineProblem::Azure(e)))?
                .ok_or_else(|| unread(PipelineProblem::YamlFileMissing(path.to_owned())))?;
            let names: Vec<&str> = users.iter().map(|c| c.name.as_str()).collect();
            analyze_yaml(&text, &names)
                .map_err(|e| unread(PipelineProblem::Yaml { text: e.to_string(), help: e.help().to_string() }))?
        }
        None => {
            let definition = client
                .build_definition(&key.project, key.id)
                .await
                .map_err(|e| unread(PipelineProblem::Azure(e)))?
                .ok_or_else(|| unread(PipelineProblem::DefinitionMissing))?;
            let ids: Vec<Guid> = users.iter().map(|c| c.id).collect();
            analyze_classic(&definition, &ids)
        }
    };
    Ok(findings
        .into_iter()
        .map(|finding| Finding { location: format!("{name}: {}", finding.location), ..finding })
        .collect())
}

/// One connection's findings across its pipelines, or the first reason one could not be read.
fn impact_of(
    connection: &InventoriedConnection,
    pipelines: &[PipelineKey],
    analysed: &BTreeMap<PipelineKey, Result<Vec<Finding>, Unread>>,
) -> ConnectionImpact {
    let id = connection.id.to_string();
    let mut findings = vec![];
    for key in pipelines {
        match analysed.get(key) {
            Some(Ok(found)) => findings.extend(
                found
                    .iter()
                    .filter(|f| f.connection.eq_ignore_ascii_case(&connection.name) || f.connection == id)
                    .cloned()
                    .map(|f| Finding { connection: connection.name.clone(), ..f }),
            ),
            Some(Err(unread)) => return ConnectionImpact::NotRead { reason: unread.to_string() },
            None => {
                return ConnectionImpact::NotRead { reason: Unread::PipelineNotRead { id: key.id }.to_string() };
            }
        }
    }
    ConnectionImpact::Checked { findings }
}
