//! Federation values: the issuers and subjects Azure DevOps assigns to service connections,
//! and the rules a federated identity credential (FIC) must follow.
//!
//! Keyless never invents a subject for a new connection: it reads the one Azure DevOps returns.
//! The encoders here exist to *check* an existing FIC against a connection, to explain a
//! mismatch, and to let the emulator behave like Azure DevOps.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{Guid, InputError};

/// The Azure DevOps first-party application id (the resource id for Azure DevOps tokens).
pub const AZURE_DEVOPS_APP_ID: Guid = Guid::from_u128(0x499b84ac_1321_427f_aa17_267ca6975798);

/// The only audience a FIC for Azure DevOps may carry.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Entra and Azure allow at most this many FICs per app registration or managed identity.
pub const MAX_FICS_PER_IDENTITY: usize = 20;

/// Upper bound Entra puts on issuer, subject and audience strings.
pub const MAX_FIC_VALUE_LEN: usize = 600;

/// Base64url (no padding) of a GUID's bytes in Microsoft byte order; always 22 characters.
pub fn encode_guid(guid: Guid) -> String {
    URL_SAFE_NO_PAD.encode(guid.to_bytes_le())
}

/// The inverse of [`encode_guid`]; `None` when the text is not a 22-character encoding.
pub fn decode_guid(text: &str) -> Option<Guid> {
    if text.len() != 22 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    Some(Guid::from_bytes_le(bytes.try_into().ok()?))
}

/// The Entra issuer, `https://login.microsoftonline.com/{tenant}/v2.0` in the public cloud.
pub fn entra_issuer(issuer_host: &str, tenant: Guid) -> String {
    format!("{}/{tenant}/v2.0", issuer_host.trim_end_matches('/'))
}

/// The Entra-issuer subject of a service connection:
/// `/eid1/c/{cloud}/t/{b64 tenant}/a/{b64 Azure DevOps app}/sc/{orgId}/{connectionId}`.
pub fn entra_subject(cloud_code: &str, tenant: Guid, organization_id: Guid, connection_id: Guid) -> String {
    format!(
        "/eid1/c/{cloud_code}/t/{}/a/{}/sc/{organization_id}/{connection_id}",
        encode_guid(tenant),
        encode_guid(AZURE_DEVOPS_APP_ID)
    )
}

/// The deprecated Azure DevOps issuer: `https://vstoken.dev.azure.com/{organizationId}`.
pub fn devops_issuer(organization_id: Guid) -> String {
    format!("https://vstoken.dev.azure.com/{organization_id}")
}

/// The deprecated Azure DevOps subject, built from names: `sc://{org}/{project}/{connection}`.
pub fn devops_subject(organization: &str, project: &str, connection: &str) -> String {
    format!("sc://{organization}/{project}/{connection}")
}

/// Which generation of issuer a connection carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IssuerKind {
    /// `https://login.microsoftonline.com/{tenant}/v2.0`; the current default.
    Entra,
    /// `https://vstoken.dev.azure.com/{orgId}` or the 2023 preview host; retires 1 July 2027.
    AzureDevOps,
    Unknown,
}

pub fn issuer_kind(issuer: &str) -> IssuerKind {
    if issuer.starts_with("https://vstoken.dev.azure.com/")
        || issuer.starts_with("https://app.vstoken.visualstudio.com")
    {
        IssuerKind::AzureDevOps
    } else if issuer.ends_with("/v2.0") && issuer.starts_with("https://") {
        IssuerKind::Entra
    } else {
        IssuerKind::Unknown
    }
}

/// The parts of an Entra-issuer service connection subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraSubject {
    pub cloud_code: String,
    pub tenant: Guid,
    pub application: Guid,
    pub organization_id: Guid,
    pub connection_id: Guid,
}

/// Parses `/eid1/c/{cloud}/t/{t}/a/{a}/sc/{org}/{sc}`; `None` for anything else.
pub fn parse_entra_subject(subject: &str) -> Option<EntraSubject> {
    let parts: Vec<&str> = subject.split('/').collect();
    match parts.as_slice() {
        ["", "eid1", "c", cloud, "t", t, "a", a, "sc", org, sc] => Some(EntraSubject {
            cloud_code: (*cloud).to_string(),
            tenant: decode_guid(t)?,
            application: decode_guid(a)?,
            organization_id: Guid::parse_input("subject", org).ok()?,
            connection_id: Guid::parse_input("subject", sc).ok()?,
        }),
        _ => None,
    }
}

