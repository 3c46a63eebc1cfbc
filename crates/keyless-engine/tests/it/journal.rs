//! The run journal on disk: private files, refused run ids, damaged and stray files, reports
//! beside journals, one run per setup at a time, and resuming only on the same cloud.

use std::{
    ffi::OsString,
    fs,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Command,
};

use keyless_core::cloud::CloudIdentity;
use keyless_engine::journal::{JournalError, JournalStore, RunJournal, RunStatus, validate_run_id};

use crate::support::example;

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn identity(devops: &str) -> CloudIdentity {
    CloudIdentity { authority: "https://login.microsoftonline.com".into(), devops: devops.into() }
}

fn journal_with(cloud: Option<CloudIdentity>, status: RunStatus) -> RunJournal {
    let mut journal = RunJournal::new("AzureCloud", cloud, example("onboarding.toml"));
    journal.status = status;
    journal
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().file_name().to_string_lossy().into()).collect();
    names.sort();
    names
}

#[test]
fn the_state_directory_is_created_private_and_journals_are_owner_only() {
    let root = tempfile::tempdir().unwrap();
    let store = JournalStore::new(root.path().join("keyless").join("runs"));
    let journal = journal_with(None, RunStatus::Running);
    store.save(&journal).unwrap();
    assert_eq!(mode_of(store.dir()), 0o700);
    assert_eq!(mode_of(&store.dir().join(format!("{}.json", journal.run_id))), 0o600);
}

#[test]
fn an_existing_private_state_directory_stays_private() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("runs");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    JournalStore::new(&dir).save(&journal_with(None, RunStatus::Running)).unwrap();
    assert_eq!(mode_of(&dir), 0o700);
}

#[test]
fn without_any_home_the_default_location_asks_for_a_state_directory() {
    let nothing_set = JournalStore::location_from(|_| None);
    let error = nothing_set.expect_err("no shared temporary directory as a fallback");
    assert!(matches!(error, JournalError::NoStateDir), "{error}");
    assert_eq!(error.remedy(), keyless_engine::Remedy::ChooseStateDirectory);
}

#[test]
fn the_default_location_follows_keyless_state_dir_then_xdg_then_home() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| OsString::from(value))
    };
    let location = |pairs| JournalStore::location_from(env(pairs)).unwrap().dir().to_path_buf();
    assert_eq!(location(&[("KEYLESS_STATE_DIR", "/s"), ("HOME", "/h")]), PathBuf::from("/s"));
    assert_eq!(location(&[("XDG_STATE_HOME", "/x"), ("HOME", "/h")]), PathBuf::from("/x/keyless/runs"));
    assert_eq!(location(&[("HOME", "/h")]), PathBuf::from("/h/.local/state/keyless/runs"));
}

#[test]
fn run_ids_that_could_reach_outside_the_state_directory_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let store = JournalStore::new(root.path().join("runs"));
    // A journal one level up that `../outside` would otherwise load.
    store.save(&journal_with(None, RunStatus::Running)).unwrap();
    fs::copy(fs::read_dir(store.dir()).unwrap().next().unwrap().unwrap().path(), root.path().join("outside.json"))
        .unwrap();
    let long = "a".repeat(65);
    for bad in ["../outside", "/etc/passwd", "", "a/b", "a\\b", ".", "..", "run.report", "run id", long.as_str()] {
        let error = store.load(bad).expect_err(bad);
        assert!(matches!(error, JournalError::InvalidRunId { .. }), "{bad:?}: {error}");
        assert_eq!(error.remedy(), keyless_engine::Remedy::ListRuns);
    }
}

#[test]
fn every_run_id_keyless_makes_is_accepted_and_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    for _ in 0..20 {
        let journal = journal_with(None, RunStatus::Completed);
        validate_run_id(&journal.run_id).unwrap();
        store.save(&journal).unwrap();
        assert_eq!(store.load(&journal.run_id).unwrap(), journal);
    }
}

#[test]
fn a_damaged_journal_is_skipped_by_the_list_and_named_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let good = journal_with(None, RunStatus::Completed);
    store.save(&good).unwrap();
    let damaged = dir.path().join("20240101-000000-bad000.json");
    fs::write(&damaged, b"{ not json").unwrap();

    let runs = store.list().unwrap();
    assert_eq!(runs.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(), [good.run_id.as_str()]);
    assert_eq!(store.damaged(), [damaged]);
    let error = store.load("20240101-000000-bad000").unwrap_err();
    assert!(matches!(error, JournalError::Damaged { .. }), "{error}");
}

#[test]
fn saving_leaves_no_temporary_file_and_stray_ones_are_not_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let journal = journal_with(None, RunStatus::Running);
    store.save(&journal).unwrap();
    store.save(&journal).unwrap();
    assert_eq!(file_names(dir.path()), [format!("{}.json", journal.run_id)]);

    // What a writer killed between writing and renaming leaves behind.
    fs::write(dir.path().join(format!("{}.json.4242.0f3a.tmp", journal.run_id)), b"{ half").unwrap();
    assert_eq!(store.list().unwrap().len(), 1);
    assert!(store.damaged().is_empty());
}

