//! The names of the desktop commands, shared by the Tauri shell (handler and permissions), its
//! capability file, the browser bridge and the UI.
//!
//! A command name is `snake_case` because Tauri derives the permission `allow-<kebab-case>` from
//! it; the UI calls the same string through `COMMANDS` in the generated bindings. Tauri passes
//! arguments by their camelCase names: `request` and, for streaming commands, `onEvent` or
//! `onProgress` (a `Channel`).

/// `session_status() -> SessionStatus`: the cloud and the signed-in account, if any.
pub const SESSION_STATUS: &str = "session_status";
pub const CHOOSE_CLOUD: &str = "choose_cloud";
pub const SIGN_IN: &str = "sign_in";
pub const CANCEL_SIGN_IN: &str = "cancel_sign_in";
pub const SIGN_OUT: &str = "sign_out";
pub const LIST_ORGANIZATIONS: &str = "list_organizations";
pub const LIST_PROJECTS: &str = "list_projects";
pub const LIST_SUBSCRIPTIONS: &str = "list_subscriptions";
pub const LIST_RESOURCE_GROUPS: &str = "list_resource_groups";
pub const LIST_LOCATIONS: &str = "list_locations";
pub const SEARCH_IDENTITIES: &str = "search_identities";
pub const CHECK_CONNECTION_NAME: &str = "check_connection_name";
pub const PLAN_SETUP: &str = "plan_setup";
pub const APPLY_SETUP: &str = "apply_setup";
pub const CANCEL_APPLY: &str = "cancel_apply";
pub const ROLLBACK_RUN: &str = "rollback_run";
pub const FINISH_RUN: &str = "finish_run";
pub const LIST_RUNS: &str = "list_runs";
/// `take_inventory(request) -> InventoryView`: every service connection of the estate, classified.
pub const TAKE_INVENTORY: &str = "take_inventory";
/// `plan_migration(request) -> MigrationPlanView`: what migrating the chosen connections would do.
pub const PLAN_MIGRATION: &str = "plan_migration";
pub const APPLY_MIGRATION: &str = "apply_migration";
pub const REVERT_MIGRATION: &str = "revert_migration";
pub const MIGRATION_RUNS: &str = "migration_runs";
/// `diagnose(request) -> DiagnosisView`: broken connections found against live state; changes nothing.
pub const DIAGNOSE: &str = "diagnose";
pub const DIAGNOSE_PASTED_LOG: &str = "diagnose_pasted_log";
pub const PLAN_FIX: &str = "plan_fix";
pub const APPLY_FIX: &str = "apply_fix";

/// Every command the desktop app exposes, in the order the bindings list them.
pub const ALL: &[&str] = &[
    SESSION_STATUS,
    CHOOSE_CLOUD,
    SIGN_IN,
    CANCEL_SIGN_IN,
    SIGN_OUT,
    LIST_ORGANIZATIONS,
    LIST_PROJECTS,
    LIST_SUBSCRIPTIONS,
    LIST_RESOURCE_GROUPS,
    LIST_LOCATIONS,
    SEARCH_IDENTITIES,
    CHECK_CONNECTION_NAME,
    PLAN_SETUP,
    APPLY_SETUP,
    CANCEL_APPLY,
    ROLLBACK_RUN,
    FINISH_RUN,
    LIST_RUNS,
    TAKE_INVENTORY,
    PLAN_MIGRATION,
    APPLY_MIGRATION,
    REVERT_MIGRATION,
    MIGRATION_RUNS,
    DIAGNOSE,
    DIAGNOSE_PASTED_LOG,
    PLAN_FIX,
    APPLY_FIX,
];

/// The commands that stream events on a channel before their result, and the event type.
pub const STREAMING: &[(&str, &str)] = &[
    (SIGN_IN, "SignInEvent"),
    (APPLY_SETUP, "ProgressView"),
    (ROLLBACK_RUN, "ProgressView"),
    (FINISH_RUN, "ProgressView"),
    (APPLY_MIGRATION, "MigrationProgressView"),
    (REVERT_MIGRATION, "MigrationProgressView"),
    (APPLY_FIX, "ProgressView"),
];

