//! Resolving `--cloud` / `KEYLESS_CLOUD` into a [`CloudProfile`].
//!
//! A spec is a built-in name (public, usgov, china), a path to a profile JSON file, or an
//! http(s) emulator URL whose `/.well-known/keyless-cloud.json` serves the profile. No spec
//! means the public cloud. The profile type and its validation live in keyless-core; this
//! module only does the IO of finding one, and says where it came from ([`CloudSource`]).

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

/// Where a cloud profile came from, which decides how far Keyless trusts it.
///
/// A profile fetched from a URL was chosen by whoever answers at that URL: it may name any
/// authority, so a sign-in with it never reads or writes the remembered refresh tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloudSource {
    /// public, usgov or china, compiled into Keyless.
    BuiltIn,
    /// A profile JSON file on this machine, written by the user.
    File,
    /// Served at `/.well-known/keyless-cloud.json` by an emulator URL.
    FetchedFromUrl,
}

/// A resolved `--cloud` spec: the profile and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCloud {
    pub profile: CloudProfile,
    pub source: CloudSource,
}

/// Resolves a cloud spec and says where the profile came from. Errors name the input and say
/// what to do.
pub async fn resolve_cloud_spec(spec: Option<&str>) -> Result<ResolvedCloud, InputError> {
    let resolved = |profile, source| ResolvedCloud { profile, source };
    let Some(spec) = spec.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(resolved(CloudName::Public.profile(), CloudSource::BuiltIn));
    };
    let lower = spec.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(resolved(fetch_emulator_profile(spec).await?, CloudSource::FetchedFromUrl));
    }
    if let Ok(name) = CloudName::parse(spec) {
        return Ok(resolved(name.profile(), CloudSource::BuiltIn));
    }
    let path = Path::new(spec);
    if path.exists() || lower.ends_with(".json") || spec.contains(std::path::MAIN_SEPARATOR) || spec.contains('/') {
        return Ok(resolved(read_profile_file(path)?, CloudSource::File));
    }
    // Neither a name, a URL nor a file: the core error lists the accepted forms.
    CloudName::parse(spec).map(|name| resolved(name.profile(), CloudSource::BuiltIn))
}

/// Resolves a cloud spec to its profile alone. Prefer [`resolve_cloud_spec`] wherever a
/// sign-in follows: it tells whether remembered sign-ins may be used.
pub async fn resolve_cloud(spec: Option<&str>) -> Result<CloudProfile, InputError> {
    Ok(resolve_cloud_spec(spec).await?.profile)
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
    refuse_plain_http_to_another_machine(base)?;
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

/// The profile names where tokens go, so it may only travel unencrypted within this machine.
fn refuse_plain_http_to_another_machine(base: &str) -> Result<(), InputError> {
    let parsed = url::Url::parse(base)
        .map_err(|e| InputError::new("cloud", format!("'{base}' is not a valid URL: {e}"), "fix the --cloud URL"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if parsed.scheme() == "http" && !loopback {
        return Err(InputError::new(
            "cloud",
            format!("'{base}' uses plain http to another machine, where the cloud profile could be changed on the way"),
            "use an https URL; plain http is accepted only for 127.0.0.1, ::1 or localhost (the emulator)",
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_urls_over_plain_http_must_stay_on_this_machine() {
        for local in
            ["http://127.0.0.1:7780", "http://[::1]:7780", "http://localhost:7780", "https://cloud.example.net"]
        {
            refuse_plain_http_to_another_machine(local).unwrap_or_else(|e| panic!("{local}: {e}"));
        }
        let error = refuse_plain_http_to_another_machine("http://cloud.example.net").unwrap_err();
        assert_eq!(error.input, "cloud");
        assert!(error.help.contains("https"), "{}", error.help);
    }
}
