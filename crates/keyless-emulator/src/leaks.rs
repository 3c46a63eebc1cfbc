//! Finding a token that leaked: the text [`crate::EmulatorConfig::token_marker`] writes into
//! every token the emulator issues, searched for in what a run printed, logged, wrote or
//! showed, naming each place and line where it appears; and the file modes that keep what a
//! run wrote private (files 0600, directories 0700).
//!
//! It only reads. A token that was transformed before it leaked (hashed, encrypted, encoded
//! again) no longer holds the marker and is not found.

use std::path::Path;

/// Where `marker` appears in `places` (each a name and its text): one `name line N` for every
/// line holding it, in the order given.
pub fn find_marker(marker: &str, places: &[(String, String)]) -> Vec<String> {
    places
        .iter()
        .flat_map(|(name, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, line)| line.contains(marker))
                .map(move |(index, _)| format!("{name} line {}", index + 1))
        })
        .collect()
}

/// Every file under `root` and its subdirectories, as (path, contents read as UTF-8 with
/// invalid bytes replaced), sorted by path. Symbolic links are not followed; a missing `root`
/// holds nothing.
pub fn files_under(root: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for path in paths_under(root) {
        if path.symlink_metadata().is_ok_and(|m| m.is_file()) {
            let bytes = std::fs::read(&path).unwrap_or_default();
            found.push((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    found
}

/// Everything under `root` (not `root` itself), sorted, without following symbolic links.
fn paths_under(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(path.clone());
            }
            found.push(path);
        }
    }
    found.sort();
    found
}

/// `root` and everything under it that is not private, as `path mode` (octal): a file whose
/// mode is not 0600, a directory whose mode is not 0700.
#[cfg(unix)]
pub fn loose_modes(root: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    std::iter::once(root.to_path_buf())
        .chain(paths_under(root))
        .filter_map(|path| {
            let metadata = path.symlink_metadata().ok()?;
            let mode = metadata.permissions().mode() & 0o777;
            let private = if metadata.is_dir() { 0o700 } else { 0o600 };
            (!metadata.file_type().is_symlink() && mode != private).then(|| format!("{} {mode:o}", path.display()))
        })
        .collect()
}
