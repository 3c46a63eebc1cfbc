//! A migration stopped between steps continues where it stopped and ends as an uninterrupted
//! one does, with no second credential and no second conversion; applied again, it changes
//! nothing.

use keyless_core::migration::{MigrationAction, MigrationPlan};
use keyless_engine::{ApplyOptions, EngineError, migrate::MigrationStatus};

use crate::{
    migrate_support::*,
    support::{World, footprint, options, world},
};

async fn three_kinds(w: &World) -> MigrationPlan {
    let manual = entra_credential(w, MANUAL_SECRET).await;
    let legacy = entra_credential(w, LEGACY_ISSUER).await;
    plan_of(
        vec![
            entry("Shop", "shop-prod-secret", AUTOMATIC_SECRET, MigrationAction::ConvertInPlace, None),
            entry("Payments", "payments-terraform", MANUAL_SECRET, MigrationAction::ConvertInPlace, Some(manual)),
            entry("Shop", "shop-prod-legacy-issuer", LEGACY_ISSUER, MigrationAction::SwitchIssuer, Some(legacy)),
        ],
        2,
    )
}

fn converts_of(w: &World, id: &str) -> usize {
    writes(w).iter().filter(|r| r.starts_with("PUT") && r.contains(id)).count()
}

#[tokio::test]
async fn a_migration_stopped_mid_wave_resumes_to_the_same_state_without_duplicates() {
    let uninterrupted = world().await;
    let plan = three_kinds(&uninterrupted).await;
    migrate(&uninterrupted, plan).await;

    for stop_after in [1, 3, 6] {
        let w = world().await;
        let plan = three_kinds(&w).await;
        let journal = new_journal(&w, plan);
        let run_id = journal.run_id.clone();
        let stopped = ApplyOptions { stop_after_steps: Some(stop_after), ..options() };
        let error = migrate_with(&w, journal, &stopped).await.unwrap_err();
        assert!(matches!(error, EngineError::Cancelled { .. }), "{error}");
        let saved = w.store.load_migration(&run_id).unwrap();
        assert_eq!(saved.status, MigrationStatus::Failed);

        let finished = migrate_with(&w, saved, &options()).await.unwrap();

        assert_eq!(finished.status, MigrationStatus::Completed);
        assert_eq!(footprint(&w.state()), footprint(&uninterrupted.state()), "stopped after {stop_after}");
        for id in [AUTOMATIC_SECRET, MANUAL_SECRET, LEGACY_ISSUER] {
            assert_eq!(converts_of(&w, id), 1, "one conversion of {id} after stopping at {stop_after}");
        }
        let manual = credentials_of(&w.state(), MANUAL_IDENTITY);
        assert_eq!(manual, credentials_of(&uninterrupted.state(), MANUAL_IDENTITY), "no second credential");
    }
}

#[tokio::test]
async fn applying_a_finished_migration_again_changes_nothing() {
    let w = world().await;
    let plan = three_kinds(&w).await;
    let finished = migrate(&w, plan.clone()).await;
    let state = footprint(&w.state());
    let writes_before = writes(&w).len();

    // Both the finished journal and a fresh one over the migrated estate see everything done.
    let again = migrate_with(&w, finished, &options()).await.unwrap();
    let fresh = migrate(&w, plan).await;

    assert_eq!(again.status, MigrationStatus::Completed);
    assert_eq!(fresh.status, MigrationStatus::Completed);
    assert_eq!(footprint(&w.state()), state);
    assert_eq!(writes(&w)[writes_before..], [] as [String; 0], "no write was sent");
}

#[tokio::test]
async fn a_plan_whose_journal_a_kill_cut_off_is_removed_when_the_migration_starts_again() {
    let w = world().await;
    let plan = three_kinds(&w).await;
    let plans = w.store.migrations().dir().join("plans");
    // A process killed between the first save's two writes leaves the plan without its journal.
    let cut_off = new_journal(&w, plan.clone());
    w.store.save_migration(&cut_off).unwrap();
    std::fs::remove_file(w.store.migrations().dir().join(format!("{}.json", cut_off.run_id))).unwrap();
    // The same file's migration in another cloud is another lock's business: its plan stays.
    let mut elsewhere = new_journal(&w, plan.clone());
    elsewhere.cloud_identity = None;
    w.store.save_migration(&elsewhere).unwrap();
    std::fs::remove_file(w.store.migrations().dir().join(format!("{}.json", elsewhere.run_id))).unwrap();

    let again = new_journal(&w, plan);
    w.store.save_migration(&again).unwrap();

    let mut left: Vec<String> =
        std::fs::read_dir(&plans).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    left.sort();
    let mut expected = vec![format!("{}.json", again.run_id), format!("{}.json", elsewhere.run_id)];
    expected.sort();
    assert_eq!(left, expected, "the cut-off plan is gone; this migration's and the other cloud's stay");
    assert_eq!(w.store.load_migration(&again.run_id).unwrap().plan, again.plan);
}
