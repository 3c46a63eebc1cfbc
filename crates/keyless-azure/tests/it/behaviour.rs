//! The table of service codes: every code is found by name and inside the messages users see,
//! and `ErrorCode`, replication delays and wait reasons all read it the same way.

use std::collections::HashSet;

use keyless_azure::behaviour::{KNOWN_CODES, find_in_text, lookup};
use keyless_azure::{AzureError, ErrorCode, Meaning, Service, ServiceError, WaitReason};

/// One realistic message per code, as TestConnection, a pipeline log or a response body shows it.
const SAMPLES: &[(&str, &str)] = &[
    ("VS403283", "(VS403283) Could not add user '8c1e0b5a-2f4d-4c4e-9a43-5f1b2f0c7d11' at this time."),
    (
        "PrincipalNotFound",
        r#"{"error":{"code":"PrincipalNotFound","message":"Principal 8c1e0b5a does not exist in the directory 72f988bf. Check that you have the correct principal ID."}}"#,
    ),
    (
        "does not reference a valid application object",
        "The appId 'a1b2c3d4-0000-0000-0000-000000000000' of the service principal does not reference a valid application object.",
    ),
    (
        "backing application of the service principal being created must",
        "When using this permission, the backing application of the service principal being created must in the local tenant",
    ),
    (
        "AADSTS70021",
        "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: https://login.microsoftonline.com/XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX. Assertion Subject: sc://<org>/<project>/<service-connection>.",
    ),
    ("AADSTS700211", "AADSTS700211: No matching federated identity record found for presented assertion issuer"),
    ("AADSTS700213", "AADSTS700213: No matching federated identity record found for presented assertion subject"),
    ("AADSTS70025", "AADSTS70025: Client application has no configured federated identity credentials"),
    (
        "AADSTS7002138",
        "AADSTS7002138: No matching federated identity record found for presented assertion subject; the subject matches only case-insensitively.",
    ),
    ("AADSTS70052", "AADSTS70052: The identity must be a managed identity, a single tenant app, or a service account"),
    (
        "AADSTS700223",
        "AADSTS700223 Workload identity federation is constrained or disabled on the Microsoft Entra tenant.",
    ),
    ("AADSTS700238", "Microsoft Entra rejected the token issued by Azure DevOps with error code AADSTS700238"),
    ("AADSTS900382", "AADSTS900382: Confidential Client is not supported in Cross Cloud"),
    ("AADSTS700016", "AADSTS700016: Application with identifier '****' wasn't found"),
    (
        "AADSTS7000229",
        "AADSTS7000229: The client application 5f1b2f0c is missing service principal in the tenant 72f988bf.",
    ),
    ("AADSTS7000215", "AADSTS7000215: Invalid client secret provided."),
    ("AADSTS7000222", "AADSTS7000222: The provided client secret keys for app '5f1b2f0c' are expired."),
    ("AADSTS700024", "AADSTS700024: Client assertion is not within its valid time range"),
    (
        "AADSTS28000",
        "AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource.",
    ),
    (
        "AADSTS50020",
        "AADSTS50020: User account 'ada@contoso.com' from identity provider 'live.com' does not exist in tenant 'Fabrikam'.",
    ),
    ("AADSTS65001", "AADSTS65001: The user or administrator has not consented to use the application with ID 'x'."),
    ("AADSTS700082", "AADSTS700082: The refresh token has expired due to inactivity."),
    ("AADSTS70043", "AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency checks."),
    (
        "AADSTS50173",
        "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.",
    ),
    ("AADSTS50076", "AADSTS50076: you must use multi-factor authentication to access '499b84ac'."),
    ("AADSTS50079", "AADSTS50079: you must enroll in multi-factor authentication to access '499b84ac'."),
    (
        "Authorization_RequestDenied",
        r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
    ),
    (
        "AuthorizationFailed",
        r#"Failed to query service connection API: 'https://management.azure.com/subscriptions/0000?api-version=2016-06-01'. Status Code: 'Forbidden', Response from server: '{"error":{"code":"AuthorizationFailed","message":"The client '5f1b2f0c' does not have authorization to perform action 'Microsoft.Resources/subscriptions/read'."}}'"#,
    ),
    (
        "SubscriptionNotFound",
        r#"Status Code: 'NotFound', Response from server: '{"error":{"code":"SubscriptionNotFound","message":"The subscription '0000' could not be found."}}'"#,
    ),
    (
        "RoleAssignmentExists",
        r#"{"error":{"code":"RoleAssignmentExists","message":"The role assignment already exists."}}"#,
    ),
    (
        "Request_MultipleObjectsWithSameKeyValue",
        r#"{"error":{"code":"Request_MultipleObjectsWithSameKeyValue","message":"FederatedIdentityCredential with name keyless already exists."}}"#,
    ),
    (
        "InvalidFederatedIdentityCredentialValue",
        r#"{"error":{"code":"InvalidFederatedIdentityCredentialValue","message":"A credential with this issuer and subject already exists."}}"#,
    ),
    (
        "TF401444",
        r"ERROR: TF401444: Please sign-in at least once as 72f988bf-86f1-41af-91ab-2d7cd011db47\72f988bf-86f1-41af-91ab-2d7cd011db47\115c3ab3-943b-4e0c-96ed-1a1763fbaa44 in a web browser to enable access to the service.",
    ),
    (
        "VS800075",
        "VS800075: The project with id 'vstfs:///Classification/TeamProject/00000000-0000-00000000-000000000000' does not exist, or you do not have permission to access it.",
    ),
    (
        "does not have access to Azure DevOps organization",
        "The Managed Identity / Service Principal keyless-ci does not have access to Azure DevOps organization fabrikam.",
    ),
    (
        "TF400733",
        "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'x' in namespace 'y'.",
    ),
    ("TF400813", "TF400813: The user 'aadsp:5f1b2f0c' is not authorized to access this resource."),
    (
        "saved as draft",
        "You don't have permission to the selected identity. Service connection is saved as draft. To complete the configuration, contact the owner of the identity.",
    ),
    (
        "Could not fetch access token for Azure",
        "Could not fetch access token for Azure. Verify if the Service Principal used is valid and not expired.",
    ),
    (
        "Failed to obtain the JSON Web Token",
        "Failed to obtain the JSON Web Token (JWT) using service principal client ID. Error: x",
    ),
    (
        "unrecognized arguments: --federated-token",
        "Script failed with error: UnrecognizedArgumentError: unrecognized arguments: --federated-token",
    ),
    (
        "Failed to create service principal with object ID",
        "Failed to create service principal with object ID '6b1f0c2a-0000-0000-0000-000000000000'",
    ),
    (
        "needs the following permission(s) on the resource Users",
        "Access Denied: 6b1f0c2a needs the following permission(s) on the resource Users to perform this action: Add Users",
    ),
    ("invalid_grant", r#"{"error":"invalid_grant","error_description":"The refresh token is malformed."}"#),
    ("interaction_required", r#"{"error":"interaction_required","error_description":"The grant requires a user."}"#),
    ("consent_required", r#"{"error":"consent_required","error_description":"The user has not consented."}"#),
    ("login_required", r#"{"error":"login_required","error_description":"No session for this user."}"#),
];

fn fault(service: Service, status: u16, code: &str, message: &str) -> ServiceError {
    ServiceError {
        service,
        method: "POST".into(),
        url: "http://127.0.0.1/x".into(),
        status,
        code: Some(code.into()),
        inner_code: None,
        message: message.into(),
        request_id: None,
    }
}

fn entra_fault(code: &str, message: &str) -> ServiceError {
    fault(Service::Entra, 400, code, message)
}

fn service_error(service: Service, status: u16, code: &str, message: &str) -> AzureError {
    AzureError::from(fault(service, status, code, message))
}

#[test]
fn every_known_code_is_found_by_name_and_inside_a_realistic_message() {
    for known in KNOWN_CODES {
        let sample = SAMPLES.iter().find(|(code, _)| *code == known.code).map(|(_, text)| *text);
        let text = sample.unwrap_or_else(|| panic!("no sample message for {}", known.code));
        assert_eq!(lookup(known.code), Some(known), "{}", known.code);
        assert_eq!(lookup(&known.code.to_ascii_uppercase()), Some(known), "lookup ignores case: {}", known.code);
        let surrounded = format!("##[error]Test connection failed. {text} (see the logs)");
        assert_eq!(find_in_text(&surrounded).map(|k| k.code), Some(known.code), "{surrounded}");
    }
    assert_eq!(SAMPLES.len(), KNOWN_CODES.len(), "a sample names a code the table does not have");
}

#[test]
fn the_table_covers_every_code_the_engine_and_the_contract_rely_on() {
    for code in [
        "VS403283",
        "PrincipalNotFound",
        "AADSTS70021",
        "AADSTS700211",
        "AADSTS700213",
        "AADSTS70025",
        "AADSTS700016",
        "AADSTS7000229",
        "AADSTS7002138",
        "AADSTS70052",
        "AADSTS700223",
        "AADSTS700238",
        "AADSTS7000215",
        "AADSTS7000222",
        "AADSTS700024",
        "TF401444",
        "VS800075",
        "TF400733",
        "AuthorizationFailed",
        "SubscriptionNotFound",
        "RoleAssignmentExists",
        "Request_MultipleObjectsWithSameKeyValue",
        "Authorization_RequestDenied",
        "invalid_grant",
        "interaction_required",
        "consent_required",
        "login_required",
    ] {
        assert!(lookup(code).is_some(), "{code} is missing from the table");
    }
}

#[test]
fn no_code_is_listed_twice() {
    let mut seen = HashSet::new();
    for known in KNOWN_CODES {
        assert!(seen.insert(known.code.to_ascii_lowercase()), "{} is listed twice", known.code);
    }
}

#[test]
fn codes_are_matched_as_whole_words_only() {
    let found = |text: &str| find_in_text(text).map(|known| known.code);
    assert_eq!(
        found("Exception Message: AADSTS700016: Application with identifier 'x' wasn't found"),
        Some("AADSTS700016")
    );
    assert_eq!(found("AADSTS70001: Application 'x' is disabled."), None, "AADSTS70001 is not AADSTS700016");
    assert_eq!(found("AADSTS700211: no match for the issuer"), Some("AADSTS700211"), "not its prefix AADSTS70021");
    assert_eq!(found("AADSTS70021: No matching federated identity record"), Some("AADSTS70021"));
    assert_eq!(found("XTF401444 and TF4014445"), None);
    assert_eq!(found("the connection works"), None);
}

#[test]
fn a_specific_code_wins_over_the_oauth_error_word_that_wraps_it() {
    let text = r#"{"error":"invalid_grant","error_description":"AADSTS70043: The refresh token has expired."}"#;
    assert_eq!(find_in_text(text).map(|known| known.code), Some("AADSTS70043"));
}

#[test]
fn a_specific_code_wins_over_the_task_message_that_wraps_it() {
    let text = "Failed to obtain the Json Web Token(JWT) using service principal client ID. Exception Message: AADSTS700016: Application with identifier 'x' was not found in the directory 'Contoso'.";
    assert_eq!(find_in_text(text).map(|known| known.code), Some("AADSTS700016"));
}

#[test]
fn tf401444_is_forbidden_for_error_code_and_only_means_not_yet_for_a_new_membership() {
    let known = lookup("TF401444").unwrap();
    assert_eq!(known.meaning, Meaning::Misconfigured);
    assert_eq!(known.not_yet, Some(WaitReason::Membership));
    let error = service_error(Service::DevOps, 401, "TF401444", "TF401444: Please sign-in at least once as t\\t\\sp");
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert_eq!(error.meaning(), Some(Meaning::Misconfigured));
    assert!(!error.is_replication_delay());
    assert_eq!(error.wait_reason(), None, "from a service call it is a real fault");
}

#[test]
fn replication_answers_carry_what_keyless_waits_for() {
    let devops = service_error(Service::DevOps, 200, "VS403283", "(VS403283) Could not add user 'x' at this time.");
    assert_eq!(devops.code(), ErrorCode::Replication);
    assert_eq!(devops.meaning(), Some(Meaning::Replicating));
    assert_eq!(devops.wait_reason(), Some(WaitReason::ServicePrincipalInDevOps));

    let arm = service_error(Service::Arm, 400, "PrincipalNotFound", "Principal x does not exist in the directory y.");
    assert_eq!(arm.wait_reason(), Some(WaitReason::ServicePrincipalInArm));

    let credential = AzureError::from(ServiceError {
        inner_code: Some("AADSTS70021".into()),
        ..entra_fault("invalid_client", "AADSTS70021: No matching federated identity record found")
    });
    assert_eq!(credential.meaning(), Some(Meaning::Propagating));
    assert_eq!(credential.wait_reason(), Some(WaitReason::FederatedCredential));
    assert!(credential.is_replication_delay());
}

#[test]
fn graph_new_app_messages_are_replication_whatever_their_generic_code() {
    let bad_request = service_error(
        Service::Graph,
        400,
        "Request_BadRequest",
        "The appId 'x' of the service principal does not reference a valid application object.",
    );
    assert_eq!(bad_request.code(), ErrorCode::Replication);
    assert_eq!(bad_request.wait_reason(), Some(WaitReason::ServicePrincipalInEntra));

    let denied = service_error(
        Service::Graph,
        403,
        "Authorization_RequestDenied",
        "When using this permission, the backing application of the service principal being created must in the local tenant",
    );
    assert!(denied.is_replication_delay());

    let plain_denied = service_error(Service::Graph, 403, "Authorization_RequestDenied", "Insufficient privileges.");
    assert_eq!(plain_denied.code(), ErrorCode::Forbidden);
    assert_eq!(plain_denied.wait_reason(), None);

    let elsewhere = service_error(Service::DevOps, 400, "x", "does not reference a valid application object");
    assert!(!elsewhere.is_replication_delay(), "the shape is Graph's only");
}

#[test]
fn help_lines_say_what_to_do_in_words_not_commands() {
    let errors = [
        AzureError::Network { service: Service::Arm, url: "http://127.0.0.1/".into(), reason: "refused".into() },
        AzureError::SignInPage { service: Service::DevOps, url: "http://127.0.0.1/".into(), status: 203 },
        AzureError::Malformed {
            service: Service::Graph,
            url: "http://127.0.0.1/".into(),
            status: 200,
            reason: "eof".into(),
            request_id: None,
        },
        service_error(Service::Graph, 401, "InvalidAuthenticationToken", "expired"),
    ];
    let helps = KNOWN_CODES.iter().map(|known| known.help.to_string()).chain(errors.iter().map(AzureError::help));
    for help in helps {
        assert!(!help.contains("--") && !help.contains("keyless ") && !help.contains('`'), "{help}");
        assert!(!help.is_empty());
    }
}

#[test]
fn every_phrase_stands_for_a_code_of_the_table_and_every_mention_is_found_in_text_order() {
    for (phrase, code) in keyless_azure::behaviour::PHRASES {
        assert!(lookup(code).is_some(), "{phrase} stands for {code}, which the table lacks");
    }
    let log = "AADSTS700213: No matching federated identity record found for presented assertion subject\n\
               later: No matching federated identity record found\n\
               {\"error\":\"invalid_grant\"}";
    let found: Vec<_> = keyless_azure::behaviour::occurrences_in_text(log)
        .iter()
        .map(|occurrence| (occurrence.known.code, occurrence.phrase.is_some()))
        .collect();
    assert_eq!(found, [("AADSTS700213", false), ("AADSTS70021", true), ("AADSTS70021", true)]);
}
