//! Names users type: Azure DevOps organizations, projects and service connections, Azure
//! resource names. Each validator says which rule failed and what would be accepted.

use crate::InputError;

/// An Azure DevOps organization name: the `{org}` in `https://dev.azure.com/{org}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgName(String);

impl OrgName {
    /// Accepts the bare name, or a pasted `https://dev.azure.com/{org}` /
    /// `https://{org}.visualstudio.com` URL, which is what admins usually have at hand.
    pub fn parse(value: &str) -> Result<Self, InputError> {
        let trimmed = value.trim().trim_end_matches('/');
        let bare = trimmed
            .strip_prefix("https://dev.azure.com/")
            .or_else(|| trimmed.strip_prefix("https://").and_then(|h| h.strip_suffix(".visualstudio.com")))
            .unwrap_or(trimmed);
        let help = "use the organization name from https://dev.azure.com/<name>: letters, digits and '-', starting and ending with a letter or digit, at most 50 characters";
        if bare.is_empty() {
            return Err(InputError::new("organization", "is empty", help));
        }
        if bare.contains('/') {
            return Err(InputError::new(
                "organization",
                format!("'{value}' contains '/'; an organization name is one path segment"),
                help,
            ));
        }
        if bare.len() > 50 {
            return Err(InputError::new("organization", format!("'{bare}' is longer than 50 characters"), help));
        }
        let ok_chars = bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let ok_ends = bare.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bare.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !ok_chars || !ok_ends {
            return Err(InputError::new("organization", format!("'{bare}' is not a valid organization name"), help));
        }
        Ok(OrgName(bare.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for OrgName {
    type Error = InputError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        OrgName::parse(&s)
    }
}

impl From<OrgName> for String {
    fn from(o: OrgName) -> String {
        o.0
    }
}

impl std::str::FromStr for OrgName {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgName::parse(s)
    }
}

const PROJECT_FORBIDDEN: &[char] = &[
    '\\', '/', ':', '*', '?', '"', '<', '>', ';', '#', '$', '{', '}', ',', '+', '=', '[', ']', '|', '%', '&', '@', '~',
];

/// An Azure DevOps project name (Azure DevOps' naming restrictions for projects).
pub fn validate_project_name(name: &str) -> Result<(), InputError> {
    let help = "use at most 64 characters, no \\ / : * ? \" < > ; # $ { } , + = [ ] | % & @ ~, not starting with '_' or '.', not ending with '.'";
    if name.trim().is_empty() {
        return Err(InputError::new("project", "is empty", help));
    }
    if name.chars().count() > 64 {
        return Err(InputError::new("project", format!("'{name}' is longer than 64 characters"), help));
    }
    if let Some(c) = name.chars().find(|c| PROJECT_FORBIDDEN.contains(c) || c.is_control()) {
        return Err(InputError::new("project", format!("'{name}' contains '{c}'"), help));
    }
    if name.starts_with('_') || name.starts_with('.') || name.ends_with('.') {
        return Err(InputError::new("project", format!("'{name}' starts with '_' or '.' or ends with '.'"), help));
    }
    Ok(())
}

/// Longest service connection name Keyless accepts (see README, Known assumptions).
pub const MAX_CONNECTION_NAME_LEN: usize = 256;

/// A service connection name: non-empty, no surrounding whitespace, no control characters,
/// at most [`MAX_CONNECTION_NAME_LEN`] characters.
pub fn validate_connection_name(name: &str) -> Result<(), InputError> {
    let help = format!(
        "use 1-{MAX_CONNECTION_NAME_LEN} printable characters without leading or trailing spaces, e.g. sc-prod-deploy"
    );
    if name.is_empty() {
        return Err(InputError::new("connection name", "is empty", help));
    }
    if name.trim() != name {
        return Err(InputError::new("connection name", format!("'{name}' has leading or trailing spaces"), help));
    }
    if name.chars().count() > MAX_CONNECTION_NAME_LEN {
        return Err(InputError::new(
            "connection name",
            format!("is longer than {MAX_CONNECTION_NAME_LEN} characters"),
            help,
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(InputError::new("connection name", "contains a control character", help));
    }
    Ok(())
}

/// A user-assigned managed identity or resource group name (ARM rules: 3-128 / 1-90
/// characters of letters, digits, '-', '_'; managed identities also must not start with '-'
/// or '_').
pub fn validate_managed_identity_name(name: &str) -> Result<(), InputError> {
    let help = "use 3-128 letters, digits, '-' or '_', starting with a letter or digit";
    let ok = (3..=128).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(InputError::new("managed identity name", format!("'{name}' is not a valid managed identity name"), help))
    }
}

pub fn validate_resource_group_name(name: &str) -> Result<(), InputError> {
    let help = "use 1-90 letters, digits, '-', '_', '.' or '(' ')', not ending with '.'";
    let ok = (1..=90).contains(&name.len())
        && !name.ends_with('.')
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'));
    if ok {
        Ok(())
    } else {
        Err(InputError::new("resource group", format!("'{name}' is not a valid resource group name"), help))
    }
}

/// An app registration display name: 1-120 characters (Graph's `displayName` limit for apps).
pub fn validate_app_display_name(name: &str) -> Result<(), InputError> {
    if name.trim().is_empty() || name.chars().count() > 120 {
        return Err(InputError::new(
            "app registration name",
            format!("'{name}' must be 1 to 120 characters"),
            "choose a short descriptive name, e.g. kl-prod-deployer",
        ));
    }
    Ok(())
}

/// Regions where user-assigned managed identities cannot hold FICs (405 from the API).
pub const REGIONS_WITHOUT_FIC_SUPPORT: &[&str] = &["malaysiasouth", "newzealandnorth"];

/// Refuses a managed identity region that cannot hold federated credentials.
pub fn validate_managed_identity_region(location: &str) -> Result<(), InputError> {
    let normalized: String = location.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    if normalized.is_empty() {
        return Err(InputError::new("location", "is empty", "choose an Azure region such as westeurope"));
    }
    if REGIONS_WITHOUT_FIC_SUPPORT.contains(&normalized.as_str()) {
        return Err(InputError::new(
            "location",
            format!("managed identities in '{location}' cannot hold federated credentials"),
            "choose another region (the identity's region does not affect where pipelines deploy), e.g. westeurope or australiaeast",
        ));
    }
    Ok(())
}

impl schemars::JsonSchema for OrgName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "OrgName".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[A-Za-z0-9]([A-Za-z0-9-]{0,48}[A-Za-z0-9])?$",
            "description": "Azure DevOps organization name, as in https://dev.azure.com/<name>"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_names() {
        assert_eq!(OrgName::parse("contoso").unwrap().as_str(), "contoso");
        assert_eq!(OrgName::parse("https://dev.azure.com/contoso/").unwrap().as_str(), "contoso");
        assert_eq!(OrgName::parse("https://fabrikam-1.visualstudio.com").unwrap().as_str(), "fabrikam-1");
        let err = OrgName::parse("contoso/web").unwrap_err();
        assert_eq!(
            err.to_string(),
            "organization: 'contoso/web' contains '/'; an organization name is one path segment"
        );
        assert!(OrgName::parse("-contoso").is_err());
        assert!(OrgName::parse("con toso").is_err());
        assert!(OrgName::parse(&"a".repeat(51)).is_err());
        assert!(OrgName::parse("").is_err());
    }

    #[test]
    fn project_names() {
        assert!(validate_project_name("Web Shop").is_ok());
        assert!(validate_project_name("a/b").is_err());
        assert!(validate_project_name("_hidden").is_err());
        assert!(validate_project_name("trailing.").is_err());
        assert!(validate_project_name(&"p".repeat(65)).is_err());
    }

    #[test]
    fn connection_names() {
        assert!(validate_connection_name("sc-prod (WIF)").is_ok());
        assert!(validate_connection_name("").is_err());
        assert!(validate_connection_name(" lead").is_err());
        assert!(validate_connection_name(&"x".repeat(257)).is_err());
    }

    #[test]
    fn managed_identity_names_and_regions() {
        assert!(validate_managed_identity_name("id-prod_01").is_ok());
        assert!(validate_managed_identity_name("-bad").is_err());
        assert!(validate_managed_identity_region("West Europe").is_ok());
        let err = validate_managed_identity_region("New Zealand North").unwrap_err();
        assert!(err.problem.contains("cannot hold federated credentials"));
        assert!(validate_resource_group_name("rg-prod.").is_err());
        assert!(validate_resource_group_name("rg-prod").is_ok());
    }
}
