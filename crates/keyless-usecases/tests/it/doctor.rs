//! The doctor reading pasted pipeline logs: every failure of the documented error tables is
//! recognised inside a realistic log and explained with its cause, evidence and fix; noise,
//! colours, Windows line endings, huge and malformed inputs never break it.

use keyless_usecases::doctor::{
    Explanation, IssuerKind, MAX_FAILURES, MAX_MENTIONS_EXAMINED, PastedLogDiagnosis, ReadingNote, SubjectKind,
    diagnose_pasted_log,
};
use proptest::prelude::*;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const ORGANIZATION_ID: &str = "3f5d2c1a-9b8e-4f7d-a6c5-1e2d3c4b5a69";
const CLIENT_ID: &str = "5f1b2f0c-7d11-4c4e-9a43-8c1e0b5a2f4d";

/// A pipeline log as Azure Pipelines writes it, with `message` as the failing task's error.
fn pipeline_log(message: &str) -> String {
    format!(
        "2026-12-03T10:00:00.0000000Z ##[section]Starting: Deploy\n\
         2026-12-03T10:00:00.1000000Z Task         : Azure CLI\n\
         2026-12-03T10:00:00.2000000Z Version      : 2.250.1\n\
         2026-12-03T10:00:01.0000000Z [command]/usr/bin/az login --service-principal -u *** --tenant {TENANT} --allow-no-subscriptions --federated-token ***\n\
         2026-12-03T10:00:02.0000000Z ##[error]{message}\n\
         2026-12-03T10:00:02.1000000Z ##[section]Finishing: Deploy\n"
    )
}

/// The diagnosis of `log`, checking it recognised exactly `codes` in this order.
fn check(log: &str, codes: &[&str]) -> PastedLogDiagnosis {
    let diagnosis = diagnose_pasted_log(log);
    let found: Vec<&str> = diagnosis.explanations.iter().map(|explanation| explanation.failure.code).collect();
    assert_eq!(found, codes, "in:\n{log}");
    assert_eq!(diagnosis.recognised, !codes.is_empty());
    diagnosis
}

fn only(diagnosis: &PastedLogDiagnosis) -> &Explanation {
    assert_eq!(diagnosis.explanations.len(), 1);
    &diagnosis.explanations[0]
}

