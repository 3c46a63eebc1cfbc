//! The searches of `footprint` can fail: a token marker planted in each kind of place a CLI
//! session leaves (a TRACE log line on stderr, stdout, a run journal, a run report, a hand-off
//! pack, an exported Terraform file, a file deep in the state directory, a file in the home
//! directory) is found and named with its line; and a file left 0644 or a directory left 0755
//! is named with its mode.

use std::{
    os::unix::{fs::PermissionsExt, process::ExitStatusExt},
    path::Path,
    process::{ExitStatus, Output},
};

use keyless_emulator::leaks::loose_modes;

use crate::footprint::{TOKEN_MARKER, leaks_in};

/// A bearer token as a careless log line or file would hold it.
fn leaked_token() -> String {
    format!("eyJ0eXAiOiJKV1QifQ.{TOKEN_MARKER}.c2lnbmF0dXJl")
}

fn output(stdout: &str, stderr: &str) -> Output {
    Output { status: ExitStatus::from_raw(0), stdout: stdout.as_bytes().to_vec(), stderr: stderr.as_bytes().to_vec() }
}

/// Writes `files` (path under `root`, text), making their directories.
fn plant(root: &Path, files: &[(&str, String)]) {
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn the_search_finds_a_token_in_each_kind_of_place_a_session_leaves_and_names_where() {
    let token = leaked_token();
    let root = tempfile::tempdir().unwrap();
    let (state, home) = (root.path().join("state"), root.path().join("home"));
    plant(
        &state,
        &[
            (
                "20260101-000000-abcdef.json",
                format!("{{\n  \"runId\": \"20260101-000000-abcdef\",\n  \"x\": \"{token}\"\n}}"),
            ),
            ("reports/20260101-000000-abcdef.report.md", format!("# Run report\n\n{token}\n")),
            ("hand-off.md", format!("# Hand-off pack\n{token}\n")),
            ("migrations/plans/m20260101-000000-abcdef.json", format!("{{\"plan\": \"{token}\"}}")),
            ("export/main.tf", format!("resource \"x\" \"y\" {{\n  name = \"y\"\n  token = \"{token}\"\n}}\n")),
        ],
    );
    plant(&home, &[(".cache/keyless/tokens", format!("cached\n{token}"))]);
    let trace = format!(
        "2026-01-01T00:00:00Z DEBUG keyless: signed in\n\
         2026-01-01T00:00:00Z TRACE azure_request: authorization=\"Bearer {token}\"\n"
    );
    let outputs = vec![
        ("whoami".to_string(), output("megan.bowen@contoso.com\n", &trace)),
        ("export terraform".to_string(), output(&format!("# exported\n{token}\n"), "")),
        ("runs".to_string(), output("nothing\n", "")),
    ];

    let found = leaks_in(&outputs, &[&state, &home]);

    let (state, home) = (state.display(), home.display());
    let expected = vec![
        "stderr of keyless whoami line 2".to_string(),
        "stdout of keyless export terraform line 2".to_string(),
        format!("{state}/20260101-000000-abcdef.json line 3"),
        format!("{state}/export/main.tf line 3"),
        format!("{state}/hand-off.md line 2"),
        format!("{state}/migrations/plans/m20260101-000000-abcdef.json line 1"),
        format!("{state}/reports/20260101-000000-abcdef.report.md line 3"),
        format!("{home}/.cache/keyless/tokens line 2"),
    ];
    assert_eq!(found, expected);
}

#[test]
fn the_search_finds_nothing_where_no_token_is() {
    let root = tempfile::tempdir().unwrap();
    plant(root.path(), &[("hand-off.md", "# Hand-off pack\nAsk your administrator.\n".into())]);
    let outputs = vec![("whoami".to_string(), output("megan.bowen@contoso.com\n", "TRACE azure_request: GET /me\n"))];
    assert_eq!(leaks_in(&outputs, &[root.path()]), Vec::<String>::new());
}

#[test]
fn the_mode_check_names_a_file_left_0644_and_a_directory_left_0755() {
    let root = tempfile::tempdir().unwrap();
    let state = root.path().join("state");
    plant(&state, &[("private.json", "{}".into()), ("reports/loose.report.md", "# Report".into())]);
    let set = |path: &Path, mode: u32| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    set(&state, 0o700);
    set(&state.join("private.json"), 0o600);
    set(&state.join("reports"), 0o755);
    set(&state.join("reports/loose.report.md"), 0o644);

    let loose = loose_modes(&state);

    let state = state.display();
    assert_eq!(loose, vec![format!("{state}/reports 755"), format!("{state}/reports/loose.report.md 644")]);
}
