//! Resolving `--cloud` / `KEYLESS_CLOUD` into a [`CloudProfile`].
//!
//! A spec is a built-in name (public, usgov, china), a path to a profile JSON file, or an
//! http(s) emulator URL whose `/.well-known/keyless-cloud.json` serves the profile. No spec
//! means the public cloud. The profile type and its validation live in keyless-core; this
//! module only does the IO of finding one.

use std::path::Path;
use std::time::Duration;

use keyless_core::{CloudName, CloudProfile, InputError};

/// The environment variable read when `--cloud` is not given.
pub const CLOUD_ENV: &str = "KEYLESS_CLOUD";

/// Where the emulator serves its profile.
pub const EMULATOR_PROFILE_PATH: &str = "/.well-known/keyless-cloud.json";

/// The spec to use: the flag if given, else `KEYLESS_CLOUD`, else none (public cloud).
pub fn cloud_spec_from_env(flag: Option<&str>) -> Option<String> {
    flag.map(str::to_string).or_else(|| std::env::var(CLOUD_ENV).ok()).filter(|s| !s.trim().is_empty())
}

/// Resolves a cloud spec. Errors name the input and say what to do.
pub async fn resolve_cloud(spec: Option<&str>) -> Result<CloudProfile, InputError> {
    let Some(spec) = spec.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(CloudName::Public.profile());
    };
    let lower = spec.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return fetch_emulator_profile(spec).await;
    }
    if let Ok(name) = CloudName::parse(spec) {
        return Ok(name.profile());
    }
    let path = Path::new(spec);
    if path.exists() || lower.ends_with(".json") || spec.contains(std::path::MAIN_SEPARATOR) || spec.contains('/') {
        return read_profile_file(path);
    }
    // Neither a name, a URL nor a file: the core error lists the accepted forms.
    CloudName::parse(spec).map(CloudName::profile)
}

fn read_profile_file(path: &Path) -> Result<CloudProfile, InputError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        InputError::new(
            "cloud",
            format!("cannot read cloud profile file '{shown}': {e}"),
            "check the path, or use public, usgov, china or an emulator URL",
        )
    })?;
    let profile: CloudProfile = serde_json::from_str(&text).map_err(|e| {
        InputError::new(
            "cloud",
            format!("cloud profile file '{shown}' is not a valid profile: {e}"),
            "compare it with the built-in profile printed by `keyless cloud show` (README, Cloud profiles)",
        )
    })?;
    profile
        .validate()
        .map_err(|e| InputError::new("cloud", format!("cloud profile file '{shown}': {}", e.problem), e.help))?;
    Ok(profile)
}

async fn fetch_emulator_profile(base: &str) -> Result<CloudProfile, InputError> {
    let base = base.trim_end_matches('/');
    let url = format!("{base}{EMULATOR_PROFILE_PATH}");
    let help = "start `keyless emulator` (it prints its URL) or fix the --cloud / KEYLESS_CLOUD URL";
    // This one request happens before any cloud (and so any transport) exists and carries no
    // token; it must fail fast with a clear message instead of retrying for minutes.
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| InputError::new("cloud", format!("could not set up HTTP: {e}"), help))?;
    let response = client.get(&url).send().await.map_err(|e| {
        InputError::new("cloud", format!("could not reach the emulator at {base}: {}", cause(&e)), help)
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(InputError::new(
            "cloud",
            format!(
                "{base} answered HTTP {} for {EMULATOR_PROFILE_PATH}; it does not look like a Keyless emulator",
                status.as_u16()
            ),
            help,
        ));
    }
    let profile: CloudProfile = response.json().await.map_err(|e| {
        InputError::new("cloud", format!("{url} did not serve a valid cloud profile: {}", cause(&e)), help)
    })?;
    profile.validate().map_err(|e| InputError::new("cloud", format!("{url}: {}", e.problem), e.help))?;
    Ok(profile)
}

fn cause(error: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(current) = source {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&current.to_string());
        source = current.source();
    }
    text
}
