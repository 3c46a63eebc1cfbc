//! Fuzzing of every reader of user-supplied or service-supplied text in keyless-core: setup and
//! migration files (any text, and valid files with one field mangled), cloud profiles, the name
//! and GUID validators, issuer and subject parsing. Whatever the input, the answer is a value or
//! an `InputError` saying which input and what to do, never a panic. `PROPTEST_CASES` sets the
//! depth (`scripts/fuzz` runs thousands of cases).

use keyless_core::federation::{decode_guid, encode_guid, issuer_kind, parse_entra_subject};
use keyless_core::migration::parse_migration_toml;
use keyless_core::names::{
    OrgName, validate_app_display_name, validate_connection_name, validate_managed_identity_name,
    validate_managed_identity_region, validate_project_name, validate_resource_group_name,
};
use keyless_core::setup::parse_setup_toml;
use keyless_core::{CloudProfile, Guid, InputError};
use proptest::prelude::*;

const ONBOARDING: &str = include_str!("../../../../examples/onboarding.toml");
const MIGRATION: &str = include_str!("../../../../examples/migration.toml");

fn assert_helpful(error: &InputError) -> Result<(), TestCaseError> {
    prop_assert!(!error.input.is_empty() && !error.problem.is_empty() && !error.help.is_empty(), "{error:?}");
    Ok(())
}

/// Text that looks like what people paste: names, URLs, hosts, traversal, control characters.
fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,80}",
        "[a-zA-Z0-9 ._@:/%?#\\\\-]{0,60}",
        prop::sample::select(vec![
            "",
            " ",
            "evil.com",
            "https://dev.azure.com/contoso/",
            "https://contoso.visualstudio.com",
            "../..",
            "%2F",
            "a@b",
            "\u{0}",
            "\u{202e}moc.live",
            "CON",
            "-contoso-",
        ])
        .prop_map(String::from),
    ]
}

/// A valid file with the bytes of one line replaced by `replacement`.
fn mangled(file: &'static str) -> impl Strategy<Value = String> {
    let lines: Vec<&'static str> = file.lines().collect();
    (0..lines.len(), tricky_text()).prop_map(move |(line, replacement)| {
        let mut lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let (key, _) = lines[line].split_once('=').unwrap_or((&lines[line], ""));
        lines[line] = format!("{key}= {}", serde_json::to_string(&replacement).unwrap());
        lines.join("\n")
    })
}

proptest! {
    #[test]
    fn any_text_as_a_setup_file_parses_or_is_refused_with_help(text in prop_oneof![tricky_text(), mangled(ONBOARDING)]) {
        if let Err(error) = parse_setup_toml("fuzz.toml", &text) {
            assert_helpful(&error)?;
        }
    }

    #[test]
    fn any_text_as_a_migration_file_parses_or_is_refused_with_help(text in prop_oneof![tricky_text(), mangled(MIGRATION)]) {
        if let Err(error) = parse_migration_toml("fuzz.toml", &text) {
            assert_helpful(&error)?;
        }
    }

    #[test]
    fn any_text_as_a_cloud_profile_is_read_or_refused(text in tricky_text(), field in 0usize..9) {
        let mut profile = serde_json::to_value(CloudProfile::for_emulator("http://127.0.0.1:7780")).unwrap();
        let key = ["authorityHost", "graph", "resourceManager", "devops", "devopsVssps", "devopsVsaex",
            "devopsProfile", "issuerHost", "serviceEndpointUrl"][field];
        profile[key] = serde_json::Value::String(text.clone());
        if let Ok(profile) = serde_json::from_value::<CloudProfile>(profile)
            && let Err(error) = profile.validate()
        {
            assert_helpful(&error)?;
        }
    }

    #[test]
    fn every_name_validator_answers_any_text(text in tricky_text()) {
        match OrgName::parse(&text) {
            // An accepted organization name can never carry a host, a path or a query.
            Ok(name) => prop_assert!(
                name.as_str().chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "{name}"
            ),
            Err(error) => assert_helpful(&error)?,
        }
        for outcome in [
            validate_project_name(&text),
            validate_connection_name(&text),
            validate_managed_identity_name(&text),
            validate_resource_group_name(&text),
            validate_app_display_name(&text),
            validate_managed_identity_region(&text),
        ] {
            if let Err(error) = outcome {
                assert_helpful(&error)?;
            }
        }
    }

    #[test]
    fn guids_round_trip_and_any_text_is_a_guid_or_refused(text in tricky_text(), bits in any::<u128>()) {
        if let Err(error) = Guid::parse_input("subscription", &text) {
            assert_helpful(&error)?;
        }
        let guid = Guid::from_u128(bits);
        prop_assert_eq!(Guid::parse_input("id", &guid.to_string()).unwrap(), guid);
        prop_assert_eq!(decode_guid(&encode_guid(guid)), Some(guid));
        let _ = decode_guid(&text);
    }

    #[test]
    fn any_issuer_or_subject_is_classified_without_panicking(text in tricky_text(), bits in any::<[u128; 4]>()) {
        let _ = issuer_kind(&text);
        let _ = parse_entra_subject(&text);
        let [tenant, app, org, connection] = bits.map(Guid::from_u128);
        let subject = format!(
            "/eid1/c/pub/t/{}/a/{}/sc/{org}/{connection}",
            encode_guid(tenant), encode_guid(app)
        );
        let parsed = parse_entra_subject(&subject);
        prop_assert!(parsed.is_some(), "{subject}");
        let parsed = parsed.unwrap();
        prop_assert_eq!((parsed.tenant, parsed.organization_id, parsed.connection_id), (tenant, org, connection));
        let mangled = format!("{subject}{text}");
        let _ = parse_entra_subject(&mangled);
    }
}
