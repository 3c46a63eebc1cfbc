//! Picks the issuer, subject, audience, client id, tenant, organization, project, connection and
//! identity name out of the few lines around one failure's mention.
//!
//! Values are kept as written (subjects are compared case-sensitively by Entra, so case matters).
//! This module does not decide what a failure means or whether a value is right.

use super::pasted_log::{Facts, Issuer, IssuerKind, Subject, SubjectKind};

const GUID_LEN: usize = 36;
/// How far before a GUID the word naming it ("client", "tenant"...) may be.
const GUID_LABEL_REACH: usize = 48;

/// The facts named in `window`, the first of each kind.
pub(crate) fn extract(window: &str) -> Facts {
    let mut facts = Facts { issuer: issuer(window), subject: subject(window), ..Facts::default() };
    facts.audience = audience(window);
    label_guids(window, &mut facts);
    if facts.tenant_id.is_none() {
        facts.tenant_id = facts
            .issuer
            .as_ref()
            .filter(|issuer| issuer.kind == IssuerKind::Entra)
            .and_then(|issuer| issuer.url.split('/').nth(3).filter(|segment| is_guid(segment)).map(str::to_string));
    }
    facts.organization_id = facts
        .issuer
        .as_ref()
        .filter(|issuer| issuer.kind == IssuerKind::AzureDevOps)
        .and_then(|issuer| issuer.url.split('/').nth(3).filter(|segment| is_guid(segment)).map(str::to_string));
    if let Some(Subject { value, kind: SubjectKind::Entra }) = &facts.subject
        && let Some((_, ids)) = value.rsplit_once("/sc/")
        && let Some((organization_id, connection_id)) = ids.split_once('/')
    {
        facts.organization_id = Some(organization_id.to_string());
        facts.connection_id = Some(connection_id.to_string()).filter(|id| is_guid(id));
    }
    if let Some(Subject { value, kind: SubjectKind::AzureDevOps }) = &facts.subject {
        let mut parts = value.trim_start_matches("sc://").splitn(3, '/');
        facts.organization = parts.next().filter(|part| !part.is_empty()).map(str::to_string);
        facts.project = parts.next().filter(|part| !part.is_empty()).map(str::to_string);
        facts.connection = parts.next().filter(|part| !part.is_empty()).map(str::to_string);
    }
    if facts.organization.is_none() {
        facts.organization = organization(window);
    }
    facts.identity_name = between(window, "Service Principal ", " does not have access").map(str::to_string);
    facts
}

fn urls(window: &str) -> impl Iterator<Item = &str> {
    window.match_indices("https://").map(|(at, _)| token_at(window, at, false))
}

fn issuer(window: &str) -> Option<Issuer> {
    urls(window).find_map(|url| {
        let lower = url.to_ascii_lowercase();
        let kind = if lower.starts_with("https://vstoken.dev.azure.com/") {
            IssuerKind::AzureDevOps
        } else if lower.starts_with("https://login.microsoftonline.com/")
            || lower.starts_with("https://sts.windows.net/")
        {
            IssuerKind::Entra
        } else if lower.starts_with("https://app.vstoken.visualstudio.com") {
            IssuerKind::Retired
        } else {
            return None;
        };
        Some(Issuer { url: url.to_string(), kind })
    })
}

fn subject(window: &str) -> Option<Subject> {
    if let Some(at) = window.find("sc://") {
        // A connection name may hold spaces and brackets: a quote, or the "Subject:" label, says
        // where the value starts, so it ends at the closing quote or the end of the sentence.
        let before = &window[..at];
        let value = match before.chars().next_back() {
            Some(quote @ ('\'' | '"' | '`')) => until_quote(&window[at..], quote),
            _ if before.trim_end().to_ascii_lowercase().ends_with("subject:") => token_at(window, at, true),
            _ => token_at(window, at, false),
        };
        return Some(Subject { value: value.to_string(), kind: SubjectKind::AzureDevOps });
    }
    let at = window.match_indices("/sc/").map(|(at, _)| at).find(|&at| {
        let ids = &window[at + 4..];
        ids.get(..GUID_LEN).is_some_and(is_guid)
    })?;
    let begin = window[..at].rfind(|c: char| c.is_whitespace() || "'\"`:".contains(c)).map_or(0, |space| space + 1);
    let value = token_at(window, begin, false);
    Some(Subject { value: value.to_string(), kind: SubjectKind::Entra })
}

