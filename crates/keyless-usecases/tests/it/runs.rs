//! Runs through the shared use case: keyed by the cloud's identity, locked per setup.

use std::sync::{Arc, Mutex, atomic::AtomicBool, mpsc};

use keyless_core::{
    plan::Plan,
    setup::{Setup, parse_setup_toml},
};
use keyless_engine::{
    FailureCode, Remedy,
    journal::{CreatedResource, JournalStore, RunJournal, RunStatus},
    progress::SilentReporter,
};
use keyless_usecases::{
    AlreadyConfirmed, Cloud, Confirm, Connected, DemoCloud, Method, RunOutcome, RunSettings, UseCaseError, runs,
};

use crate::support::{SignedIn, fast_demo, sign_in_to, signed_in};

fn onboarding() -> Setup {
    parse_setup_toml("onboarding.toml", include_str!("../../../../examples/onboarding.toml")).unwrap()
}

fn settings(world: &SignedIn, store: &JournalStore) -> RunSettings {
    RunSettings { consistency: world.demo.consistency(), ..RunSettings::new(store.clone()) }
}

/// Applies the onboarding example, already confirmed, with nobody watching the progress.
async fn apply_onboarding(connected: &Connected, settings: &RunSettings) -> RunOutcome {
    runs::apply_setup(connected, settings, &onboarding(), &SilentReporter, &AlreadyConfirmed).await.unwrap()
}

/// Settings whose cancel switch is already on: the run stops before its first step.
fn cancelled_before_starting(settings: RunSettings) -> RunSettings {
    RunSettings { cancel: Some(Arc::new(AtomicBool::new(true))), ..settings }
}