#[test]
fn reports_beside_the_journals_never_replace_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let journal = journal_with(None, RunStatus::Completed);
    store.save(&journal).unwrap();
    let (report_json, report_markdown) = JournalStore::report_paths(dir.path(), &journal.run_id).unwrap();
    fs::write(&report_json, b"{\"report\": true}").unwrap();
    fs::write(&report_markdown, b"# Report").unwrap();

    assert_eq!(store.load(&journal.run_id).unwrap(), journal);
    assert_eq!(store.list().unwrap(), [journal]);
    assert!(store.damaged().is_empty());
}

#[test]
fn the_journal_directory_is_recognised_by_any_path_to_it() {
    let root = tempfile::tempdir().unwrap();
    let store = JournalStore::new(root.path().join("runs"));
    store.save(&journal_with(None, RunStatus::Running)).unwrap();
    fs::create_dir(root.path().join("reports")).unwrap();

    assert!(store.is_journal_dir(&root.path().join("runs")));
    assert!(store.is_journal_dir(&root.path().join("reports").join("..").join("runs")));
    assert!(!store.is_journal_dir(&root.path().join("reports")));
    assert!(!store.is_journal_dir(root.path()));
}

#[test]
fn a_second_lock_on_the_same_setup_is_busy_until_the_first_is_released() {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path().join("runs"));
    let first = store.lock("setup A on cloud 1").unwrap();
    let second = store.lock("setup A on cloud 1").expect_err("the same setup is locked");
    assert!(matches!(second, JournalError::Busy { .. }), "{second}");
    assert_eq!(second.remedy(), keyless_engine::Remedy::WaitForOtherRun);
    assert_eq!(mode_of(first.path()), 0o600);

    drop(first);
    store.lock("setup A on cloud 1").expect("free again once the first run ends");
}

#[test]
fn locks_on_different_setups_do_not_block_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let _a = store.lock("setup A on cloud 1").unwrap();
    let _b = store.lock("setup B on cloud 1").unwrap();
    let _c = store.lock("setup A on cloud 2").unwrap();
    assert!(store.list().unwrap().is_empty(), "lock files are not runs");
    assert!(store.damaged().is_empty());
}

/// Set in the second process of the lock test: the state directory to try the lock in.
const PROBE_DIR: &str = "KEYLESS_TEST_LOCK_PROBE_DIR";
const PROBE_KEY: &str = "setup A on cloud 1";

/// Run as the second process of the lock test (does nothing otherwise): tries the lock and
/// prints what it got.
#[test]
fn lock_probe_of_a_second_process() {
    let Some(dir) = std::env::var_os(PROBE_DIR) else { return };
    match JournalStore::new(PathBuf::from(dir)).lock(PROBE_KEY) {
        Ok(_lock) => println!("probe: locked"),
        Err(JournalError::Busy { .. }) => println!("probe: busy"),
        Err(error) => println!("probe: {error}"),
    }
}

fn probe_in_another_process(dir: &Path) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "journal::lock_probe_of_a_second_process", "--nocapture", "--test-threads=1"])
        .env(PROBE_DIR, dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The test harness prints the test's name on the same line, before the probe's answer.
    stdout.lines().find_map(|line| line.split_once("probe: ")).map_or("no answer", |(_, answer)| answer).to_string()
}

#[test]
fn another_process_applying_the_same_setup_is_refused_while_a_run_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let held = store.lock(PROBE_KEY).unwrap();
    assert_eq!(probe_in_another_process(dir.path()), "busy");
    drop(held);
    assert_eq!(probe_in_another_process(dir.path()), "locked");
}

#[test]
fn only_an_unfinished_run_of_the_same_setup_on_the_same_cloud_is_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let public = identity("https://dev.azure.com");
    let other = identity("https://devops.example.test");
    let without_identity = journal_with(None, RunStatus::Failed);
    let finished = journal_with(Some(public.clone()), RunStatus::Completed);
    let on_public = journal_with(Some(public.clone()), RunStatus::Failed);
    for journal in [&without_identity, &finished, &on_public] {
        store.save(journal).unwrap();
    }
    let setup = example("onboarding.toml");

    let resumed = store.unfinished_for(&setup, &public).unwrap().expect("the failed run on this cloud");
    assert_eq!(resumed.run_id, on_public.run_id);
    assert_eq!(store.unfinished_for(&setup, &other).unwrap(), None);
    let other_setup = example("managed-identity.toml");
    assert_eq!(store.unfinished_for(&other_setup, &public).unwrap(), None);
}

#[test]
fn journals_written_before_cloud_identities_still_load_and_are_never_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let journal = journal_with(None, RunStatus::Failed);
    let mut old = serde_json::to_value(&journal).unwrap();
    old.as_object_mut().unwrap().remove("cloudIdentity");
    fs::write(dir.path().join(format!("{}.json", journal.run_id)), old.to_string()).unwrap();

    assert_eq!(store.load(&journal.run_id).unwrap().cloud_identity, None);
    assert_eq!(store.unfinished_for(&journal.setup, &identity("https://dev.azure.com")).unwrap(), None);
}
