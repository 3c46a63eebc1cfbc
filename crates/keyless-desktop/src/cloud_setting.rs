//! Which cloud the desktop app talks to, read from `KEYLESS_CLOUD`.
//!
//! Accepted values, as for the CLI's `--cloud`: unset, empty or `demo` for the built-in demo cloud;
//! `public`, `usgov` or `china`; an emulator URL such as `http://127.0.0.1:7780`; or the path of
//! a cloud profile JSON file. This module reads that file but does not reach any service.

use std::path::{Path, PathBuf};

use keyless_core::{CloudName, CloudProfile, InputError};

/// The environment variable that chooses the cloud.
pub const CLOUD_VARIABLE: &str = "KEYLESS_CLOUD";

/// The cloud the app was started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudSetting {
    /// The built-in demo cloud: nothing leaves the machine and nothing changes in Azure.
    Demo,
    /// A real cloud, or an emulator the user started, described by a full profile (boxed: it is
    /// a few hundred bytes of URLs and `Demo` is none).
    Profile(Box<CloudProfile>),
}

/// Why `KEYLESS_CLOUD` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CloudSettingError {
    #[error(transparent)]
    Invalid(#[from] InputError),
    #[error("cannot read the cloud profile {}: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("the cloud profile {} is not valid JSON for a cloud profile: {source}", path.display())]
    Malformed { path: PathBuf, source: serde_json::Error },
}

impl CloudSettingError {
    /// What the user can do about it, shown under the error.
    pub fn help(&self) -> String {
        match self {
            CloudSettingError::Invalid(error) => error.help.clone(),
            CloudSettingError::Unreadable { .. } | CloudSettingError::Malformed { .. } => {
                format!("fix the file, or unset {CLOUD_VARIABLE} to use the built-in demo cloud")
            }
        }
    }
}

impl CloudSetting {
    /// Reads the setting from the process environment.
    pub fn from_env() -> Result<Self, CloudSettingError> {
        Self::parse(std::env::var(CLOUD_VARIABLE).ok().as_deref())
    }

    /// Interprets a `KEYLESS_CLOUD` value; `None` means the variable is unset.
    pub fn parse(value: Option<&str>) -> Result<Self, CloudSettingError> {
        let value = value.map(str::trim).unwrap_or_default();
        if value.is_empty() || value.eq_ignore_ascii_case("demo") {
            return Ok(CloudSetting::Demo);
        }
        if value.starts_with("http://") || value.starts_with("https://") {
            let profile = CloudProfile::for_emulator(value);
            profile.validate()?;
            return Ok(CloudSetting::Profile(Box::new(profile)));
        }
        if value.ends_with(".json") || value.contains(std::path::MAIN_SEPARATOR) {
            return Self::from_profile_file(Path::new(value));
        }
        Ok(CloudSetting::Profile(Box::new(CloudName::parse(value)?.profile())))
    }

    fn from_profile_file(path: &Path) -> Result<Self, CloudSettingError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| CloudSettingError::Unreadable { path: path.to_owned(), source })?;
        let profile: CloudProfile = serde_json::from_str(&text)
            .map_err(|source| CloudSettingError::Malformed { path: path.to_owned(), source })?;
        profile.validate()?;
        Ok(CloudSetting::Profile(Box::new(profile)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_empty_and_demo_mean_the_demo_cloud() {
        for value in [None, Some(""), Some("  "), Some("demo"), Some("Demo")] {
            assert_eq!(CloudSetting::parse(value).unwrap(), CloudSetting::Demo, "{value:?}");
        }
    }

    #[test]
    fn cloud_names_give_their_profiles() {
        let CloudSetting::Profile(profile) = CloudSetting::parse(Some("usgov")).unwrap() else {
            panic!("usgov should name a profile");
        };
        assert_eq!(profile.name, "AzureUSGovernment");
    }

    #[test]
    fn emulator_url_is_an_emulator_profile() {
        let CloudSetting::Profile(profile) = CloudSetting::parse(Some("http://127.0.0.1:7780")).unwrap() else {
            panic!("a URL should name a profile");
        };
        assert!(profile.is_emulator);
        assert_eq!(profile.graph, "http://127.0.0.1:7780/graph");
    }

    #[test]
    fn unknown_name_says_what_is_accepted() {
        let error = CloudSetting::parse(Some("mars")).unwrap_err();
        assert_eq!(error.to_string(), "cloud: 'mars' is not a known cloud");
        assert!(error.help().contains("public, usgov or china"));
    }

    #[test]
    fn profile_file_is_read_and_validated() {
        let directory = std::env::temp_dir().join(format!("keyless-desktop-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let good = directory.join("sovereign.json");
        let mut profile = CloudName::Public.profile();
        profile.name = "Sovereign".into();
        std::fs::write(&good, serde_json::to_string(&profile).unwrap()).unwrap();
        assert_eq!(CloudSetting::parse(good.to_str()).unwrap(), CloudSetting::Profile(Box::new(profile)));

        let broken = directory.join("broken.json");
        std::fs::write(&broken, "{ not json").unwrap();
        let error = CloudSetting::parse(broken.to_str()).unwrap_err();
        assert!(matches!(error, CloudSettingError::Malformed { .. }), "{error}");
        assert!(error.help().contains(CLOUD_VARIABLE));

        let missing = CloudSetting::parse(directory.join("missing.json").to_str()).unwrap_err();
        assert!(matches!(missing, CloudSettingError::Unreadable { .. }), "{missing}");
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
