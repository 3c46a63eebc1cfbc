//! The OData subset Graph requests here use: alternate keys (`applications(appId='...')`),
//! `$filter` with `eq`, `startswith(...)` and `and`, and `$top`/`$skiptoken` paging.
//!
//! Anything else in `$filter` is refused with Graph's "Unsupported query" error rather than
//! guessed at.

use serde_json::{Value, json};

use crate::{
    assumptions::GRAPH_DEFAULT_PAGE_SIZE,
    http::{Call, decode_continuation, encode_continuation},
};

/// An alternate key in a path segment: `name='value'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AltKey {
    pub property: String,
    pub value: String,
}

/// Splits `applications(appId='x')` into ("applications", Some(appId = x)).
pub fn split_key(segment: &str) -> (&str, Option<AltKey>) {
    let Some(open) = segment.find('(') else { return (segment, None) };
    let Some(inner) = segment[open + 1..].strip_suffix(')') else { return (segment, None) };
    let key = inner
        .split_once('=')
        .map(|(p, v)| AltKey { property: p.trim().to_string(), value: v.trim().trim_matches('\'').to_string() });
    (&segment[..open], key)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    Eq { property: String, value: String },
    StartsWith { property: String, value: String },
}

/// The property (or text) of a `$filter` Graph would name as unsupported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedFilter(pub String);

/// Parses a `$filter` of `eq` / `startswith` clauses joined by `and`.
pub fn parse_filter(filter: &str) -> Result<Vec<Clause>, UnsupportedFilter> {
    let mut clauses = Vec::new();
    for part in split_and(filter) {
        let part = part.trim();
        if let Some(inner) = part.strip_prefix("startswith(").or_else(|| part.strip_prefix("startsWith(")) {
            let inner = inner.strip_suffix(')').ok_or_else(|| UnsupportedFilter(part.to_string()))?;
            let (property, value) = inner.split_once(',').ok_or_else(|| UnsupportedFilter(part.to_string()))?;
            clauses.push(Clause::StartsWith { property: property.trim().to_string(), value: quoted(value.trim())? });
            continue;
        }
        let mut words = part.splitn(3, ' ');
        match (words.next(), words.next(), words.next()) {
            (Some(property), Some(op), Some(value)) if op.eq_ignore_ascii_case("eq") => {
                clauses.push(Clause::Eq { property: property.to_string(), value: quoted(value.trim())? });
            }
            _ => return Err(UnsupportedFilter(part.split([' ', '(']).next().unwrap_or(part).to_string())),
        }
    }
    Ok(clauses)
}

fn quoted(value: &str) -> Result<String, UnsupportedFilter> {
    value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .map(|v| v.replace("''", "'"))
        .ok_or_else(|| UnsupportedFilter(value.to_string()))
}

/// Splits on ` and ` outside quotes.
fn split_and(filter: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut in_quote = false;
    let chars: Vec<char> = filter.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            in_quote = !in_quote;
        }
        if !in_quote && filter[char_offset(filter, i)..].to_ascii_lowercase().starts_with(" and ") {
            parts.push(std::mem::take(&mut current));
            i += 5;
            continue;
        }
        current.push(c);
        i += 1;
    }
    parts.push(current);
    parts
}

fn char_offset(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map(|(i, _)| i).unwrap_or(s.len())
}

/// True when `object` (a Graph JSON body) satisfies every clause. Property names match
/// without regard to case, values of `eq` exactly, `startswith` without regard to case.
pub fn matches(object: &Value, clauses: &[Clause]) -> bool {
    clauses.iter().all(|clause| {
        let (property, value) = match clause {
            Clause::Eq { property, value } | Clause::StartsWith { property, value } => (property, value),
        };
        let actual = crate::http::field(object, property).and_then(Value::as_str).unwrap_or_default();
        match clause {
            Clause::Eq { .. } => {
                if property.eq_ignore_ascii_case("displayName") || property.eq_ignore_ascii_case("name") {
                    actual.eq_ignore_ascii_case(value)
                } else {
                    actual == value || actual.eq_ignore_ascii_case(value) && uuid_like(value)
                }
            }
            Clause::StartsWith { .. } => actual.to_ascii_lowercase().starts_with(&value.to_ascii_lowercase()),
        }
    })
}

fn uuid_like(value: &str) -> bool {
    value.len() == 36 && value.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// One page of `items` per `$top` / `$skiptoken`, with `@odata.nextLink` when more remain.
pub fn page(
    call: &Call,
    base_url: &str,
    context: &str,
    items: Vec<Value>,
) -> Result<Value, crate::http::ServiceErrorText> {
    let top = match call.q("$top") {
        None => GRAPH_DEFAULT_PAGE_SIZE,
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=999).contains(&n) => n,
            _ => {
                return crate::http::refuse(format!(
                    "Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."
                ));
            }
        },
    };
    let offset = match call.q("$skiptoken") {
        None => 0,
        Some(token) => decode_continuation(token).ok_or_else(|| "Invalid skip token.".to_string())?,
    };
    let total = items.len();
    let value: Vec<Value> = items.into_iter().skip(offset).take(top).collect();
    let mut body = json!({"@odata.context": context, "value": value});
    if offset + top < total {
        let mut next = url::Url::parse(&format!("{base_url}{}", call.path)).map_err(|e| e.to_string())?;
        {
            let mut pairs = next.query_pairs_mut();
            for (k, v) in call.query.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken")) {
                pairs.append_pair(k, v);
            }
            pairs.append_pair("$skiptoken", &encode_continuation(offset + top));
        }
        body["@odata.nextLink"] = json!(next.as_str());
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_alternate_keys() {
        let (set, key) = split_key("applications(appId='abc')");
        assert_eq!(set, "applications");
        assert_eq!(key, Some(AltKey { property: "appId".into(), value: "abc".into() }));
        assert_eq!(split_key("applications"), ("applications", None));
    }

    #[test]
    fn parses_supported_filters() {
        assert_eq!(
            parse_filter("displayName eq 'a and b' and startswith(displayName, 'a')").unwrap(),
            vec![
                Clause::Eq { property: "displayName".into(), value: "a and b".into() },
                Clause::StartsWith { property: "displayName".into(), value: "a".into() },
            ]
        );
        assert!(parse_filter("federatedIdentityCredentials/any(f:f/issuer eq 'x')").is_err());
        assert!(parse_filter("displayName ne 'x'").is_err());
    }

    #[test]
    fn matches_like_graph() {
        let o = json!({"displayName": "Web Deployer", "appId": "abc"});
        assert!(matches(&o, &parse_filter("displayName eq 'web deployer'").unwrap()));
        assert!(matches(&o, &parse_filter("startswith(displayName,'web')").unwrap()));
        assert!(!matches(&o, &parse_filter("appId eq 'ABC'").unwrap()));
    }
}
