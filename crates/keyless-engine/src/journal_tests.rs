//! The journal store's own rules that no face shows: what a killed writer leaves behind goes
//! with the next write of the same run, or its next read once the writer is known gone, and
//! nothing else does.

use std::fs;

use keyless_core::setup::parse_setup_toml;

use super::*;

fn journal() -> RunJournal {
    let setup = parse_setup_toml("s.toml", "[identity]\nkind = \"app-registration\"\nname = \"kl-journal\"\n").unwrap();
    RunJournal::new("Emulator", None, setup)
}

/// A store holding one saved run, and the name of a temporary file of that run whose writer
/// is gone (no process has an id this high).
fn saved_run() -> (tempfile::TempDir, JournalStore, RunJournal, String) {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let run = journal();
    store.save(&run).unwrap();
    let abandoned = format!("{}.json.{}.0f0e0d0c.tmp", run.run_id, u32::MAX);
    (dir, store, run, abandoned)
}

#[test]
fn a_write_of_a_run_removes_what_a_killed_writer_of_it_left_and_nothing_else() {
    let (dir, store, run, abandoned) = saved_run();
    let own = format!("{}.json.{}.0a0b0c0d.tmp", run.run_id, std::process::id());
    let other_run = format!("20260101-000000-abcdef.json.{}.0f0e0d0c.tmp", u32::MAX);
    let not_a_write = format!("{}.json.notapid.tmp", run.run_id);
    for name in [&abandoned, &own, &other_run, &not_a_write] {
        fs::write(dir.path().join(name), b"{\"half\":").unwrap();
    }

    store.save(&run).unwrap();

    let mut left: Vec<String> =
        fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect();
    left.sort();
    let mut expected = vec![format!("{}.json", run.run_id), own, other_run, not_a_write];
    expected.sort();
    assert_eq!(left, expected, "only the abandoned write of this run is gone");
    assert_eq!(store.load(&run.run_id).unwrap(), run);
}

#[cfg(target_os = "linux")]
#[test]
fn a_write_keeps_the_temporary_file_of_a_writer_still_running() {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let run = journal();
    // Process 1 (init) always runs; a file of a live writer is its to rename.
    let live = format!("{}.json.1.0f0e0d0c.tmp", run.run_id);
    fs::create_dir_all(dir.path()).unwrap();
    fs::write(dir.path().join(&live), b"{").unwrap();
    store.save(&run).unwrap();
    assert!(dir.path().join(&live).exists());
}

#[cfg(target_os = "linux")]
#[test]
fn a_read_of_a_run_removes_what_a_writer_known_gone_left_and_keeps_a_live_writers_file() {
    // The run's last save was cut off by a kill: the journal is whole, a temporary file is left.
    let (dir, store, run, abandoned) = saved_run();
    let live = format!("{}.json.1.0f0e0d0c.tmp", run.run_id);
    for name in [&abandoned, &live] {
        fs::write(dir.path().join(name), b"{\"half\":").unwrap();
    }

    assert_eq!(store.load(&run.run_id).unwrap(), run);

    assert!(!dir.path().join(&abandoned).exists(), "the killed writer's file is gone");
    assert!(dir.path().join(&live).exists(), "a live writer's file is its to rename");
}
