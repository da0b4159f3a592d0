//! TechPass and SEED replaced by wiremock (the upstreams we do not own): the server is
//! configured with the mock's URL, a token and a known webhook secret, so tests can check what
//! it sends and sign the events they send it.

use invite_server::Config;
use invite_server::config::{Secret, UpstreamConfig};
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::TestApp;

pub const TECHPASS_TOKEN: &str = "techpass-test-token";
pub const SEED_TOKEN: &str = "seed-test-token";
pub const TECHPASS_SECRET: &str = "whsec_dGVjaHBhc3MtdGVzdC13ZWJob29rLXNlY3JldC0zMmI=";
pub const SEED_SECRET: &str = "whsec_c2VlZC10ZXN0LXdlYmhvb2stc2VjcmV0LTMyYnl0ZXM=";

/// Points TechPass and SEED at `server` (both under one mock; their paths differ).
pub fn configure(config: &mut Config, server_uri: &str) {
    config.techpass = Some(UpstreamConfig {
        base_url: server_uri.to_owned(),
        token: Secret::new(TECHPASS_TOKEN),
        timeout_secs: 1,
        webhook_secret: Secret::new(TECHPASS_SECRET),
    });
    config.seed = Some(UpstreamConfig {
        base_url: server_uri.to_owned(),
        token: Secret::new(SEED_TOKEN),
        timeout_secs: 1,
        webhook_secret: Secret::new(SEED_SECRET),
    });
    config.delivery.poll_ms = 100;
}

/// A mock that accepts every request, for tests about what comes back rather than what goes.
pub async fn accepting() -> MockServer {
    let server = MockServer::start().await;
    // Nobody is on TechPass yet.
    Mock::given(method("POST"))
        .and(wiremock::matchers::path("/v1/users/lookup"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "existing": [] })),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    server
}

/// Waits until `server` has received at least one request at `path` (`what` names it in the
/// timeout's message).
pub async fn until_received(server: &MockServer, path: &str, what: &str) {
    crate::support::eventually(what, || async {
        (!received(server, path).await.is_empty()).then_some(())
    })
    .await;
}

/// The requests received at `path`, with their JSON bodies.
pub async fn received(server: &MockServer, path: &str) -> Vec<(wiremock::Request, Value)> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == path)
        .map(|r| {
            let body = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            (r, body)
        })
        .collect()
}

/// A signed event, as the upstream would send it.
pub struct Event<'a> {
    pub source: &'a str,
    pub secret: &'a str,
    pub id: String,
    pub timestamp: i64,
    pub body: Value,
}

impl<'a> Event<'a> {
    /// `event_type` about invitation `reference` for `email`, happening at `at` (upstream time),
    /// signed now with the source's secret.
    pub fn new(source: &'a str, event_type: &str, reference: &str, email: &str, at: &str) -> Self {
        let secret = if source == "seed" {
            SEED_SECRET
        } else {
            TECHPASS_SECRET
        };
        Event {
            source,
            secret,
            id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
            timestamp: chrono::Utc::now().timestamp(),
            body: serde_json::json!({
                "type": event_type,
                "timestamp": at,
                "data": { "reference": reference, "email": email },
            }),
        }
    }

    pub fn with_data(mut self, key: &str, value: &str) -> Self {
        self.body["data"][key] = Value::from(value);
        self
    }

    /// Sends it with a correct signature (unless `signature` is given).
    pub async fn send_with(&self, app: &TestApp, signature: Option<&str>) -> reqwest::Response {
        let body = serde_json::to_vec(&self.body).expect("json");
        let signed =
            invite_server::webhooks::signature::sign(self.secret, &self.id, self.timestamp, &body)
                .expect("sign");
        app.client
            .post(app.url(&format!("/api/v1/upstream-events/{}", self.source)))
            .header("content-type", "application/json")
            .header("webhook-id", &self.id)
            .header("webhook-timestamp", self.timestamp.to_string())
            .header("webhook-signature", signature.unwrap_or(&signed))
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn send(&self, app: &TestApp) -> reqwest::Response {
        self.send_with(app, None).await
    }
}
