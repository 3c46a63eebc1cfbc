//! Which cloud the desktop app talks to, read from `KEYLESS_CLOUD` with the one parser every
//! face uses (`keyless_usecases::CloudChoice`); unset means the built-in demo cloud.
//!
//! Reading the setting reads nothing else: a profile file or an emulator's profile is read
//! when the cloud is first used, so a wrong path is reported in the window, not at launch.

use keyless_core::InputError;
use keyless_usecases::{CLOUD_VARIABLE, CloudChoice};

/// The cloud the app was started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudSetting {
    /// The built-in demo cloud: nothing leaves the machine and nothing changes in Azure.
    Demo,
    /// A real cloud, a profile file, or an emulator the user started.
    Chosen(CloudChoice),
}

/// Why `KEYLESS_CLOUD` could not be used.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct CloudSettingError(#[from] InputError);

impl CloudSettingError {
    /// What the user can do about it, shown under the error.
    pub fn help(&self) -> String {
        format!("{}; or unset {CLOUD_VARIABLE} to use the built-in demo cloud", self.0.help)
    }
}

impl CloudSetting {
    /// Reads the setting from the process environment.
    pub fn from_env() -> Result<Self, CloudSettingError> {
        Self::parse(std::env::var(CLOUD_VARIABLE).ok().as_deref())
    }

    /// Interprets a `KEYLESS_CLOUD` value; `None` means the variable is unset.
    pub fn parse(value: Option<&str>) -> Result<Self, CloudSettingError> {
        Ok(Self::from(CloudChoice::parse(value, CloudChoice::Demo)?))
    }
}

impl From<CloudChoice> for CloudSetting {
    fn from(choice: CloudChoice) -> Self {
        match choice {
            CloudChoice::Demo => CloudSetting::Demo,
            other => CloudSetting::Chosen(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use keyless_core::CloudName;

    use super::*;

    #[test]
    fn unset_empty_and_demo_mean_the_demo_cloud() {
        for value in [None, Some(""), Some("  "), Some("demo"), Some("Demo")] {
            assert_eq!(CloudSetting::parse(value).unwrap(), CloudSetting::Demo, "{value:?}");
        }
    }

    #[test]
    fn names_urls_and_files_are_chosen_clouds() {
        assert_eq!(
            CloudSetting::parse(Some("usgov")).unwrap(),
            CloudSetting::Chosen(CloudChoice::Named(CloudName::UsGovernment))
        );
        assert_eq!(
            CloudSetting::parse(Some("http://127.0.0.1:7780")).unwrap(),
            CloudSetting::Chosen(CloudChoice::Url("http://127.0.0.1:7780".into()))
        );
    }

    #[test]
    fn unknown_name_says_what_is_accepted_and_how_to_get_the_demo() {
        let error = CloudSetting::parse(Some("mars")).unwrap_err();
        assert_eq!(error.to_string(), "cloud: 'mars' is not a known cloud");
        assert!(error.help().contains("public, usgov or china"));
        assert!(error.help().contains(CLOUD_VARIABLE));
    }
}
