//! A run stopped at every step boundary and resumed ends exactly like an uninterrupted run.

use keyless_engine::{EngineError, journal::RunStatus};

use crate::support::*;

#[tokio::test]
async fn a_run_killed_at_every_step_boundary_resumes_to_the_same_end_state() {
    let setup = example("onboarding.toml");
    let reference = {
        let world = world().await;
        world.apply(&setup).await;
        footprint(&world.state())
    };
    let total = {
        let world = world().await;
        world.plan(&setup).await.0.steps.len()
    };
    for stop_after in 1..total {
        let world = world().await;
        let limited = keyless_engine::ApplyOptions { stop_after_steps: Some(stop_after), ..options() };
        let stopped = world.apply_with(&setup, None, &limited).await;
        assert!(matches!(stopped, Err(EngineError::Cancelled { .. })), "stop after {stop_after}: {stopped:?}");
        let unfinished = world
            .store
            .unfinished_for(&setup, &world.em.cloud_profile().identity())
            .unwrap()
            .expect("the journal keeps the stopped run");
        assert_eq!(unfinished.status, RunStatus::Failed);
        assert_eq!(unfinished.steps.len(), stop_after);
        let resumed = world.apply_with(&setup, Some(unfinished), &options()).await.unwrap();
        assert_eq!(resumed.status, RunStatus::Completed);
        assert_eq!(footprint(&world.state()), reference, "stopped after {stop_after} steps");
    }
}
