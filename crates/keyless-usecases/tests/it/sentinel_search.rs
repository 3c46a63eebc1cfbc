//! The token search of `sentinel` can fail: a marker planted in each kind of place it searches
//! (a TRACE log line, a run journal, a run report, a hand-off pack, an exported Terraform file,
//! a file deep in the state directory, an error's text) is found and named with its line, and
//! the same places without it give nothing.

use keyless_core::setup::parse_setup_toml;
use keyless_emulator::leaks::files_under;
use keyless_engine::journal::{JournalStore, RunJournal};

use crate::sentinel::{CapturedLog, TOKEN_MARKER, global_log, leaks, trace_subscriber};

/// A bearer header as a careless log line or file would hold it.
fn leaked_token() -> String {
    format!("eyJ0eXAiOiJKV1QifQ.{TOKEN_MARKER}.c2lnbmF0dXJl")
}

/// A state directory laid out as a session leaves it, each file holding `planted` on a known
/// line: the run journal (written by the journal store), its report, a hand-off pack, a
/// migration plan two directories down, and a Terraform export.
fn state_holding(planted: &str) -> tempfile::TempDir {
    let state = tempfile::tempdir().unwrap();
    let setup = parse_setup_toml("s.toml", "[identity]\nkind = \"app-registration\"\nname = \"kl-planted\"\n").unwrap();
    let mut journal = RunJournal::new("Emulator", None, setup);
    journal.last_error = Some(format!("the service answered 401 for {planted}"));
    JournalStore::new(state.path()).save(&journal).unwrap();
    let files = [
        ("reports/run.report.md", format!("# Run report\n\nStopped: {planted}\n")),
        ("hand-off.md", format!("# Hand-off pack\n\nAsk your administrator.\n\nToken: {planted}\n")),
        ("migrations/plans/m20260101-000000-abcdef.json", format!("{{\n  \"error\": \"{planted}\"\n}}\n")),
        ("exports/contoso/main.tf", format!("resource \"x\" \"y\" {{\n  token = \"{planted}\"\n}}\n")),
    ];
    for (name, text) in files {
        let path = state.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    state
}

#[test]
fn the_search_finds_a_token_planted_in_each_kind_of_place_and_names_where() {
    // Installed first, so the planted line below goes to this test's own log only and the
    // whole-session search, which reads the global log, never sees it.
    global_log();
    let log = CapturedLog::default();
    let token = leaked_token();
    tracing::subscriber::with_default(trace_subscriber(log.clone()), || {
        tracing::info!(authorization = %format!("Bearer {token}"), "a request logged with its header");
    });
    let state = state_holding(&token);
    let mut places = files_under(state.path());
    places.push(("TRACE log".into(), log.text()));
    places.push(("error text".into(), format!("cannot sign in\n{:?}", std::io::Error::other(token.clone()))));

    let found = leaks(&places);

    let root = state.path().display().to_string();
    let expected = [
        format!("{root}/exports/contoso/main.tf line 2"),
        format!("{root}/hand-off.md line 5"),
        format!("{root}/migrations/plans/m20260101-000000-abcdef.json line 2"),
        format!("{root}/reports/run.report.md line 3"),
        "error text line 2".to_string(),
    ];
    for place in &expected {
        assert!(found.contains(place), "{place} not found in {found:#?}");
    }
    let journal =
        found.iter().filter(|f| f.starts_with(&root) && f.contains(".json line ") && !f.contains("migrations"));
    assert_eq!(journal.count(), 1, "the run journal's line is named: {found:#?}");
    assert!(found.contains(&"TRACE log line 1".to_string()), "the log line is named: {found:#?}");
    assert_eq!(found.len(), expected.len() + 2, "one finding per planted line: {found:#?}");
}

#[test]
fn the_same_places_without_a_token_give_nothing() {
    let state = state_holding("nothing secret here");
    let mut places = files_under(state.path());
    assert_eq!(places.len(), 5, "every file was read, the nested ones too: {places:#?}");
    places.push(("error text".into(), "cannot sign in".into()));
    assert_eq!(leaks(&places), Vec::<String>::new());
}