#[tokio::test]
async fn apply_records_the_clouds_identity_and_completes() {
    let world = signed_in().await;
    let state = tempfile::tempdir().unwrap();
    let store = JournalStore::new(state.path());
    let outcome = apply_onboarding(&world.connected, &settings(&world, &store)).await;
    assert!(outcome.stopped.is_none(), "{:?}", outcome.stopped);
    assert_eq!(outcome.journal.status, RunStatus::Completed);
    assert_eq!(outcome.journal.cloud_identity, Some(world.connected.cloud.profile.identity()));
    let listed = runs::list_runs(&store, Some(&world.connected.cloud.profile.identity())).unwrap();
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn a_run_of_another_cloud_with_the_same_name_is_neither_resumed_nor_rolled_back() {
    let first = signed_in().await;
    let state = tempfile::tempdir().unwrap();
    let store = JournalStore::new(state.path());
    // Stopped before its first step: an unfinished run on the first demo cloud.
    let unfinished = apply_onboarding(&first.connected, &cancelled_before_starting(settings(&first, &store))).await;
    assert!(matches!(unfinished.stopped, Some(keyless_engine::EngineError::Cancelled { .. })));

    // A second demo cloud calls itself "Demo" too, but is another cloud.
    let second_demo = DemoCloud::start(&fast_demo()).await.unwrap();
    let second = sign_in_to(&Cloud::demo(second_demo.profile()), Method::Browser).await.unwrap();
    assert_eq!(second.cloud.profile.name, first.connected.cloud.profile.name);
    let second_settings = RunSettings { consistency: second_demo.consistency(), ..RunSettings::new(store.clone()) };

    let error =
        runs::rollback_run(&second, &second_settings, &unfinished.journal.run_id, &SilentReporter, &AlreadyConfirmed)
            .await
            .unwrap_err();
    assert!(matches!(error, UseCaseError::RunOfAnotherCloud { .. }), "{error}");
    assert_eq!(error.code(), FailureCode::RunOfAnotherCloud);
    assert!(matches!(error.remedy(), Remedy::SwitchCloud { .. }));
    let error =
        runs::finish_run(&second, &second_settings, &unfinished.journal.run_id, &SilentReporter).await.unwrap_err();
    assert!(matches!(error, UseCaseError::RunOfAnotherCloud { .. }), "{error}");

    let applied = apply_onboarding(&second, &second_settings).await;
    assert_ne!(applied.journal.run_id, unfinished.journal.run_id, "the other cloud's run must not be resumed");
    assert_eq!(store.load(&unfinished.journal.run_id).unwrap().status, RunStatus::Failed);
}

#[tokio::test]
async fn the_same_cloud_resumes_its_unfinished_run() {
    let world = signed_in().await;
    let state = tempfile::tempdir().unwrap();
    let store = JournalStore::new(state.path());
    let unfinished = apply_onboarding(&world.connected, &cancelled_before_starting(settings(&world, &store))).await;
    let resumed = apply_onboarding(&world.connected, &settings(&world, &store)).await;
    assert_eq!(resumed.journal.run_id, unfinished.journal.run_id);
    assert_eq!(resumed.journal.status, RunStatus::Completed);
}

/// Holds the confirmation open until told, so the first apply keeps the setup's lock.
struct HoldOpen {
    entered: Mutex<mpsc::Sender<()>>,
    release: Mutex<mpsc::Receiver<bool>>,
}

impl Confirm for HoldOpen {
    fn apply(&self, _: &Plan, _: Option<&RunJournal>) -> bool {
        self.entered.lock().unwrap().send(()).unwrap();
        self.release.lock().unwrap().recv().unwrap()
    }
    fn rollback(&self, _: &RunJournal, _: &[CreatedResource]) -> bool {
        false
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_apply_of_the_same_setup_is_refused_while_the_first_runs() {
    let world = Arc::new(signed_in().await);
    let state = tempfile::tempdir().unwrap();
    let store = JournalStore::new(state.path());
    let (entered_tx, entered_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    let hold = Arc::new(HoldOpen { entered: Mutex::new(entered_tx), release: Mutex::new(release_rx) });
    let first = {
        let (world, hold, run_settings) = (world.clone(), hold.clone(), settings(&world, &store));
        tokio::spawn(async move {
            runs::apply_setup(&world.connected, &run_settings, &onboarding(), &SilentReporter, &*hold).await
        })
    };
    tokio::task::spawn_blocking(move || entered_rx.recv().unwrap()).await.unwrap();

    let second = runs::apply_setup(
        &world.connected,
        &settings(&world, &store),
        &onboarding(),
        &SilentReporter,
        &AlreadyConfirmed,
    )
    .await
    .unwrap_err();
    assert_eq!(second.code(), FailureCode::RunBusy, "{second}");
    assert_eq!(second.remedy(), Remedy::WaitForOtherRun);

    release_tx.send(false).unwrap();
    let first = first.await.unwrap().unwrap_err();
    assert!(matches!(first, UseCaseError::Declined), "{first}");
    assert!(runs::list_runs(&store, None).unwrap().is_empty(), "a declined apply leaves no run behind");
}

#[tokio::test]
async fn a_fresh_apply_creates_what_its_observation_did_not_show_without_looking_for_it_again() {
    let world = signed_in().await;
    let state = tempfile::tempdir().unwrap();
    let store = JournalStore::new(state.path());
    let before = world.demo.emulator().requests().last().map_or(0, |r| r.sequence);
    let outcome = apply_onboarding(&world.connected, &settings(&world, &store)).await;
    assert_eq!(outcome.journal.status, RunStatus::Completed);

    let reads = |matches: &dyn Fn(&str) -> bool| {
        let requests = world.demo.emulator().requests();
        requests.iter().filter(|r| r.sequence > before && r.method == "GET" && matches(&r.path)).count()
    };
    // The observation looks the app registration and its "-2" sibling up by name; the identity
    // step creates it without a third look.
    assert_eq!(reads(&|path| path == "/graph/v1.0/applications"), 2);
    // Nothing of the run's can exist before its steps announce it: no service principal or
    // credential is looked for before it is created.
    assert_eq!(reads(&|path| path.starts_with("/graph/v1.0/servicePrincipals(appId=")), 0);
    assert_eq!(reads(&|path| path.ends_with("/federatedIdentityCredentials")), 0);
    let created = outcome.journal.steps.values().flat_map(|s| s.created.iter()).count();
    assert!(created >= 4, "app, service principal, connection and credential are created: {created}");
}
