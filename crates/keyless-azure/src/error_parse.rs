//! Turns an error response (status, headers, body) into a [`ServiceError`], per service shape.
//!
//! Shapes (contract §2.8, §3, §4, §5.1): Entra `{"error","error_description","error_codes"}`,
//! Graph and ARM `{"error":{"code","message",...}}`, Azure DevOps WrappedException
//! `{"message","typeKey",...}` with the TF/VS code inside the message. Parsing is lenient: an
//! unknown shape still yields the status and a trimmed message. No secrets are read here.

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::{Service, ServiceError};

/// The request id a service reports in its headers, most useful first.
pub fn header_request_id(service: Service, headers: &HeaderMap) -> Option<String> {
    let names: &[&str] = match service {
        Service::Entra => &["x-ms-request-id", "client-request-id"],
        Service::Graph => &["request-id", "client-request-id", "x-ms-request-id"],
        Service::Arm => &["x-ms-request-id", "x-ms-correlation-request-id"],
        Service::DevOps => &["activityid", "x-tfs-session", "x-vss-e2eid", "x-ms-request-id"],
    };
    names.iter().find_map(|name| headers.get(*name)?.to_str().ok().map(str::to_string))
}

/// Finds the first `TF123456` / `VS123456` code in an Azure DevOps message.
pub fn devops_code_in(message: &str) -> Option<String> {
    let bytes = message.as_bytes();
    let mut i = 0;
    while i + 2 < bytes.len() {
        let prefix = &bytes[i..i + 2];
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if boundary && (prefix == b"TF" || prefix == b"VS") {
            let digits = bytes[i + 2..].iter().take_while(|b| b.is_ascii_digit()).count();
            let after = bytes.get(i + 2 + digits);
            if (5..=7).contains(&digits) && !after.is_some_and(|b| b.is_ascii_alphanumeric()) {
                return Some(message[i..i + 2 + digits].to_string());
            }
        }
        i += 1;
    }
    None
}

/// Finds the first `AADSTS12345` code in a message.
pub fn aadsts_code_in(message: &str) -> Option<String> {
    let start = message.find("AADSTS")?;
    let digits: String = message[start + 6..].chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Parses an error response. `url` must already be redacted.
pub fn parse_error(
    service: Service,
    method: &str,
    url: &str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> ServiceError {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let mut error = ServiceError {
        service,
        method: method.to_string(),
        url: url.to_string(),
        status,
        code: None,
        inner_code: None,
        message: String::new(),
        request_id: header_request_id(service, headers),
    };
    if let Some(json) = &json {
        fill_from_json(&mut error, json);
    }
    if error.message.is_empty() {
        error.message = fallback_message(status, body);
    }
    if error.code.is_none() && service == Service::DevOps {
        error.code = devops_code_in(&error.message);
    }
    if error.inner_code.is_none() {
        error.inner_code = aadsts_code_in(&error.message);
    }
    error
}

fn fill_from_json(error: &mut ServiceError, json: &Value) {
    match json.get("error") {
        // Graph and ARM: {"error":{"code","message","innerError":{"request-id"},"details":[...]}}
        Some(inner @ Value::Object(_)) => {
            error.code = text(inner, "code");
            error.message = text(inner, "message").unwrap_or_default();
            let inner_error = inner.get("innerError").or_else(|| inner.get("innererror"));
            if let Some(id) = inner_error.and_then(|i| text(i, "request-id")) {
                error.request_id = Some(id);
            }
            error.inner_code = inner
                .get("details")
                .and_then(Value::as_array)
                .and_then(|details| details.first())
                .and_then(|detail| text(detail, "code"));
        }
        // Entra token endpoint: {"error":"invalid_grant","error_description":"AADSTS...","error_codes":[..]}
        Some(Value::String(code)) => {
            error.code = Some(code.clone());
            error.message = text(json, "error_description").unwrap_or_default();
            error.inner_code = json
                .get("error_codes")
                .and_then(Value::as_array)
                .and_then(|codes| codes.first())
                .and_then(Value::as_u64)
                .map(|n| format!("AADSTS{n}"));
            if let Some(trace) = text(json, "trace_id").or_else(|| text(json, "correlation_id")) {
                error.request_id.get_or_insert(trace);
            }
        }
        _ => {
            // Azure DevOps WrappedException, or ARM's older top-level {"code","message"}.
            let message = text(json, "message").or_else(|| text(json, "Message")).unwrap_or_default();
            let type_key = text(json, "typeKey");
            error.code = devops_code_in(&message).or_else(|| text(json, "code")).or_else(|| type_key.clone());
            if error.code != type_key {
                error.inner_code = type_key;
            }
            error.message = message;
            if let Some(id) = text(json, "activityId") {
                error.request_id.get_or_insert(id);
            }
        }
    }
}

fn fallback_message(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed: String = text.trim().chars().take(300).collect();
    if trimmed.is_empty() {
        let reason = reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("error");
        format!("{reason} (no error body)")
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_devops_codes_only_at_word_boundaries() {
        assert_eq!(devops_code_in("(VS403283) Could not add user").as_deref(), Some("VS403283"));
        assert_eq!(devops_code_in("TF401444: Please sign-in").as_deref(), Some("TF401444"));
        assert_eq!(devops_code_in("HTTPS12345 VS12"), None);
        assert_eq!(aadsts_code_in("AADSTS70021: No matching").as_deref(), Some("AADSTS70021"));
    }
}
