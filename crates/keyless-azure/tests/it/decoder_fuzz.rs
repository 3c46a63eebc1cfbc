//! Fuzzing of everything that reads a service's answer: error bodies, typed JSON decoders,
//! the success check, service-code finders and URL redaction. Whatever the bytes, they end
//! in a value or a typed error, never a panic. `PROPTEST_CASES` sets the depth
//! (`scripts/fuzz` runs thousands of cases).

use keyless_azure::devops::ServiceEndpoint;
use keyless_azure::error_parse::{aadsts_code_in, devops_code_in, parse_error};
use keyless_azure::graph::{Application, FederatedCredential, ServicePrincipal};
use keyless_azure::redact::redact_url_str;
use keyless_azure::{ApiResponse, AzureError, Service};
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

const SERVICES: [Service; 5] = [Service::Entra, Service::Graph, Service::Arm, Service::DevOps, Service::DevOps];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
        "\\PC{0,24}".prop_map(Value::String),
        prop_oneof![Just("error"), Just("value"), Just("id"), Just("appId"), Just("AADSTS70021"), Just("TF401444")]
            .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("error".to_string()),
            Just("message".to_string()),
            Just("code".to_string()),
            Just("value".to_string()),
            Just("id".to_string()),
            Just("name".to_string()),
            Just("error_codes".to_string()),
            Just("innerError".to_string()),
            Just("@odata.nextLink".to_string()),
            "[a-zA-Z]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6).prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Bodies a broken or hostile endpoint might send: JSON of any shape, truncated JSON, bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        json_value().prop_flat_map(|v| {
            let text = v.to_string();
            let len = text.len();
            (Just(text), 0..=len).prop_map(|(text, cut)| text.as_bytes()[..cut].to_vec())
        }),
        prop::collection::vec(any::<u8>(), 0..256),
        "\\PC{0,200}".prop_map(String::into_bytes),
    ]
}

fn response(service: Service, status: u16, content_type: Option<&str>, body: Vec<u8>) -> ApiResponse {
    let mut headers = HeaderMap::new();
    if let Some(content_type) = content_type.and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.insert("content-type", content_type);
    }
    ApiResponse {
        service,
        method: "GET".into(),
        url: "https://graph.microsoft.com/v1.0/x".into(),
        status,
        headers,
        body,
    }
}

fn decode_all(response: &ApiResponse) -> Vec<Result<(), AzureError>> {
    vec![
        response.json::<ServiceEndpoint>().map(drop),
        response.json::<Vec<ServiceEndpoint>>().map(drop),
        response.json::<Application>().map(drop),
        response.json::<ServicePrincipal>().map(drop),
        response.json::<FederatedCredential>().map(drop),
        response.json::<Value>().map(drop),
    ]
}

proptest! {
    #[test]
    fn any_error_body_becomes_a_service_error_with_a_message_and_help(
        service in prop::sample::select(SERVICES.to_vec()),
        status in 100u16..600,
        body in body(),
    ) {
        let error = parse_error(service, "POST", "https://management.azure.com/x", status, &HeaderMap::new(), &body);
        prop_assert!(!error.message.is_empty());
        let error = AzureError::from(error);
        prop_assert!(!error.help().is_empty());
        let _ = (error.to_string(), format!("{error:?}"), error.code());
    }

    #[test]
    fn any_body_decodes_to_a_value_or_a_malformed_error(
        service in prop::sample::select(SERVICES.to_vec()),
        content_type in prop::option::of(prop_oneof![Just("application/json"), Just("text/html"), Just("text/plain")]),
        body in body(),
    ) {
        let response = response(service, 200, content_type, body);
        for outcome in decode_all(&response) {
            if let Err(error) = outcome {
                prop_assert!(matches!(error, AzureError::Malformed { .. } | AzureError::SignInPage { .. }), "{error:?}");
                prop_assert!(!error.help().is_empty());
            }
        }
    }

    #[test]
    fn any_status_and_body_pass_the_success_check_or_fail_with_a_typed_error(
        service in prop::sample::select(SERVICES.to_vec()),
        status in 100u16..600,
        content_type in prop::option::of(prop_oneof![Just("application/json"), Just("text/html; charset=utf-8")]),
        location in prop::option::of("\\PC{0,40}"),
        body in body(),
    ) {
        let mut response = response(service, status, content_type, body);
        if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            response.headers.insert("location", location);
        }
        match response.into_success() {
            Ok(ok) => prop_assert!((200..300).contains(&ok.status)),
            Err(error) => prop_assert!(!error.to_string().is_empty() && !error.help().is_empty()),
        }
    }

    #[test]
    fn code_finders_and_redaction_accept_any_text(text in "\\PC{0,300}") {
        if let Some(code) = devops_code_in(&text) {
            prop_assert!(text.contains(&code));
        }
        if let Some(code) = aadsts_code_in(&text) {
            prop_assert!(code.starts_with("AADSTS"));
        }
        let _ = redact_url_str(&text);
    }
}