/// The TypeScript-flavoured signature of `command`, written above it in the generated bindings;
/// every command returns its result or rejects with an `IpcError`.
pub fn signature_of(command: &str) -> &'static str {
    match command {
        SESSION_STATUS => "() => SessionStatus",
        CHOOSE_CLOUD => "(request: ChooseCloud) => SessionStatus",
        SIGN_IN => "(request: SignInRequest, onEvent: Channel<SignInEvent>) => SessionStatus",
        CANCEL_SIGN_IN => "() => null",
        SIGN_OUT => "() => SessionStatus",
        LIST_ORGANIZATIONS => "() => OrganizationList",
        LIST_PROJECTS => "(request: OrganizationRequest) => ProjectView[]",
        LIST_SUBSCRIPTIONS => "() => SubscriptionView[]",
        LIST_RESOURCE_GROUPS => "(request: SubscriptionRequest) => ResourceGroupView[]",
        LIST_LOCATIONS => "(request: SubscriptionRequest) => LocationView[]",
        SEARCH_IDENTITIES => "(request: IdentitySearchRequest) => IdentityView[]",
        CHECK_CONNECTION_NAME => "(request: ConnectionNameRequest) => NameCheck",
        PLAN_SETUP => "(request: SetupRequest) => PlanView",
        APPLY_SETUP => "(request: SetupRequest, onProgress: Channel<ProgressView>) => RunView",
        CANCEL_APPLY => "() => null",
        ROLLBACK_RUN => "(request: RunRequest, onProgress: Channel<ProgressView>) => RunView",
        FINISH_RUN => "(request: RunRequest, onProgress: Channel<ProgressView>) => RunView",
        LIST_RUNS => "() => RunSummaryView[]",
        TAKE_INVENTORY => "(request: InventoryRequest) => InventoryView",
        PLAN_MIGRATION => "(request: MigrationRequest) => MigrationPlanView",
        APPLY_MIGRATION => {
            "(request: MigrationRequest, onProgress: Channel<MigrationProgressView>) => MigrationRunView"
        }
        REVERT_MIGRATION => {
            "(request: MigrationRunRequest, onProgress: Channel<MigrationProgressView>) => MigrationRunView"
        }
        MIGRATION_RUNS => "() => MigrationRunSummaryView[]",
        DIAGNOSE => "(request: DiagnoseRequest) => DiagnosisView",
        DIAGNOSE_PASTED_LOG => "(request: PastedLogRequest) => PastedLogView",
        PLAN_FIX => "(request: FixRequest) => FixPlanView",
        APPLY_FIX => "(request: FixRequest, onProgress: Channel<ProgressView>) => FixRunView",
        _ => "",
    }
}

/// The Tauri permission identifier that allows `command`, as listed in `capabilities/`.
pub fn permission_for(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

/// The camelCase key the UI uses for `command` in the generated `COMMANDS` object.
pub fn ui_key_for(command: &str) -> String {
    let mut key = String::with_capacity(command.len());
    let mut upper_next = false;
    for character in command.chars() {
        if character == '_' {
            upper_next = true;
        } else if upper_next {
            key.extend(character.to_uppercase());
            upper_next = false;
        } else {
            key.push(character);
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_and_ui_keys_follow_tauri_and_camel_case() {
        assert_eq!(permission_for(SESSION_STATUS), "allow-session-status");
        assert_eq!(permission_for(CHECK_CONNECTION_NAME), "allow-check-connection-name");
        assert_eq!(ui_key_for(SESSION_STATUS), "sessionStatus");
        assert_eq!(ui_key_for("apply"), "apply");
    }

    #[test]
    fn command_names_are_unique_snake_case() {
        for (index, command) in ALL.iter().enumerate() {
            assert!(command.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{command} is not snake_case");
            assert!(!ALL[index + 1..].contains(command), "{command} is listed twice");
        }
    }

    #[test]
    fn every_command_has_a_signature_and_streaming_ones_name_their_channel() {
        for command in ALL {
            let signature = signature_of(command);
            assert!(signature.starts_with('('), "{command} has no signature");
            let streams = STREAMING.iter().find(|(name, _)| name == command);
            match streams {
                Some((_, event)) => assert!(signature.contains(&format!("Channel<{event}>")), "{command}"),
                None => assert!(!signature.contains("Channel"), "{command}"),
            }
        }
    }
}
