//! Explains one recognised failure: its cause in one sentence, the evidence the text gives, and
//! the fix in steps, worded for both the CLI and the desktop app (no command or button names).
//!
//! The explanation comes from the text only: it does not look at the live state in Azure.

use keyless_azure::Meaning;
use serde::Serialize;

use super::pasted_log::{Facts, IssuerKind, RecognisedFailure, SubjectKind};

/// The audience every workload identity federation credential uses.
const FEDERATION_AUDIENCE: &str = "api://AzureADTokenExchange";

/// One failure, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    #[serde(flatten)]
    pub failure: RecognisedFailure,
    /// Why it failed, in one sentence.
    pub cause: String,
    /// What the text shows, one fact per sentence.
    pub evidence: Vec<String>,
    /// What to do, in order.
    pub fix: Vec<String>,
}

pub fn explain(failure: &RecognisedFailure) -> Explanation {
    let facts = &failure.facts;
    let (cause, fix) = cause_and_fix(failure.code, facts);
    let fix = if fix.is_empty() { vec![capitalised(failure.help)] } else { fix };
    Explanation { failure: failure.clone(), cause, evidence: evidence(failure), fix }
}

fn cause_and_fix(code: &str, facts: &Facts) -> (String, Vec<String>) {
    let subject = facts.subject.as_ref().map_or("the subject the service connection shows".to_string(), |subject| {
        format!("the subject {}", subject.value)
    });
    let steps = |steps: &[&str]| steps.iter().map(|step| step.to_string()).collect::<Vec<_>>();
    match code {
        "AADSTS70021" => {
            if facts.issuer.as_ref().is_some_and(|issuer| issuer.kind == IssuerKind::Retired) {
                return (
                    "The pipeline presented a token from the retired issuer app.vstoken.visualstudio.com, which no federated credential can match.".into(),
                    steps(&[
                        "Edit and save the service connection so Azure DevOps gives it a current issuer.",
                        "Create a federated credential on the identity with the issuer and subject the connection now shows.",
                    ]),
                );
            }
            (
                "No federated credential on the identity matches both the issuer and the subject of the pipeline's token.".into(),
                vec![
                    "Open the service connection and read its issuer and subject.".into(),
                    format!("Compare them character by character, case included, with the identity's federated credentials; {subject} must appear exactly."),
                    "If the organization, project or connection was renamed, update the credential's subject to the new name.".into(),
                    "If the credential was created minutes ago, wait a few minutes for it to replicate and run the pipeline again.".into(),
                ],
            )
        }
        "AADSTS700211" => (
            "No federated credential on the identity has the issuer the pipeline's token carries.".into(),
            steps(&[
                "Read the issuer the service connection shows now (it changes when the connection moves to the Entra issuer).",
                "Add a federated credential with that issuer and the connection's subject, or correct the existing one.",
            ]),
        ),
        "AADSTS700213" => (
            "A federated credential has the right issuer but none has the subject of the pipeline's token, often after a rename.".into(),
            vec![
                format!("Compare {subject} with the subject of each federated credential on the identity, case included."),
                "Update the credential's subject from the connection's workloadIdentityFederationSubject.".into(),
            ],
        ),
        "AADSTS7002138" => (
            "A federated credential's subject matches the token's subject only when letter case is ignored; Entra compares case-sensitively.".into(),
            vec![format!(
                "Copy {subject} verbatim, with its exact upper and lower case, into the federated credential's subject."
            )],
        ),
        "AADSTS70025" => (
            "The identity has no federated credentials at all, or the one just created has not reached Entra yet.".into(),
            steps(&[
                "If the credential was created minutes ago, wait a few minutes and run the pipeline again.",
                "Otherwise create a federated credential on the identity with the issuer and subject the service connection shows.",
            ]),
        ),
        "AADSTS70052" => (
            "The identity is a multitenant app registration, which the Entra issuer does not accept.".into(),
            steps(&[
                "Use a single-tenant app registration (sign-in audience AzureADMyOrg) or a managed identity.",
                "If one connection must reach several tenants, use one connection per tenant.",
            ]),
        ),
        "AADSTS700016" => (
            "Entra found no application with this client id in the tenant: it was deleted, never existed there, or the connection holds a wrong id.".into(),
            steps(&[
                "Check the service connection's client id: it must be the application (client) id, not an object id.",
                "Check the tenant the connection names is the identity's tenant.",
                "If the app was created minutes ago, wait a minute for it to replicate.",
            ]),
        ),
        "AADSTS7000229" => (
            "The application has no service principal (enterprise application) in this tenant.".into(),
            steps(&[
                "Create the application's service principal in the tenant.",
                "If it was created minutes ago, wait a minute for it to replicate.",
            ]),
        ),
        "AADSTS700223" | "AADSTS700238" => (
            "The Entra tenant restricts workload identity federation, so it refuses tokens from this organization's issuer.".into(),
            steps(&[
                "Ask the tenant administrator to allow workload identity federation for this Azure DevOps organization.",
                "Or use a managed identity, which tenant policies may still allow.",
            ]),
        ),
        "AADSTS900382" => (
            "This sovereign cloud blocks workload identity federation across clouds.".into(),
            steps(&["Use an identity from the same cloud as the Azure DevOps organization."]),
        ),
        "AADSTS7000215" | "AADSTS7000222" => (
            "The service connection authenticates with a client secret that is wrong or expired.".into(),
            steps(&[
                "Convert the service connection to workload identity federation, which keeps its id, permissions and checks and needs no secret.",
            ]),
        ),
        "AADSTS700024" => (
            "The pipeline's federation token expired before the task used it: app registration tokens live about an hour.".into(),
            steps(&[
                "If the job fails after about an hour, use a managed identity for the connection: its tokens live about 24 hours.",
                "If it fails earlier, request Azure tokens at the start of the script so later commands reuse them.",
            ]),
        ),
        "TF401444" => (
            "The identity is not a user of the Azure DevOps organization, so Azure DevOps refuses it.".into(),
            steps(&[
                "Add the identity to the organization as a service principal user (with the service principal's object id) and at least a Basic licence.",
                "If it was added minutes ago, wait a few minutes for the membership to take effect.",
            ]),
        ),
        "VS800075" => (
            "The identity is a user of the organization but has no access to the project.".into(),
            steps(&["Add the identity to a group of the project, such as Readers."]),
        ),
        "does not have access to Azure DevOps organization" => (
            "The identity is not a user of the target Azure DevOps organization.".into(),
            steps(&[
                "Add the identity to the target organization with at least a Basic licence.",
                "Add it to a group of the project it needs, such as Readers.",
            ]),
        ),
        "VS403283" => (
            "Azure DevOps does not know the identity yet: it was created moments ago and has not replicated.".into(),
            steps(&["Wait a minute or two and try again."]),
        ),
        "saved as draft" => (
            "The account that created the connection cannot write credentials on the identity, so Azure DevOps saved the connection as a draft.".into(),
            steps(&[
                "Send the identity's owner the issuer and subject the draft connection shows.",
                "The owner creates the federated credential on the identity with exactly that issuer and subject.",
                "Then finish the draft connection.",
            ]),
        ),
        "Authorization_RequestDenied" => (
            "The signed-in account lacks the Entra permission for this, for example creating app registrations, which the tenant may have disabled.".into(),
            steps(&[
                "Ask a tenant administrator for the Application Developer role (to create apps) or Application Administrator role.",
                "Or use a managed identity or an existing app registration you own.",
            ]),
        ),
        "Could not fetch access token for Azure" => (
            "The pipeline task does not support workload identity federation.".into(),
            steps(&["Use a task version that supports workload identity federation, or call Azure from an AzureCLI task."]),
        ),
        "Failed to obtain the JSON Web Token" => (
            "The task could not get a federation token: the identity's credentials do not match the connection, or the tenant blocks OpenID Connect.".into(),
            steps(&[
                "Compare the connection's issuer and subject with the identity's federated credentials exactly.",
                "Ask the tenant administrator whether a policy blocks workload identity federation.",
            ]),
        ),
        "unrecognized arguments: --federated-token" => (
            "The agent's Azure CLI is older than 2.30 and cannot sign in with a federation token.".into(),
            steps(&["Install Azure CLI 2.30 or later on the agent."]),
        ),
        "Failed to create service principal with object ID" => (
            "Azure DevOps was given an object id that is not a service principal's, usually the app registration's object id.".into(),
            steps(&["Use the object id shown on the identity's enterprise application (its service principal)."]),
        ),
        "needs the following permission(s) on the resource Users" => (
            "The account adding the identity to the organization may not add users.".into(),
            steps(&[
                "Ask a Project Collection Administrator to add the identity, or to assign its licence.",
            ]),
        ),
        _ => (generic_cause(code), Vec::new()),
    }
}

