//! Secrets never reach Debug/Display or the tracing output of a request.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use keyless_azure::{AccessToken, ApiRequest, RefreshToken, Service};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::support::{Reply, ScriptedServer, fast_http};

#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLog {
    type Writer = CapturedLog;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// One process-wide subscriber, enabled for everything. A per-test `set_default` is not
/// enough: tests on other threads cache "no interest" for this crate's callsites while no
/// subscriber is set, and the span would then be missed.
fn global_log() -> &'static CapturedLog {
    static LOG: OnceLock<CapturedLog> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = CapturedLog::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(log.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_span_events(FmtSpan::CLOSE)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in this test binary");
        log
    })
}

const TOKEN: &str = "eyJ0eXAi.super-secret-access-token.sig";
const CODE: &str = "secret-authorization-code";

#[tokio::test]
async fn tracing_output_has_no_token_and_no_secret_query_value() {
    let log = global_log();

    let server = ScriptedServer::with([
        Reply::new(503).header("retry-after", "0"),
        Reply::json(200, json!({"ok": true})).header("request-id", "rid-log-1"),
    ])
    .await;
    let url = server.url(&format!("/redaction-probe/me?api-version=1&code={CODE}&state=s-123"));
    let request =
        ApiRequest::get(Service::Graph, url).bearer(AccessToken::expiring_in(TOKEN, Duration::from_secs(600)));
    fast_http().send(request).await.unwrap();

    let seen = server.seen();
    assert_eq!(seen[0].headers.get("authorization").unwrap(), &format!("Bearer {TOKEN}"), "token must be sent");
    // Other tests log concurrently; secrets are unique to this test, so the whole log counts.
    let text = log.text();
    let ours: Vec<&str> = text.lines().filter(|l| l.contains("/redaction-probe/me")).collect();
    assert!(ours.iter().any(|l| l.contains("azure_request")), "span missing: {text}");
    let ours_text = ours.join("\n");
    assert!(ours_text.contains("api-version=1"), "allow-listed param missing: {text}");
    assert!(ours_text.contains("code=[redacted]"), "code not redacted: {text}");
    assert!(ours_text.contains("rid-log-1"), "request id missing: {text}");
    assert!(ours_text.contains("attempts=2"), "attempt count missing: {text}");
    assert!(!text.contains(TOKEN) && !text.contains("super-secret"), "token leaked: {text}");
    assert!(!text.contains(CODE) && !text.contains("s-123"), "query secret leaked: {text}");
    assert!(!ours.iter().any(|l| l.to_ascii_lowercase().contains("bearer")), "authorization header leaked: {text}");
}

#[test]
fn debug_of_requests_and_tokens_is_redacted() {
    let url = url::Url::parse("http://127.0.0.1:1/x").unwrap();
    let request = ApiRequest::get(Service::Entra, url)
        .bearer(AccessToken::expiring_in(TOKEN, Duration::from_secs(60)))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "rt-in-form-secret")]);
    let shown = format!("{request:?} {} {:?}", RefreshToken::new("rt-secret"), RefreshToken::new("rt-secret"));
    assert!(!shown.contains("super-secret") && !shown.contains("rt-secret"), "{shown}");
    assert!(!shown.contains("rt-in-form-secret"), "form body leaked: {shown}");
    assert!(shown.contains("[redacted]"));
}
