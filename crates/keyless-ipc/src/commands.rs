//! The names of the desktop commands, shared by the Tauri shell (handler and permissions), its
//! capability file and the UI.
//!
//! A command name is `snake_case` because Tauri derives the permission `allow-<kebab-case>` from
//! it; the UI calls the same string through `COMMANDS` in the generated bindings.

/// `session_status() -> SessionStatus`: the cloud and the signed-in account, if any.
pub const SESSION_STATUS: &str = "session_status";

/// Every command the desktop app exposes, in the order the bindings list them.
pub const ALL: &[&str] = &[SESSION_STATUS];

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
}
