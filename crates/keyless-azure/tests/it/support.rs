//! Test support: a scripted loopback HTTP server that records what it receives.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use keyless_azure::{AzureHttp, HttpConfig};

/// One canned answer.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    delay: std::time::Duration,
}

impl Reply {
    pub fn new(status: u16) -> Self {
        Reply { status, headers: Vec::new(), body: String::new(), delay: std::time::Duration::ZERO }
    }
    /// Answer only after `delay` (to observe concurrency).
    pub fn delayed(mut self, delay: std::time::Duration) -> Self {
        self.delay = delay;
        self
    }
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply::new(status).header("content-type", "application/json").body(body.to_string())
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }
}

/// What the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub at: Instant,
}

#[derive(Default)]
struct Script {
    replies: VecDeque<Reply>,
    last: Option<Reply>,
    seen: Vec<Seen>,
    in_flight: usize,
    max_in_flight: usize,
}

/// A loopback server answering every path from a queue of replies (the last one repeats).
#[derive(Clone)]
pub struct ScriptedServer {
    pub base: String,
    script: Arc<Mutex<Script>>,
}

impl ScriptedServer {
    pub async fn start() -> Self {
        let script = Arc::new(Mutex::new(Script::default()));
        let app = axum::Router::new().fallback(answer).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        ScriptedServer { base, script }
    }

    pub async fn with(replies: impl IntoIterator<Item = Reply>) -> Self {
        let server = Self::start().await;
        for reply in replies {
            server.push(reply);
        }
        server
    }

    pub fn push(&self, reply: Reply) {
        self.script.lock().unwrap().replies.push_back(reply);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.script.lock().unwrap().seen.clone()
    }

    /// The most requests the server was handling at once.
    pub fn max_in_flight(&self) -> usize {
        self.script.lock().unwrap().max_in_flight
    }

    pub fn url(&self, path: &str) -> url::Url {
        url::Url::parse(&format!("{}{path}", self.base)).unwrap()
    }
}

async fn answer(State(script): State<Arc<Mutex<Script>>>, request: Request) -> Response {
    let reply = {
        let mut script = script.lock().unwrap();
        script.seen.push(Seen {
            method: request.method().to_string(),
            path_and_query: request.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default(),
            headers: request.headers().clone(),
            at: Instant::now(),
        });
        let next = script.replies.pop_front().or_else(|| script.last.clone());
        script.last = next.clone();
        script.in_flight += 1;
        script.max_in_flight = script.max_in_flight.max(script.in_flight);
        next.unwrap_or_else(|| Reply::new(599).body("script is empty"))
    };
    tokio::time::sleep(reply.delay).await;
    script.lock().unwrap().in_flight -= 1;
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
    for (name, value) in reply.headers {
        response
            .headers_mut()
            .append(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(&value).unwrap());
    }
    response
}

pub fn fast_http() -> AzureHttp {
    AzureHttp::new(HttpConfig::fast_for_tests()).unwrap()
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
