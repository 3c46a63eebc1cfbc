//! `keyless doctor --error` as a user runs it: a recognised failure explained with exit 0, an
//! unrecognised text refused with exit 2 and what Keyless looked for, input from a file or stdin.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::{stderr, stdout};

const SUBJECT_MISMATCH: &str = "2026-12-03T10:00:02.0000000Z ##[error]AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/Web/sc-prod'.\n\
2026-12-03T10:00:02.1000000Z ##[section]Finishing: Deploy\n";

/// Runs `keyless args...` with `stdin` as its standard input.
fn keyless(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyless"))
        .args(args)
        .env("KEYLESS_LOG", "off")
        .env_remove("KEYLESS_OUTPUT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_recognised_failure_is_explained_with_its_cause_evidence_and_fix() {
    let out = keyless(&["doctor", "--error", SUBJECT_MISMATCH], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("from the pasted text only"), "{text}");
    assert!(text.contains("AADSTS700213 (line 1)"), "{text}");
    assert!(text.contains("cause: A federated credential has the right issuer but none has the subject"), "{text}");
    assert!(text.contains("sc://contoso/Web/sc-prod uses the Azure DevOps issuer format"), "{text}");
    assert!(text.contains("fix:\n    1. Compare the subject sc://contoso/Web/sc-prod"), "{text}");
}

#[test]
fn an_unrecognised_text_exits_2_and_lists_what_keyless_looked_for() {
    let out = keyless(&["doctor", "--error", "##[error]Bash exited with code '1'."], "");
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(
        text.contains("Nothing recognised") && text.contains("AADSTS70021") && text.contains("\"saved as draft\""),
        "{text}"
    );
    assert!(stderr(&out).contains("recognised no known failure"), "{}", stderr(&out));
}

#[test]
fn the_log_can_come_from_stdin_or_a_file_and_json_is_one_document() {
    let out = keyless(&["doctor", "--error", "-", "--output", "json"], SUBJECT_MISMATCH);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let diagnosis: Value = serde_json::from_str(&stdout(&out)).expect("stdout is one JSON document");
    assert_eq!(diagnosis["source"], "textOnly");
    assert_eq!(diagnosis["explanations"][0]["code"], "AADSTS700213");
    assert_eq!(diagnosis["explanations"][0]["facts"]["connection"], "sc-prod");

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    std::fs::write(&log, "nothing to see\r\n\u{1b}[31mAADSTS70025: Client application has no configured federated identity credentials\u{1b}[0m\r\n").unwrap();
    let out = keyless(&["doctor", "--error-file", log.to_str().unwrap(), "--output", "json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let diagnosis: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(diagnosis["explanations"][0]["code"], "AADSTS70025");
    assert_eq!(diagnosis["explanations"][0]["line"], 2);

    let out = keyless(&["doctor", "--error", "-", "--output", "json"], "AADSTS");
    assert_eq!(out.status.code(), Some(2));
    let diagnosis: Value =
        serde_json::from_str(&stdout(&out)).expect("one JSON document even when nothing is recognised");
    assert_eq!(diagnosis["recognised"], false);
    assert!(diagnosis["lookedFor"]["codes"].as_array().unwrap().iter().any(|code| code == "TF401444"));
}

#[test]
fn a_draft_connection_points_to_the_command_that_finishes_it() {
    let log = "##[error]You don't have permission to the selected identity. Service connection is saved as draft.";
    let out = keyless(&["doctor", "--error", log], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("with keyless: if Keyless made this draft, `keyless finish RUN`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_missing_log_file_is_bad_input() {
    let out = keyless(&["doctor", "--error-file", "/nonexistent/keyless-log.txt"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read the error text"), "{}", stderr(&out));
}
