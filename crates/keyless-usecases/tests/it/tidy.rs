//! The crate invariants ARCHITECTURE.md lists, checked on the sources: who may depend on what,
//! and which faces may not carry a use case of their own.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The `[dependencies]` names of a manifest (not dev-dependencies: tests may use anything).
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut in_section = false;
    let mut names = vec![];
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == "[dependencies]";
            continue;
        }
        if in_section && let Some((name, _)) = line.split_once(['=', '.']) {
            names.push(name.trim().to_string());
        }
    }
    names
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = vec![];
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// `(file, line)` of every line of `dir`'s sources containing one of `needles`.
fn uses_of(dir: &Path, needles: &[&str]) -> Vec<String> {
    let mut found = vec![];
    for file in rust_files(dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(needle) = needles.iter().find(|needle| line.contains(*needle)) {
                found.push(format!("{}:{}: {needle}", file.display(), number + 1));
            }
        }
    }
    found
}

fn crates() -> Vec<PathBuf> {
    let mut crates: Vec<PathBuf> =
        std::fs::read_dir(workspace().join("crates")).unwrap().flatten().map(|entry| entry.path()).collect();
    crates.push(workspace().join("src-tauri"));
    crates
}

#[test]
fn only_the_shell_depends_on_tauri() {
    for dir in crates() {
        let shell = dir.ends_with("src-tauri");
        let tauri = dependencies(&dir.join("Cargo.toml")).iter().any(|name| name.starts_with("tauri"));
        assert_eq!(tauri, shell, "{}: only src-tauri may depend on tauri", dir.display());
    }
}

#[test]
fn core_does_no_io_no_async_and_no_http() {
    let core = workspace().join("crates/keyless-core");
    let deps = dependencies(&core.join("Cargo.toml"));
    for forbidden in ["tokio", "reqwest", "futures", "axum"] {
        assert!(!deps.iter().any(|name| name == forbidden), "keyless-core depends on {forbidden}");
    }
    let io = uses_of(&core.join("src"), &["std::fs", "std::net", "async fn", "std::process"]);
    assert!(io.is_empty(), "keyless-core does IO: {io:#?}");
}

#[test]
fn only_the_http_layer_and_the_demo_talk_http() {
    // keyless-azure sends every request to Azure; the emulator answers them; the use cases'
    // demo browser follows the emulator's loopback sign-in redirect.
    let allowed = ["keyless-azure", "keyless-emulator", "keyless-usecases"];
    for dir in crates() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let http = dependencies(&dir.join("Cargo.toml")).iter().any(|dep| dep == "reqwest");
        assert!(!http || allowed.contains(&name.as_str()), "{name} depends on reqwest");
    }
}

#[test]
fn the_faces_carry_no_use_case_of_their_own() {
    // The engine's run functions, the planner and the sign-in flows are called from
    // keyless-usecases only; the CLI and the desktop controller call the use cases.
    let use_case_internals = [
        "keyless_engine::apply",
        "keyless_engine::observe",
        "keyless_engine::finish",
        "keyless_engine::rollback::rollback",
        "build_plan(",
        "observe(",
        "sign_in_on_demand",
        "sign_in_with_device_code",
        "sign_in_with_browser",
        "resolve_cloud",
        "RunJournal::new",
        ".unfinished_for(",
        "devops_profile(",
        "KEYLESS_CLOUD\"",
    ];
    for face in ["crates/keyless-cli/src", "crates/keyless-desktop/src"] {
        let found = uses_of(&workspace().join(face), &use_case_internals);
        assert!(found.is_empty(), "{face} implements a use case itself; move it to keyless-usecases: {found:#?}");
    }
}

#[test]
fn shared_crates_write_no_advice_that_names_the_clis_commands() {
    // Help lines reach the window too: only the CLI may name `keyless ...` commands or flags.
    for dir in ["crates/keyless-usecases/src", "crates/keyless-engine/src", "crates/keyless-desktop/src"] {
        let found = uses_of(&workspace().join(dir), &["`keyless ", "--state-dir", "--tenant", "--cloud "]);
        assert!(found.is_empty(), "{dir} names CLI commands or flags: {found:#?}");
    }
}

#[test]
fn every_rust_file_says_what_it_is_for() {
    for dir in crates() {
        for file in rust_files(&dir) {
            if file.components().any(|part| part.as_os_str() == "target") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(text.starts_with("//!"), "{} does not start with a //! line", file.display());
        }
    }
}