fn generic_cause(code: &str) -> String {
    let meaning = keyless_azure::behaviour::lookup(code).map(|known| known.meaning);
    match meaning {
        Some(Meaning::Replicating) => "Something created moments ago has not reached this service yet.".into(),
        Some(Meaning::Propagating) => "A change made recently is not in effect yet.".into(),
        Some(Meaning::Forbidden) => "The identity or account is not allowed to do this.".into(),
        Some(Meaning::Conflict) => "What was being created already exists.".into(),
        Some(Meaning::Throttled) => "The service is rate-limiting these requests.".into(),
        Some(Meaning::SignInRequired) => "The sign-in is missing, expired or not accepted here.".into(),
        Some(Meaning::NotFound) => "What the request names was not found, or the identity cannot see it.".into(),
        Some(Meaning::Misconfigured) | None => "The configuration does not match what the service expects.".into(),
    }
}

fn evidence(failure: &RecognisedFailure) -> Vec<String> {
    let facts = &failure.facts;
    let mut evidence = Vec::new();
    let what =
        if failure.code.contains(' ') { format!("The message \"{}\"", failure.code) } else { failure.code.to_string() };
    evidence.push(match (failure.mentions, failure.recognised_by_phrase) {
        (1, None) => format!("{what} appears on line {}.", failure.line),
        (n, None) => format!("{what} appears {n} times, first on line {}.", failure.line),
        (_, Some(phrase)) => format!(
            "Line {} says \"{phrase}\", which is what {} means, though the code itself is not there.",
            failure.line, failure.code
        ),
    });
    if let Some(issuer) = &facts.issuer {
        evidence.push(match issuer.kind {
            IssuerKind::AzureDevOps => {
                format!("The token's issuer {} is the Azure DevOps issuer, which retires on 1 July 2027.", issuer.url)
            }
            IssuerKind::Entra => format!("The token's issuer {} is the Entra issuer.", issuer.url),
            IssuerKind::Retired => format!("The token's issuer {} is retired.", issuer.url),
            IssuerKind::Other => format!("The token's issuer is {}.", issuer.url),
        });
    }
    if let Some(subject) = &facts.subject {
        evidence.push(match subject.kind {
            SubjectKind::AzureDevOps => format!(
                "The token's subject {} uses the Azure DevOps issuer format, built from the organization, project and connection names: renaming any of them changes it, and the credential must match it exactly, case-sensitively.",
                subject.value
            ),
            SubjectKind::Entra => format!(
                "The token's subject {} uses the Entra issuer format, built from ids: renames do not change it, and the credential must match it exactly.",
                subject.value
            ),
        });
    }
    if let Some(audience) = &facts.audience
        && audience != FEDERATION_AUDIENCE
    {
        evidence.push(format!(
            "The audience {audience} is not {FEDERATION_AUDIENCE}, the audience workload identity federation uses."
        ));
    }
    let named = [
        (&facts.client_id, "The application (client) id is"),
        (&facts.tenant_id, "The tenant is"),
        (&facts.organization_id, "The Azure DevOps organization id is"),
        (&facts.connection_id, "The service connection id is"),
        (&facts.identity_name, "The identity is"),
    ];
    evidence.extend(named.iter().filter_map(|(value, lead)| value.as_ref().map(|value| format!("{lead} {value}."))));
    let place = [
        facts.organization.as_ref().map(|org| format!("organization {org}")),
        facts.project.as_ref().map(|project| format!("project {project}")),
        facts.connection.as_ref().map(|connection| format!("connection {connection}")),
    ];
    let place: Vec<String> = place.into_iter().flatten().collect();
    if !place.is_empty() {
        evidence.push(format!("It concerns {}.", place.join(", ")));
    }
    if facts.is_empty() {
        evidence.push("The text names no issuer, subject or identity next to it.".into());
    }
    evidence
}

fn capitalised(help: &str) -> String {
    let mut chars = help.chars();
    chars.next().map_or_else(String::new, |first| format!("{}{}.", first.to_uppercase(), chars.as_str()))
}
