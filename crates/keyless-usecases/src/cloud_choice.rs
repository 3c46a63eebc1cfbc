//! The one reading of `--cloud` / `KEYLESS_CLOUD`: which cloud a face talks to.
//!
//! Accepted values: `demo` (the built-in demo cloud, in process); `public`, `usgov` or `china`;
//! an emulator URL such as `http://127.0.0.1:7780`; or the path of a cloud profile JSON file.
//! Parsing reads nothing; [`CloudChoice::resolve`] reads the file or fetches the emulator's
//! profile. What an unset value means is the face's choice (the window opens on the demo
//! cloud, the CLI on Azure public cloud), passed as `when_unset`.

use std::path::PathBuf;

use keyless_azure::cloud_spec::{CloudSource, ResolvedCloud, resolve_cloud_spec};
use keyless_core::{CloudName, InputError};

/// The environment variable every face reads (the CLI also takes `--cloud`).
pub const CLOUD_VARIABLE: &str = "KEYLESS_CLOUD";

/// A cloud as the user named it, before anything is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudChoice {
    /// The built-in demo cloud: an emulator inside this process; nothing leaves the machine.
    Demo,
    Named(CloudName),
    /// An emulator (or other Keyless-compatible endpoint) that serves its own profile.
    Url(String),
    /// A cloud profile JSON file.
    File(PathBuf),
}

impl CloudChoice {
    /// Reads a `--cloud` / `KEYLESS_CLOUD` value; `None` or blank means `when_unset`.
    pub fn parse(value: Option<&str>, when_unset: CloudChoice) -> Result<Self, InputError> {
        let value = value.map(str::trim).unwrap_or_default();
        if value.is_empty() {
            return Ok(when_unset);
        }
        let lower = value.to_ascii_lowercase();
        if lower == "demo" {
            return Ok(CloudChoice::Demo);
        }
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return Ok(CloudChoice::Url(value.to_string()));
        }
        if let Ok(name) = CloudName::parse(value) {
            return Ok(CloudChoice::Named(name));
        }
        if lower.ends_with(".json") || value.contains('/') || value.contains(std::path::MAIN_SEPARATOR) {
            return Ok(CloudChoice::File(PathBuf::from(value)));
        }
        Err(InputError::new(
            "cloud",
            format!("'{value}' is not a known cloud"),
            "use demo, public, usgov or china, a path to a cloud profile JSON file, or an emulator URL such as http://127.0.0.1:7780",
        ))
    }

    /// Reads `KEYLESS_CLOUD` from the process environment.
    pub fn from_env(when_unset: CloudChoice) -> Result<Self, InputError> {
        Self::parse(std::env::var(CLOUD_VARIABLE).ok().as_deref(), when_unset)
    }

    pub fn is_demo(&self) -> bool {
        matches!(self, CloudChoice::Demo)
    }

    /// The profile of a real cloud, file or emulator URL; `None` for the demo cloud, whose
    /// profile exists only once its emulator runs (see `demo`).
    pub async fn resolve(&self) -> Result<Option<ResolvedCloud>, InputError> {
        let spec = match self {
            CloudChoice::Demo => return Ok(None),
            CloudChoice::Named(name) => {
                return Ok(Some(ResolvedCloud { profile: name.profile(), source: CloudSource::BuiltIn }));
            }
            CloudChoice::Url(url) => url.clone(),
            CloudChoice::File(path) => path.display().to_string(),
        };
        resolve_cloud_spec(Some(&spec)).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Result<CloudChoice, InputError> {
        CloudChoice::parse(Some(value), CloudChoice::Named(CloudName::Public))
    }

    #[test]
    fn unset_and_blank_mean_what_the_face_chose() {
        assert_eq!(CloudChoice::parse(None, CloudChoice::Demo).unwrap(), CloudChoice::Demo);
        assert_eq!(
            CloudChoice::parse(Some("  "), CloudChoice::Named(CloudName::Public)).unwrap(),
            CloudChoice::Named(CloudName::Public)
        );
    }

    #[test]
    fn every_accepted_form_is_recognised() {
        assert_eq!(parse("Demo").unwrap(), CloudChoice::Demo);
        assert_eq!(parse("usgov").unwrap(), CloudChoice::Named(CloudName::UsGovernment));
        assert_eq!(parse("AzureCloud").unwrap(), CloudChoice::Named(CloudName::Public));
        assert_eq!(parse("http://127.0.0.1:7780").unwrap(), CloudChoice::Url("http://127.0.0.1:7780".into()));
        assert_eq!(parse("clouds/sovereign.json").unwrap(), CloudChoice::File("clouds/sovereign.json".into()));
        assert_eq!(parse("mine.json").unwrap(), CloudChoice::File("mine.json".into()));
    }

    #[test]
    fn an_unknown_name_says_what_is_accepted() {
        let error = parse("mars").unwrap_err();
        assert_eq!(error.to_string(), "cloud: 'mars' is not a known cloud");
        assert!(error.help.contains("demo, public, usgov or china"), "{}", error.help);
    }

    #[tokio::test]
    async fn names_resolve_without_any_request_and_demo_has_no_profile_yet() {
        let resolved = CloudChoice::Named(CloudName::China).resolve().await.unwrap().unwrap();
        assert_eq!(resolved.profile.name, "AzureChinaCloud");
        assert_eq!(resolved.source, CloudSource::BuiltIn);
        assert!(CloudChoice::Demo.resolve().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_missing_profile_file_is_refused_with_its_path() {
        let error = CloudChoice::File("does/not/exist.json".into()).resolve().await.unwrap_err();
        assert!(error.problem.contains("does/not/exist.json"), "{error}");
    }
}