/// How an existing FIC compares with what a connection presents, in Entra's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FicMatch {
    Exact,
    /// AADSTS700211: no FIC with this issuer.
    IssuerDiffers,
    /// AADSTS7002138: equal ignoring case only (matching has been case-sensitive since 2024).
    SubjectDiffersInCase,
    /// AADSTS700213: issuer matches, subject does not.
    SubjectDiffers,
    /// The audience is not `api://AzureADTokenExchange`.
    AudienceDiffers,
}

/// Compares a FIC with the issuer and subject a connection presents, exactly as Entra does.
pub fn compare_fic(
    fic_issuer: &str,
    fic_subject: &str,
    fic_audiences: &[String],
    issuer: &str,
    subject: &str,
) -> FicMatch {
    if fic_issuer != issuer {
        FicMatch::IssuerDiffers
    } else if fic_subject != subject {
        if fic_subject.eq_ignore_ascii_case(subject) {
            FicMatch::SubjectDiffersInCase
        } else {
            FicMatch::SubjectDiffers
        }
    } else if fic_audiences.len() != 1 || fic_audiences[0] != TOKEN_EXCHANGE_AUDIENCE {
        FicMatch::AudienceDiffers
    } else {
        FicMatch::Exact
    }
}

/// Checks a FIC name: 3 to 120 characters of letters, digits, `-` and `_`, starting with a
/// letter or digit (the rule Graph and the managed identity API both enforce).
pub fn validate_fic_name(name: &str) -> Result<(), InputError> {
    let help = "use 3-120 letters, digits, '-' or '_', starting with a letter or digit, e.g. ado-<connection id>";
    if !(3..=120).contains(&name.len()) {
        return Err(InputError::new(
            "federated credential name",
            format!("'{name}' must be 3 to 120 characters long"),
            help,
        ));
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(InputError::new(
            "federated credential name",
            format!("'{name}' contains characters a federated credential name cannot have"),
            help,
        ));
    }
    Ok(())
}

/// Checks an issuer or subject before it is written: no surrounding whitespace, no trailing
/// slash on the issuer, at most 600 characters. A wrong value is otherwise accepted by Entra
/// and only fails later at token exchange.
pub fn validate_fic_value(input: &'static str, value: &str) -> Result<(), InputError> {
    if value.is_empty() || value.len() > MAX_FIC_VALUE_LEN {
        return Err(InputError::new(
            input,
            format!("must be 1 to {MAX_FIC_VALUE_LEN} characters"),
            "copy the value from the service connection exactly",
        ));
    }
    if value.trim() != value {
        return Err(InputError::new(
            input,
            "has leading or trailing whitespace",
            "copy the value from the service connection exactly, without spaces",
        ));
    }
    if input == "issuer" && value.ends_with('/') {
        return Err(InputError::new(
            input,
            format!("'{value}' ends with '/', which never matches a token issuer"),
            "remove the trailing slash",
        ));
    }
    Ok(())
}

