//! Reconciliation: when TechPass's or SEED's event never arrives, a worker reads the pending
//! invitation back (`GET /v1/invitations/{reference}`, `GET /v1/provisioning-requests/{…}`)
//! and applies what it says by the same rules as an event.

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::upstreams;
use crate::support::{TestApp, eventually, officer_invite, on_each_backend_with};

async fn status(app: &TestApp, token: &str, id: &str) -> Value {
    app.get_value(&format!("/api/v1/invitations/{id}"), token)
        .await
}

#[tokio::test]
async fn a_lost_onboarding_event_is_recovered_by_reading_techpass_and_then_seed_back() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/provisioning-requests/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "completed", "updated_at": chrono::Utc::now().to_rfc3339(),
        })))
        .mount(&server)
        .await;
    let uri = server.uri();
    on_each_backend_with(
        |config| {
            upstreams::configure(config, &uri);
            config.delivery.reconcile_secs = 1;
        },
        |app| {
            let server = &server;
            async move {
                let token = app.sign_in("jane_tan@tech.gov.sg").await;
                let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
                // TechPass knows this invitation as onboarded; no event ever comes.
                Mock::given(method("GET"))
                    .and(path(format!("/v1/invitations/{id}")))
                    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                        "reference": id, "status": "onboarded", "first_name": "Wei Ling",
                        "last_name": "Lim", "updated_at": chrono::Utc::now().to_rfc3339(),
                    })))
                    .mount(server)
                    .await;
                let onboarded = eventually("TechPass read back", || async {
                    let it = status(&app, &token, &id).await;
                    (it["techpass_status"] == "onboarded").then_some(it)
                })
                .await;
                assert_eq!(onboarded["first_name"], "Wei Ling", "on {}", app.backend);
                // SEED was then asked, and its state read back too.
                eventually("SEED read back", || async {
                    (status(&app, &token, &id).await["seed_status"] == "onboarded").then_some(())
                })
                .await;
            }
        },
    )
    .await;
}

#[tokio::test]
async fn what_techpass_says_is_still_pending_changes_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "pending", "updated_at": chrono::Utc::now().to_rfc3339(),
        })))
        .mount(&server)
        .await;
    let app = TestApp::spawn_sqlite_with(|config| {
        upstreams::configure(config, &server.uri());
        config.delivery.reconcile_secs = 1;
    })
    .await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    eventually("TechPass read back", || async {
        let reads = server.received_requests().await.unwrap_or_default();
        reads
            .iter()
            .any(|r| r.method.as_str() == "GET")
            .then_some(())
    })
    .await;
    let it = status(&app, &token, &id).await;
    assert_eq!(it["techpass_status"], "pending");
}