fn audience(window: &str) -> Option<String> {
    window.find("api://").map(|at| token_at(window, at, false).to_string())
}

/// Azure DevOps organization from its URL or from the message "... organization {name}".
fn organization(window: &str) -> Option<String> {
    let from_url = urls(window).find_map(|url| {
        let lower = url.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("https://dev.azure.com/") {
            let name = rest.split('/').next().filter(|name| !name.is_empty())?;
            return Some(url["https://dev.azure.com/".len()..][..name.len()].to_string());
        }
        let host = lower.strip_prefix("https://")?.split('/').next()?;
        let name = host.strip_suffix(".visualstudio.com").filter(|name| !name.contains('.'))?;
        Some(url["https://".len()..][..name.len()].to_string())
    });
    from_url.or_else(|| {
        let at = window.find("Azure DevOps organization ")? + "Azure DevOps organization ".len();
        let name = token_at(window, at, false).trim_matches(|c: char| c == '\'' || c == '"');
        (!name.is_empty()).then(|| name.to_string())
    })
}

/// Reads GUIDs and the word just before each: client, tenant.
fn label_guids(window: &str, facts: &mut Facts) {
    let bytes = window.as_bytes();
    let mut at = 0;
    while at + GUID_LEN <= bytes.len() {
        let candidate = &bytes[at..at + GUID_LEN];
        let before_ok = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let after_ok = bytes.get(at + GUID_LEN).is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'-');
        if !(before_ok && after_ok && candidate.iter().all(u8::is_ascii) && is_guid_bytes(candidate)) {
            at += 1;
            continue;
        }
        let guid = &window[at..at + GUID_LEN];
        let label_start = at.saturating_sub(GUID_LABEL_REACH);
        let label = String::from_utf8_lossy(&bytes[label_start..at]).to_ascii_lowercase();
        let nearest = |words: &[&str]| words.iter().filter_map(|word| label.rfind(word)).max();
        let client = nearest(&["client", "identifier", "appid", "app id", "app '", "application"]);
        let tenant = nearest(&["tenant", "directory"]);
        // TF401444 names the identity as tenant\tenant\principal: the first is the tenant.
        let signs_in_as = label.trim_end().ends_with("at least once as");
        match (client, tenant) {
            (Some(c), Some(t)) if t > c => set_once(&mut facts.tenant_id, guid),
            (Some(_), _) => set_once(&mut facts.client_id, guid),
            (None, Some(_)) => set_once(&mut facts.tenant_id, guid),
            (None, None) if signs_in_as => set_once(&mut facts.tenant_id, guid),
            (None, None) => {}
        }
        at += GUID_LEN;
    }
}

fn set_once(slot: &mut Option<String>, value: &str) {
    if slot.is_none() {
        *slot = Some(value.to_string());
    }
}

fn is_guid(text: &str) -> bool {
    text.len() == GUID_LEN && is_guid_bytes(text.as_bytes())
}

fn is_guid_bytes(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .all(|(i, b)| if matches!(i, 8 | 13 | 18 | 23) { *b == b'-' } else { b.is_ascii_hexdigit() })
}

/// A quoted value: up to the closing quote, or the end of the line when it is missing.
fn until_quote(rest: &str, quote: char) -> &str {
    let end = rest.find([quote, '\n']).unwrap_or(rest.len());
    rest[..end].trim_end()
}

/// The value starting at `at`: up to whitespace, quotes and brackets, without a trailing full
/// stop or comma; when `sentence`, spaces and brackets belong to it and it ends at the end of
/// the line or of the sentence.
fn token_at(window: &str, at: usize, sentence: bool) -> &str {
    let rest = &window[at..];
    let ends_token = |c: char| {
        if sentence { "'\"`\t\n".contains(c) } else { "'\"`<>(),;]".contains(c) || c.is_whitespace() }
    };
    let mut end = rest.find(ends_token).unwrap_or(rest.len());
    if sentence && let Some(full_stop) = rest[..end].find(". ") {
        end = full_stop;
    }
    rest[..end].trim_end().trim_end_matches(['.', ',', ':'])
}

fn between<'a>(window: &'a str, before: &str, after: &str) -> Option<&'a str> {
    let start = window.find(before)? + before.len();
    let length = window[start..].find(after)?;
    let value = window[start..start + length].trim();
    (!value.is_empty() && value.len() <= 256).then_some(value)
}