/// The FIC name Keyless gives the credential for one service connection: stable and unique.
pub fn fic_name_for_connection(connection_id: Guid) -> String {
    format!("ado-{connection_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> Guid {
        Guid::parse_input("test", s).unwrap()
    }

    // Worked example 1 of the contract (a captured Azure DevOps-issued Entra token).
    #[test]
    fn encodes_the_captured_subject_exactly() {
        let subject = entra_subject(
            "pub",
            g("ff882432-09b0-437b-bd22-ca13c0037ded"),
            g("0ca3ddd9-f0b0-4635-a98c-5866526961b6"),
            g("64171687-7a59-4fce-b2c8-823278dcf176"),
        );
        assert_eq!(
            subject,
            "/eid1/c/pub/t/MiSI_7AJe0O9IsoTwAN97Q/a/rISbSSETf0KqFyZ8ppdXmA/sc/0ca3ddd9-f0b0-4635-a98c-5866526961b6/64171687-7a59-4fce-b2c8-823278dcf176"
        );
        assert_eq!(
            entra_issuer("https://login.microsoftonline.com/", g("ff882432-09b0-437b-bd22-ca13c0037ded")),
            "https://login.microsoftonline.com/ff882432-09b0-437b-bd22-ca13c0037ded/v2.0"
        );
    }

    #[test]
    fn encodes_the_public_tenant_pairs() {
        for (tenant, encoded) in [
            ("66946bae-c7f1-4099-b768-6ec1ac684280", "rmuUZvHHmUC3aG7BrGhCgA"),
            ("72f988bf-86f1-41af-91ab-2d7cd011db47", "v4j5cvGGr0GRqy180BHbRw"),
            ("7f4f3591-5f6c-4f7b-a1bd-0a2dd8831218", "kTVPf2xfe0-hvQot2IMSGA"),
            ("244a3dcc-ae95-4959-a5ea-4b91a7c7e291", "zD1KJJWuWUml6kuRp8fikQ"),
            ("16b3c013-d300-468d-ac64-7eda0820b6d3", "E8CzFgDTjUasZH7aCCC20w"),
            ("499b84ac-1321-427f-aa17-267ca6975798", "rISbSSETf0KqFyZ8ppdXmA"),
        ] {
            assert_eq!(encode_guid(g(tenant)), encoded, "{tenant}");
            assert_eq!(decode_guid(encoded), Some(g(tenant)));
        }
    }

    #[test]
    fn parses_a_subject_back_into_its_parts() {
        let parsed = parse_entra_subject("/eid1/c/pub/t/MiSI_7AJe0O9IsoTwAN97Q/a/rISbSSETf0KqFyZ8ppdXmA/sc/0ca3ddd9-f0b0-4635-a98c-5866526961b6/64171687-7a59-4fce-b2c8-823278dcf176").unwrap();
        assert_eq!(parsed.tenant, g("ff882432-09b0-437b-bd22-ca13c0037ded"));
        assert_eq!(parsed.application, AZURE_DEVOPS_APP_ID);
        assert_eq!(parsed.connection_id, g("64171687-7a59-4fce-b2c8-823278dcf176"));
        assert_eq!(parse_entra_subject("sc://contoso/web/prod"), None);
    }

    #[test]
    fn classifies_issuers() {
        assert_eq!(
            issuer_kind("https://vstoken.dev.azure.com/0ca3ddd9-f0b0-4635-a98c-5866526961b6"),
            IssuerKind::AzureDevOps
        );
        assert_eq!(issuer_kind("https://app.vstoken.visualstudio.com"), IssuerKind::AzureDevOps);
        assert_eq!(
            issuer_kind("https://login.microsoftonline.com/ff882432-09b0-437b-bd22-ca13c0037ded/v2.0"),
            IssuerKind::Entra
        );
    }

    #[test]
    fn compares_like_entra() {
        let aud = vec![TOKEN_EXCHANGE_AUDIENCE.to_string()];
        assert_eq!(compare_fic("i", "sc://a/b/c", &aud, "i", "sc://a/b/c"), FicMatch::Exact);
        assert_eq!(compare_fic("i", "sc://a/B/c", &aud, "i", "sc://a/b/c"), FicMatch::SubjectDiffersInCase);
        assert_eq!(compare_fic("i", "sc://a/x/c", &aud, "i", "sc://a/b/c"), FicMatch::SubjectDiffers);
        assert_eq!(compare_fic("j", "sc://a/b/c", &aud, "i", "sc://a/b/c"), FicMatch::IssuerDiffers);
        assert_eq!(compare_fic("i", "s", &["api://other".into()], "i", "s"), FicMatch::AudienceDiffers);
    }

    #[test]
    fn fic_names_follow_entra_rules() {
        assert!(validate_fic_name("ado-0ca3ddd9-f0b0-4635-a98c-5866526961b6").is_ok());
        assert!(validate_fic_name("a_b").is_ok());
        assert_eq!(validate_fic_name("ab").unwrap_err().problem, "'ab' must be 3 to 120 characters long");
        assert!(validate_fic_name("-abc").is_err());
        assert!(validate_fic_name("abc.def").is_err());
        assert!(validate_fic_name(&"a".repeat(121)).is_err());
        assert!(validate_fic_name(&fic_name_for_connection(Guid::new_random())).is_ok());
    }

    #[test]
    fn fic_values_reject_what_would_never_match() {
        assert!(validate_fic_value("issuer", "https://login.microsoftonline.com/t/v2.0/").is_err());
        assert!(validate_fic_value("subject", " sc://a/b/c").is_err());
        assert!(validate_fic_value("subject", &"x".repeat(601)).is_err());
        assert!(validate_fic_value("subject", "sc://a/b/c").is_ok());
    }
}
