//! Setup file parsing: errors name the file and the field, the schema covers every field.

use keyless_core::setup::{ConnectionKind, IdentitySpec, parse_setup_toml, setup_json_schema};

#[test]
fn unknown_field_is_named_with_its_line() {
    let err =
        parse_setup_toml("prod.toml", "[identity]\nkind = \"app-registration\"\nname = \"x\"\ncolour = \"red\"\n")
            .unwrap_err();
    assert!(err.problem.starts_with("prod.toml: TOML parse error at line 1"), "{}", err.problem);
    assert!(err.problem.contains("unknown field `colour`"), "{}", err.problem);
    assert!(err.help.contains("keyless schema"));
}

#[test]
fn defaults_are_least_privilege() {
    let setup = parse_setup_toml(
        "s",
        "[identity]\nkind = \"app-registration\"\nname = \"x\"\n[[organizations]]\nname = \"contoso\"\nprojects = [{ name = \"Web\" }]\n[[connections]]\nname = \"c\"\norganization = \"contoso\"\nproject = \"Web\"\ntype = \"azure-rm\"\nscope = { subscription = \"33333333-3333-4333-8333-333333333333\" }\n",
    )
    .unwrap();
    assert!(matches!(setup.identity, IdentitySpec::AppRegistration { .. }));
    assert_eq!(setup.organizations[0].projects[0].groups[0].display_name(), "Readers");
    assert!(matches!(&setup.connections[0].kind, ConnectionKind::AzureRm { role, .. } if role == "Reader"));
    assert!(!setup.connections[0].all_pipelines);
}

#[test]
fn schema_lists_the_fields() {
    let schema = setup_json_schema().to_string();
    for field in
        ["identity", "organizations", "connections", "when_full", "target_organization", "all_pipelines", "share_with"]
    {
        assert!(schema.contains(field), "schema lacks {field}");
    }
}

#[test]
fn shipped_examples_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        // The migration file example is another format, parsed by the migration tests.
        if path.extension().is_some_and(|e| e == "toml") && !path.ends_with("migration.toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            parse_setup_toml(&path.display().to_string(), &text)
                .unwrap_or_else(|e| panic!("{}", e.display_with_help()));
            count += 1;
        }
    }
    assert_eq!(count, 3, "examples/ holds one setup per use");
}
