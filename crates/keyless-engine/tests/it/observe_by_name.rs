//! Reading an organization's projects and connections with the setup's project names gives the
//! same answer as listing the projects and then reading each by id, whether a name is spelled
//! in another case, names no project, or is not a valid project name. Pipeline access is read
//! for the connections named, and only for them.

use keyless_core::names::OrgName;
use keyless_engine::port::AzurePort;

use crate::support::*;

#[tokio::test]
async fn reading_projects_by_name_observes_what_reading_by_id_does() {
    let world = world().await;
    let org = OrgName::parse("contoso").unwrap();
    let by_id_projects = world.port.projects(&org).await.unwrap();
    let every_name: Vec<String> = world
        .port
        .connections(&org, &by_id_projects, &[])
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name.to_ascii_uppercase())
        .collect();
    let by_id_connections = world.port.connections(&org, &by_id_projects, &every_name).await.unwrap();
    assert!(by_id_projects.iter().any(|p| p.name == "Shop"), "the demo's contoso has a Shop project");
    assert!(!by_id_connections.is_empty(), "the demo's contoso has connections");

    let before = world.em.requests().last().map_or(0, |r| r.sequence);
    let likely = ["SHOP".to_string(), "No Such Project".to_string(), "not/a name".to_string()];
    let (projects, connections) = world.port.projects_and_connections(&org, &likely, &every_name).await.unwrap();
    assert_eq!(projects, by_id_projects);
    assert_eq!(connections, by_id_connections);

    let paths: Vec<String> = world.em.requests().into_iter().filter(|r| r.sequence > before).map(|r| r.path).collect();
    assert!(
        paths.iter().any(|p| p.ends_with("/SHOP/_apis/pipelines")),
        "the named project is read by its name: {paths:#?}"
    );
    let shop = by_id_projects.iter().find(|p| p.name == "Shop").unwrap();
    assert!(
        !paths.iter().any(|p| p.ends_with(&format!("/{}/_apis/pipelines", shop.id))),
        "a project read by name is not read again by id: {paths:#?}"
    );
}

#[tokio::test]
async fn pipeline_access_is_read_only_for_the_connections_named() {
    let world = world().await;
    let org = OrgName::parse("contoso").unwrap();
    let projects = world.port.projects(&org).await.unwrap();
    let names: Vec<String> =
        world.port.connections(&org, &projects, &[]).await.unwrap().into_iter().map(|c| c.name).collect();
    let every = world.port.connections(&org, &projects, &names).await.unwrap();
    let authorized = every
        .iter()
        .find(|c| c.all_pipelines || !c.authorized_pipelines.is_empty())
        .expect("the demo's contoso has a connection some pipeline may use");
    assert!(every.len() > 1, "the demo's contoso has more than one connection");

    let before = world.em.requests().last().map_or(0, |r| r.sequence);
    let named = world.port.connections(&org, &projects, std::slice::from_ref(&authorized.name)).await.unwrap();
    let permission_reads = world
        .em
        .requests()
        .into_iter()
        .filter(|r| r.sequence > before && r.path.to_ascii_lowercase().contains("/pipelinepermissions/"))
        .count();
    assert_eq!(permission_reads, 1, "one connection named, one pipeline access read");
    let found = named.iter().find(|c| c.id == authorized.id).unwrap();
    assert_eq!(found, authorized, "the named connection has its pipeline access");
    for other in named.iter().filter(|c| c.id != authorized.id) {
        assert!(
            !other.all_pipelines && other.authorized_pipelines.is_empty(),
            "{} is listed without access",
            other.name
        );
    }
}
