//! No setup or migration file can make Keyless send a request to a host outside the selected
//! cloud profile: files with hostile values (URLs, hosts, `@`, `..`, encoded slashes,
//! organization names like `evil.com`) are either refused when read or planned with every
//! request on the demo cloud's origin. Planning reads every organization, project, identity
//! and connection a file names, so it makes every request a file can steer.
//!
//! Cases per run: `PROPTEST_CASES` (24 by default, each plans against the demo cloud;
//! `scripts/fuzz` runs many more).

use keyless_core::migration::parse_migration_toml;
use keyless_core::setup::parse_setup_toml;
use keyless_usecases::migration::plan_migration_file;
use keyless_usecases::{Cloud, DemoCloud, Method, runs};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::sentinel::{global_log, this_threads_lines};
use crate::support::{fast_demo, sign_in_to};

const HOSTILE: [&str; 22] = [
    "evil.com",
    "https://evil.com/x",
    "http://127.0.0.2:1/",
    "a@evil.com",
    "user:pass@evil.com",
    "../../evil.com",
    "..",
    ".",
    "%2F%2Fevil.com",
    "..%2F..%2Fevil.com",
    "//evil.com",
    "\\\\evil.com\\share",
    "contoso.evil.com",
    "contoso#@evil.com",
    "contoso?x=@evil.com",
    "evil.com:443",
    "[::1]",
    "contoso/../../evil.com",
    "https://dev.azure.com@evil.com/contoso",
    "https://evil.visualstudio.com",
    "contoso%00evil",
    "Shop/../../../_apis",
];

fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(HOSTILE.to_vec()).prop_map(String::from),
        (prop::sample::select(vec!["", "contoso", "Shop", "https://", "//"]), prop::sample::select(HOSTILE.to_vec()))
            .prop_map(|(prefix, host)| format!("{prefix}{host}")),
        "[a-zA-Z0-9./@:%?#\\\\-]{1,30}",
    ]
}

/// A TOML basic string (JSON's escapes are TOML's).
fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap()
}

#[derive(Debug, Clone)]
struct Names {
    identity: String,
    organization: String,
    project: String,
    connection: String,
    resource_group: String,
    pipeline: String,
    shared_with: String,
}

/// The demo's names with one or two of them replaced by hostile values, so most files get past
/// the validators that would refuse several at once and reach planning.
fn names() -> impl Strategy<Value = Names> {
    (0..7usize, hostile_value(), prop::option::of((0..7usize, hostile_value()))).prop_map(|(first, value, second)| {
        let mut fields: Vec<String> =
            ["kl-hostile", "contoso", "Shop", "sc-hostile", "rg-shop-prod", "shop-deploy", "Payments"]
                .map(String::from)
                .to_vec();
        fields[first] = value;
        if let Some((index, value)) = second {
            fields[index] = value;
        }
        let [identity, organization, project, connection, resource_group, pipeline, shared_with] =
            <[String; 7]>::try_from(fields).unwrap();
        Names { identity, organization, project, connection, resource_group, pipeline, shared_with }
    })
}

fn setup_text(n: &Names) -> String {
    format!(
        r#"
[identity]
kind = "app-registration"
name = {identity}

[[organizations]]
name = {organization}
projects = [{{ name = {project} }}]

[[connections]]
name = {connection}
organization = {organization}
project = {project}
type = "azure-rm"
scope = {{ subscription = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504", resource_group = {resource_group} }}
pipelines = [{pipeline}]
share_with = [{shared_with}]
"#,
        identity = quoted(&n.identity),
        organization = quoted(&n.organization),
        project = quoted(&n.project),
        connection = quoted(&n.connection),
        resource_group = quoted(&n.resource_group),
        pipeline = quoted(&n.pipeline),
        shared_with = quoted(&n.shared_with),
    )
}

fn migration_text(n: &Names) -> String {
    format!(
        r#"
[[connections]]
organization = {organization}
project = {project}
name = {connection}
id = "0b1c2d3e-4f5a-4b6c-8d7e-000000000021"
action = "replace-with-azure-devops-connection"
identity = {{ kind = "app-registration", name = {identity} }}
"#,
        organization = quoted(&n.organization),
        project = quoted(&n.project),
        connection = quoted(&n.connection),
        identity = quoted(&n.identity),
    )
}

/// The URLs of every request the transport started, from its `azure_request` spans.
fn requested_urls(log: &str) -> Vec<String> {
    log.match_indices("azure_request{")
        .filter_map(|(at, _)| {
            let span = &log[at..];
            let span = &span[..span.find('}').unwrap_or(span.len())];
            let url = span.split_once("url=")?.1;
            Some(url.split_whitespace().next().unwrap_or("").to_string())
        })
        .collect()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(24)
}

#[test]
fn no_setup_or_migration_file_sends_a_request_outside_the_cloud() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let log = global_log();
    let (demo, connected) = runtime.block_on(async {
        let demo = DemoCloud::start(&fast_demo()).await.unwrap();
        let connected = sign_in_to(&Cloud::demo(demo.profile()), Method::Browser).await.unwrap();
        (demo, connected)
    });
    let origin = demo.emulator().base_url();
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    let planned = std::cell::Cell::new(0u32);
    let outcome = runner.run(&names(), |names| {
        let already_logged = log.text().len();
        runtime.block_on(async {
            match parse_setup_toml("hostile.toml", &setup_text(&names)) {
                Ok(setup) => {
                    planned.set(planned.get() + 1);
                    drop(runs::plan(&connected, &setup).await)
                }
                Err(refused) => assert!(!refused.help.is_empty(), "{refused}"),
            }
            match parse_migration_toml("hostile-migration.toml", &migration_text(&names)) {
                Ok(file) => {
                    planned.set(planned.get() + 1);
                    drop(plan_migration_file(&connected, &file).await)
                }
                Err(refused) => assert!(!refused.help.is_empty(), "{refused}"),
            }
        });
        let text = log.text();
        let elsewhere: Vec<String> = requested_urls(&this_threads_lines(&text[already_logged..]))
            .into_iter()
            .filter(|url| !url.starts_with(&origin))
            .collect();
        if elsewhere.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(format!("requests outside {origin}: {elsewhere:?}")))
        }
    });
    outcome.unwrap();
    assert!(planned.get() >= cases() / 2, "only {} of {} files reached planning", planned.get(), 2 * cases());
    assert!(!requested_urls(&this_threads_lines(&log.text())).is_empty(), "the plans made requests");
}