/// The messages of the documented error tables, each with the code Keyless explains it by.
fn documented_failures() -> Vec<(&'static str, String)> {
    vec![
        ("TF401444", format!("ERROR: TF401444: Please sign-in at least once as {TENANT}\\{TENANT}\\115c3ab3-943b-4e0c-96ed-1a1763fbaa44 in a web browser to enable access to the service.")),
        ("does not have access to Azure DevOps organization", "The Managed Identity / Service Principal keyless-ci does not have access to Azure DevOps organization fabrikam. Please make sure the identity has been added to the organization. See https://aka.ms/azdosc#prerequisites".into()),
        ("saved as draft", "You don't have permission to the selected identity. Service connection is saved as draft. To complete the configuration, contact the owner of the identity to create a federated credential in the Azure portal using the Issuer and Subject Identifier below.".into()),
        ("VS800075", "VS800075: The project with id 'vstfs:///Classification/TeamProject/00000000-0000-00000000-000000000000' does not exist, or you do not have permission to access it.".into()),
        ("VS403283", format!("(VS403283) Could not add user '{CLIENT_ID}' at this time.")),
        ("AADSTS700016", format!("AADSTS700016: Application with identifier '{CLIENT_ID}' was not found in the directory 'Contoso'.")),
        ("AADSTS7000215", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.".into()),
        ("AADSTS7000222", format!("AADSTS7000222: The provided client secret keys for app '{CLIENT_ID}' are expired.")),
        ("AADSTS700024", "AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-12-03T11:05:00Z".into()),
        ("AADSTS70021", "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://app.vstoken.visualstudio.com'.".into()),
        ("AADSTS700211", format!("AADSTS700211: No matching federated identity record found for presented assertion issuer 'https://vstoken.dev.azure.com/{ORGANIZATION_ID}'.")),
        ("AADSTS700213", "AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/Web/sc-prod'.".into()),
        ("AADSTS7002138", "AADSTS7002138: No matching federated identity record found for presented assertion subject 'sc://contoso/web/sc-prod'; a credential matches only case-insensitively.".into()),
        ("AADSTS700223", "AADSTS700223: Workload identity federation is constrained or disabled on the Microsoft Entra tenant.".into()),
        ("AADSTS70025", format!("AADSTS70025: The client '{CLIENT_ID}'(keyless-ci) has no configured federated identity credentials.")),
        ("AADSTS700238", "Microsoft Entra rejected the token issued by Azure DevOps with error code AADSTS700238".into()),
        ("AADSTS70052", "AADSTS70052: The identity must be a managed identity, a single tenant app, or a service account.".into()),
        ("AADSTS900382", "AADSTS900382: Confidential Client is not supported in Cross Cloud".into()),
        ("Could not fetch access token for Azure", "Could not fetch access token for Azure. Verify if the Service Principal used is valid and not expired.".into()),
        ("Could not fetch access token for Azure", "cannot request token: Get ?audience=api://AzureADTokenExchange: unsupported protocol scheme".into()),
        ("Failed to obtain the JSON Web Token", "Failed to obtain the JSON Web Token (JWT) using service principal client ID. Error: x".into()),
        ("unrecognized arguments: --federated-token", "Script failed with error: UnrecognizedArgumentError: unrecognized arguments: --federated-token".into()),
        ("Authorization_RequestDenied", "Failed to create an app in Microsoft Entra ID. Error: Insufficient privileges to complete the operation in Microsoft Graph.".into()),
        ("Failed to create service principal with object ID", "Failed to create service principal with object ID '6b1f0c2a-0000-4000-8000-000000000000'".into()),
        ("needs the following permission(s) on the resource Users", "Access Denied: 6b1f0c2a needs the following permission(s) on the resource Users to perform this action: Add Users".into()),
    ]
}

#[test]
fn every_documented_failure_is_recognised_in_a_pipeline_log_and_explained_in_words() {
    for (code, message) in documented_failures() {
        let diagnosis = check(&pipeline_log(&message), &[code]);
        let explanation = only(&diagnosis);
        assert_eq!(explanation.failure.line, 5, "{code}");
        assert!(explanation.cause.ends_with('.') && explanation.cause.len() > 20, "{code}: {}", explanation.cause);
        assert!(!explanation.fix.is_empty() && !explanation.evidence.is_empty(), "{code}");
        for sentence in explanation.fix.iter().chain([&explanation.cause]) {
            assert!(!sentence.contains("--") && !sentence.contains("keyless "), "{code}: {sentence}");
        }
        assert!(!explanation.failure.excerpt.contains("##[error]") && !explanation.failure.excerpt.starts_with("2026"));
    }
}

#[test]
fn an_azure_devops_issuer_mismatch_names_the_subject_organization_project_and_connection() {
    let log = pipeline_log(&format!(
        "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://vstoken.dev.azure.com/{ORGANIZATION_ID}'. Assertion Subject: 'sc://contoso/Web/sc-prod'. Assertion Audience: 'api://AzureADTokenExchange'."
    ));
    let diagnosis = check(&log, &["AADSTS70021"]);
    let explanation = only(&diagnosis);
    let facts = &explanation.failure.facts;
    assert_eq!(facts.issuer.as_ref().map(|issuer| issuer.kind), Some(IssuerKind::AzureDevOps));
    assert_eq!(facts.subject.as_ref().map(|subject| subject.value.as_str()), Some("sc://contoso/Web/sc-prod"));
    assert_eq!(facts.audience.as_deref(), Some("api://AzureADTokenExchange"));
    assert_eq!(
        (facts.organization.as_deref(), facts.project.as_deref(), facts.connection.as_deref()),
        (Some("contoso"), Some("Web"), Some("sc-prod"))
    );
    let evidence = explanation.evidence.join(" ");
    assert!(evidence.contains("sc://contoso/Web/sc-prod uses the Azure DevOps issuer format"), "{evidence}");
    assert!(evidence.contains("case-sensitively"), "{evidence}");
    assert!(explanation.fix.join(" ").contains("renamed"), "{:?}", explanation.fix);
}

#[test]
fn an_entra_issuer_assertion_on_the_lines_below_the_code_gives_tenant_and_id_based_subject() {
    let subject = format!(
        "/eid1/c/pub/t/v4j7TRWtIEqCMUSQdMBdPQ/a/AAAAAAAAAAAAAAAAAAAAAA/sc/{ORGANIZATION_ID}/0d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    );
    let log = pipeline_log(&format!(
        "AADSTS700213: No matching federated identity record found for presented assertion subject.\n\
         Assertion Issuer: 'https://login.microsoftonline.com/{TENANT}/v2.0'.\n\
         Assertion Subject: '{subject}'."
    ));
    let diagnosis = check(&log, &["AADSTS700213"]);
    let facts = &only(&diagnosis).failure.facts;
    assert_eq!(facts.issuer.as_ref().map(|issuer| issuer.kind), Some(IssuerKind::Entra));
    assert_eq!(facts.tenant_id.as_deref(), Some(TENANT));
    assert_eq!(
        facts.subject.as_ref().map(|s| (s.value.as_str(), s.kind)),
        Some((subject.as_str(), SubjectKind::Entra))
    );
    assert_eq!(
        (facts.organization_id.as_deref(), facts.connection_id.as_deref()),
        (Some(ORGANIZATION_ID), Some("0d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"))
    );
}

#[test]
fn a_connection_name_with_spaces_and_brackets_is_kept_whole() {
    let name = "Visual Studio Enterprise (0000-1111)";
    let quoted = pipeline_log(&format!(
        "AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/Web/{name}'."
    ));
    let labelled = pipeline_log(&format!(
        "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Subject: sc://contoso/Web/{name}. Assertion Audience: api://AzureADTokenExchange."
    ));
    for log in [quoted, labelled] {
        let diagnosis = diagnose_pasted_log(&log);
        let facts = &only(&diagnosis).failure.facts;
        assert_eq!(facts.connection.as_deref(), Some(name), "{log}");
        assert_eq!(facts.subject.as_ref().map(|s| s.value.clone()), Some(format!("sc://contoso/Web/{name}")));
    }
}

#[test]
fn a_case_mismatch_tells_to_copy_the_subject_verbatim() {
    let log = pipeline_log(
        "AADSTS7002138: No matching federated identity record found for presented assertion subject 'sc://Contoso/Web/SC-Prod'.",
    );
    let diagnosis = check(&log, &["AADSTS7002138"]);
    let fix = only(&diagnosis).fix.join(" ");
    assert!(fix.contains("sc://Contoso/Web/SC-Prod") && fix.contains("verbatim") && fix.contains("case"), "{fix}");
}

#[test]
fn the_client_id_and_identity_name_are_read_from_the_message() {
    let log = pipeline_log(&format!(
        "AADSTS700016: Application with identifier '{CLIENT_ID}' was not found in the directory '{TENANT}'."
    ));
    let diagnosis = check(&log, &["AADSTS700016"]);
    let facts = &only(&diagnosis).failure.facts;
    assert_eq!((facts.client_id.as_deref(), facts.tenant_id.as_deref()), (Some(CLIENT_ID), Some(TENANT)));

    let log = pipeline_log(
        "The Managed Identity / Service Principal keyless-ci does not have access to Azure DevOps organization fabrikam. Please add it.",
    );
    let diagnosis = check(&log, &["does not have access to Azure DevOps organization"]);
    let facts = &only(&diagnosis).failure.facts;
    assert_eq!((facts.identity_name.as_deref(), facts.organization.as_deref()), (Some("keyless-ci"), Some("fabrikam")));
}

#[test]
fn two_failures_in_one_log_are_both_explained_in_order() {
    let log = format!(
        "{}{}",
        pipeline_log(&format!(
            "TF401444: Please sign-in at least once as {TENANT}\\{TENANT}\\{CLIENT_ID} in a web browser."
        )),
        pipeline_log(
            "AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/Web/sc-prod'."
        ),
    );
    let diagnosis = check(&log, &["TF401444", "AADSTS700213"]);
    assert_eq!(diagnosis.explanations[0].failure.facts.tenant_id.as_deref(), Some(TENANT));
    assert_eq!(diagnosis.explanations[1].failure.line, 11);
    assert_eq!(
        diagnosis.explanations[1].failure.facts.subject.as_ref().map(|s| s.value.as_str()),
        Some("sc://contoso/Web/sc-prod")
    );
}

#[test]
fn a_repeated_failure_is_counted_once_and_its_message_without_code_adds_nothing() {
    let message = "AADSTS70025: Client application has no configured federated identity credentials.";
    let log = [pipeline_log(message), pipeline_log(message), pipeline_log(message)].concat();
    let diagnosis = check(&log, &["AADSTS70025"]);
    assert_eq!(only(&diagnosis).failure.mentions, 3);
    assert!(only(&diagnosis).evidence[0].contains("3 times"), "{:?}", only(&diagnosis).evidence);
}

#[test]
fn a_task_message_wrapping_a_code_is_explained_by_the_code() {
    let log = pipeline_log(&format!(
        "Failed to obtain the Json Web Token(JWT) using service principal client ID. Exception Message: AADSTS700016: Application with identifier '{CLIENT_ID}' was not found in the directory 'Contoso'."
    ));
    let diagnosis = check(&log, &["AADSTS700016"]);
    assert_eq!(only(&diagnosis).failure.facts.client_id.as_deref(), Some(CLIENT_ID));
}

#[test]
fn a_message_without_its_code_is_recognised_by_its_wording() {
    let log = pipeline_log("No matching federated identity record found for presented assertion.");
    let diagnosis = check(&log, &["AADSTS70021"]);
    assert_eq!(only(&diagnosis).failure.recognised_by_phrase, Some("No matching federated identity record found"));
}

#[test]
fn colour_codes_and_windows_line_endings_do_not_hide_failures_or_leak_into_facts() {
    let log = pipeline_log(
        "\u{1b}[31mAADSTS700213: No matching federated identity record found for presented assertion subject sc://contoso/Web/sc-prod\u{1b}[0m",
    )
    .replace('\n', "\r\n");
    let diagnosis = check(&log, &["AADSTS700213"]);
    let failure = &only(&diagnosis).failure;
    assert_eq!(failure.facts.subject.as_ref().map(|s| s.value.as_str()), Some("sc://contoso/Web/sc-prod"));
    assert!(!failure.excerpt.contains('\u{1b}') && !failure.excerpt.contains('\r'), "{:?}", failure.excerpt);
}

#[test]
fn a_five_megabyte_log_is_read_to_the_end() {
    let noise = "2026-12-03T10:00:00.0000000Z Restored /home/vsts/work/1/s/src/Web.csproj (in 1.2 sec).\n";
    let mut log = noise.repeat(5 * 1024 * 1024 / noise.len());
    log.push_str(&pipeline_log(
        "AADSTS70052: The identity must be a managed identity, a single tenant app, or a service account.",
    ));
    let diagnosis = check(&log, &["AADSTS70052"]);
    assert!(diagnosis.notes.is_empty(), "{:?}", diagnosis.notes);
}

#[test]
fn a_text_beyond_the_reading_limit_is_cut_with_a_note() {
    let log = format!(
        "{}{}",
        pipeline_log("AADSTS700024: Client assertion is not within its valid time range"),
        "é".repeat(6 * 1024 * 1024)
    );
    let diagnosis = check(&log, &["AADSTS700024"]);
    assert!(
        matches!(diagnosis.notes[..], [ReadingNote::InputTruncated { total_bytes, .. }] if total_bytes == log.len())
    );
}

#[test]
fn distinct_failures_beyond_the_cap_are_counted_not_listed() {
    let log: String = (0..MAX_FAILURES + 10)
        .map(|i| pipeline_log(&format!("AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/Web/sc-{i}'.")))
        .collect();
    let diagnosis = diagnose_pasted_log(&log);
    assert_eq!(diagnosis.explanations.len(), MAX_FAILURES);
    assert!(
        diagnosis.notes.contains(&ReadingNote::FailuresCapped { shown: MAX_FAILURES, not_shown: 10 }),
        "{:?}",
        diagnosis.notes
    );
}

#[test]
fn a_log_repeating_a_failure_endlessly_is_examined_up_to_a_bound() {
    let log =
        "##[error]AADSTS70025: Client application has no configured federated identity credentials\n".repeat(6_000);
    let diagnosis = check(&log, &["AADSTS70025"]);
    assert_eq!(only(&diagnosis).failure.mentions, MAX_MENTIONS_EXAMINED);
    assert!(
        diagnosis.notes.contains(&ReadingNote::MentionsCapped { examined: MAX_MENTIONS_EXAMINED }),
        "{:?}",
        diagnosis.notes
    );
}

#[test]
fn malformed_or_unknown_input_is_not_recognised_and_says_what_was_looked_for() {
    let guid_soup = format!("{TENANT} {CLIENT_ID}\\{ORGANIZATION_ID}-{TENANT}{CLIENT_ID}").repeat(50);
    let inputs = [
        String::new(),
        "   \n\r\n\t".into(),
        "\u{0}\u{1}\u{7f}\u{fffd}\u{1b}[\u{1b}\u{1b}[999".into(),
        "AADSTS".into(),
        "##[error]AADSTS: the sign-in failed".into(),
        "AADSTS7002 AADSTS70021138 xAADSTS70025".into(),
        guid_soup,
        pipeline_log("Bash exited with code '1'."),
    ];
    for input in inputs {
        let diagnosis = check(&input, &[]);
        assert!(diagnosis.looked_for.codes.contains(&"AADSTS7002138"), "{:?}", diagnosis.looked_for);
        assert!(diagnosis.looked_for.phrases.contains(&"saved as draft"), "{:?}", diagnosis.looked_for);
    }
}

#[test]
fn an_unknown_entra_code_is_reported_as_unknown_not_recognised() {
    let diagnosis = check(&pipeline_log("AADSTS99999: Something new went wrong."), &[]);
    assert_eq!(diagnosis.unknown_codes, ["AADSTS99999"]);
}

#[test]
fn a_token_in_the_failing_line_is_not_repeated_in_the_excerpt() {
    let token = format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}", "a".repeat(40));
    let diagnosis =
        check(&pipeline_log(&format!("AADSTS700024: Client assertion {token} is not valid")), &["AADSTS700024"]);
    assert!(!only(&diagnosis).failure.excerpt.contains("eyJ0"), "{}", only(&diagnosis).failure.excerpt);
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just("AADSTS70021".to_string()),
        Just("sc://".to_string()),
        Just("/sc/".to_string()),
        Just("https://".to_string()),
        Just(format!("'{CLIENT_ID}'")),
        Just("\u{1b}[".to_string()),
        Just("\r\n".to_string()),
        Just("é".to_string()),
        Just("Assertion Subject: ".to_string()),
        Just("Service Principal ".to_string()),
        Just("Azure DevOps organization ".to_string()),
    ]
}

proptest! {
    #[test]
    fn any_text_is_read_without_panicking(text in any::<String>()) {
        let diagnosis = diagnose_pasted_log(&text);
        prop_assert_eq!(diagnosis.recognised, !diagnosis.explanations.is_empty());
    }

    #[test]
    fn any_mix_of_codes_urls_and_noise_is_read_without_panicking(fragments in proptest::collection::vec(fragment(), 0..24)) {
        let text = fragments.concat();
        let diagnosis = diagnose_pasted_log(&text);
        prop_assert!(diagnosis.explanations.len() <= MAX_FAILURES);
    }
}
