//! GUID identifiers as Entra, ARM and Azure DevOps write them: lowercase, hyphenated.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::InputError;

/// A GUID (tenant id, object id, client id, organization id, connection id...).
///
/// Always rendered lowercase and hyphenated, because Azure DevOps subjects embed GUIDs as
/// plain lowercase strings and subject matching is case-sensitive.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Guid(uuid::Uuid);

impl Guid {
    pub const NIL: Guid = Guid(uuid::Uuid::nil());

    pub fn new_random() -> Self {
        Guid(uuid::Uuid::new_v4())
    }

    /// A name-based GUID (UUID v5) so the same inputs always give the same id; used for
    /// idempotent role assignment names.
    pub fn derived(namespace: Guid, name: &str) -> Self {
        Guid(uuid::Uuid::new_v5(&namespace.0, name.as_bytes()))
    }

    pub const fn from_u128(v: u128) -> Self {
        Guid(uuid::Uuid::from_u128(v))
    }

    /// Parses a GUID given by the user, naming the input in the error.
    pub fn parse_input(input: &'static str, value: &str) -> Result<Self, InputError> {
        let trimmed = value.trim();
        let braces = trimmed.strip_prefix('{').and_then(|v| v.strip_suffix('}'));
        let candidate = braces.unwrap_or(trimmed);
        if candidate.len() != 36 {
            return Err(malformed(input, value));
        }
        uuid::Uuid::parse_str(candidate).map(Guid).map_err(|_| malformed(input, value))
    }

    pub fn is_nil(&self) -> bool {
        self.0.is_nil()
    }

    /// The 16 bytes in Microsoft `Guid.ToByteArray()` order (first three groups little-endian).
    pub fn to_bytes_le(&self) -> [u8; 16] {
        self.0.to_bytes_le()
    }

    pub fn from_bytes_le(bytes: [u8; 16]) -> Self {
        Guid(uuid::Uuid::from_bytes_le(bytes))
    }
}

fn malformed(input: &'static str, value: &str) -> InputError {
    InputError::new(
        input,
        format!("'{value}' is not a GUID"),
        "use the 36-character form, e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47 (copy it from the Azure portal)",
    )
}

impl FromStr for Guid {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Guid::parse_input("id", s)
    }
}

impl TryFrom<String> for Guid {
    type Error = InputError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Guid> for String {
    fn from(g: Guid) -> String {
        g.to_string()
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl schemars::JsonSchema for Guid {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Guid".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "uuid", "description": "A GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_upper_case_and_braces_and_prints_lowercase() {
        let g = Guid::parse_input("tenant", "{FF882432-09B0-437B-BD22-CA13C0037DED}").unwrap();
        assert_eq!(g.to_string(), "ff882432-09b0-437b-bd22-ca13c0037ded");
    }

    #[test]
    fn malformed_guid_names_the_input() {
        let err = Guid::parse_input("--tenant", "contoso").unwrap_err();
        assert_eq!(err.to_string(), "--tenant: 'contoso' is not a GUID");
        assert!(err.help.contains("36-character"));
        assert!(Guid::parse_input("t", "ff88243209b0437bbd22ca13c0037ded").is_err());
    }

    #[test]
    fn derived_ids_are_stable() {
        let ns = Guid::from_u128(1);
        assert_eq!(Guid::derived(ns, "a"), Guid::derived(ns, "a"));
        assert_ne!(Guid::derived(ns, "a"), Guid::derived(ns, "b"));
    }
}
