//! Outbound events (`/api/v1/webhooks`) and an invitation's history
//! (`/api/v1/invitations/{id}/events`). Webhook receivers are wiremock servers; every delivery
//! is checked against its Standard Webhooks signature.

use invite_server::webhooks::signature::{self, Signed};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::store;
use crate::support::upstreams::{self, Event};
use crate::support::{
    TestApp, assert_problem, eventually, json_of, officer_invite, on_each_backend_with,
};

const HOOK: &str = "/hooks/invite-users";

async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

/// Registers an endpoint at `server` for `types`; returns (endpoint id, secret).
async fn subscribe(
    app: &TestApp,
    token: &str,
    server: &MockServer,
    types: &[&str],
) -> (String, String) {
    let response = app
        .post_json(
            "/api/v1/webhooks",
            token,
            &json!({"url": format!("{}{HOOK}", server.uri()), "event_types": types, "description": "HR sync"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created = json_of(response).await;
    assert!(
        created["secret"]
            .as_str()
            .is_some_and(|s| s.starts_with("whsec_"))
    );
    (
        created["id"].as_str().expect("id").to_owned(),
        created["secret"].as_str().expect("secret").to_owned(),
    )
}

/// The deliveries `server` received, each checked against `secrets` (every one must verify).
async fn deliveries(server: &MockServer, secrets: &[&str]) -> Vec<(Signed, Value)> {
    let now = chrono::Utc::now().timestamp();
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|request| {
            let header = |name: &str| {
                request
                    .headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_else(|| panic!("{name} header"))
                    .to_owned()
            };
            let signed = Signed {
                id: header("webhook-id"),
                timestamp: header("webhook-timestamp").parse().expect("timestamp"),
                signature: header("webhook-signature"),
            };
            for secret in secrets {
                signature::verify(secret, &signed, &request.body, now)
                    .unwrap_or_else(|e| panic!("signature with {secret}: {e}"));
            }
            let body: Value = serde_json::from_slice(&request.body).expect("JSON body");
            (signed, body)
        })
        .collect()
}

fn types_of(history: &Value) -> Vec<String> {
    history["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["type"].as_str().expect("type").to_owned())
        .collect()
}

async fn history(app: &TestApp, token: &str, id: &str) -> Value {
    app.get_value(&format!("/api/v1/invitations/{id}/events"), token)
        .await
}

#[tokio::test]
async fn each_change_arrives_once_signed_and_in_the_endpoints_log() {
    let upstream = upstreams::accepting().await;
    let uri = upstream.uri();
    on_each_backend_with(
        |config| {
            upstreams::configure(config, &uri);
            config.webhook_allow_local = true;
        },
        |app| async move {
            let receiver = receiver(204).await;
            let token = app.sign_in("jane@tech.gov.sg").await;
            let types = [
                "invitation.created",
                "invitation.sent",
                "invitation.onboarded",
            ];
            let (endpoint, secret) = subscribe(&app, &token, &receiver, &types).await;
            let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
            // The email goes out, then TechPass says the invitee signed up.
            eventually("the invitation email sent", || async {
                types_of(&history(&app, &token, &id).await)
                    .contains(&"invitation.sent".to_owned())
                    .then_some(())
            })
            .await;
            let onboarded = Event::new(
                "techpass",
                "user.onboarded",
                &id,
                "lim@tech.gov.sg",
                "2026-12-01T10:00:00Z",
            )
            .send(&app)
            .await;
            assert_eq!(onboarded.status(), 200);

            let received = eventually("three deliveries", || async {
                let got = deliveries(&receiver, &[&secret]).await;
                (got.len() >= 3).then_some(got)
            })
            .await;
            let events = history(&app, &token, &id).await;
            let wanted: Vec<&Value> = events["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter(|e| types.contains(&e["type"].as_str().unwrap_or("")))
                .collect();
            assert_eq!(wanted.len(), 3, "{events}");
            for event in &wanted {
                let copies: Vec<&(Signed, Value)> = received
                    .iter()
                    .filter(|(signed, _)| signed.id == event["id"].as_str().unwrap_or(""))
                    .collect();
                assert_eq!(
                    copies.len(),
                    1,
                    "{} delivered once on {}",
                    event["type"],
                    app.backend
                );
                let body = &copies[0].1;
                assert_eq!(body["type"], event["type"]);
                assert_eq!(body["data"]["event"]["id"], event["id"]);
                assert_eq!(body["data"]["invitation"]["id"], id.as_str());
                assert_eq!(body["data"]["invitation"]["email"], "lim@tech.gov.sg");
            }
            // The endpoint's log: three deliveries, each done at the first attempt.
            let log = app
                .get_value(&format!("/api/v1/webhooks/{endpoint}/deliveries"), &token)
                .await;
            let items = log["items"].as_array().expect("items");
            assert_eq!(items.len(), 3, "{log}");
            assert!(
                items
                    .iter()
                    .all(|d| d["state"] == "done" && d["attempts"] == 1),
                "{log}"
            );
            // Nothing else was sent: not the TechPass request's own events, nor other officers'.
            let bob = app.sign_in("bob@tech.gov.sg").await;
            app.invite(&bob, &officer_invite("bobs@tech.gov.sg")).await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let all = deliveries(&receiver, &[&secret]).await;
            let seen: Vec<(String, Value)> = all
                .iter()
                .map(|(s, b)| (s.id.clone(), b["type"].clone()))
                .collect();
            assert_eq!(all.len(), 3, "{}: {seen:?}", app.backend);
        },
    )
    .await;
}

#[tokio::test]
async fn a_failing_receiver_is_tried_again_and_then_marked_failed_in_the_log() {
    on_each_backend_with(
        |config| {
            config.webhook_allow_local = true;
            config.delivery.max_attempts = 3;
            config.delivery.retry_base_ms = 50;
            config.delivery.poll_ms = 50;
        },
        |app| async move {
            let failing = receiver(500).await;
            let token = app.sign_in("jane@tech.gov.sg").await;
            let (endpoint, _) = subscribe(&app, &token, &failing, &["invitation.created"]).await;
            let id = app.invite(&token, &officer_invite("a@tech.gov.sg")).await;
            let dead = eventually("the delivery given up", || async {
                let page = app
                    .get_value(&format!("/api/v1/webhooks/{endpoint}/deliveries"), &token)
                    .await;
                (page["items"][0]["state"] == "dead").then_some(page)
            })
            .await;
            let last_error = dead["items"][0]["last_error"].as_str().unwrap_or("");
            assert!(last_error.contains("500"), "{dead}");
            assert_eq!(dead["items"][0]["attempts"], 3, "{}", app.backend);
            assert_eq!(failing.received_requests().await.map(|r| r.len()), Some(3));
            // A receiver's trouble is not the invitation's: it is still pending.
            let invitation = app
                .get_value(&format!("/api/v1/invitations/{id}"), &token)
                .await;
            assert_eq!(invitation["techpass_status"], "pending");
        },
    )
    .await;
}

#[tokio::test]
async fn a_receiver_that_recovers_gets_the_event_on_a_later_attempt() {
    let app = TestApp::spawn_sqlite_with(|config| {
        config.webhook_allow_local = true;
        config.delivery.retry_base_ms = 50;
        config.delivery.poll_ms = 50;
    })
    .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let (endpoint, secret) = subscribe(&app, &token, &server, &["invitation.created"]).await;
    app.invite(&token, &officer_invite("a@tech.gov.sg")).await;
    let log = eventually("delivered", || async {
        let page = app
            .get_value(&format!("/api/v1/webhooks/{endpoint}/deliveries"), &token)
            .await;
        (page["items"][0]["state"] == "done").then_some(page)
    })
    .await;
    assert_eq!(log["items"][0]["attempts"], 2);
    let got = deliveries(&server, &[&secret]).await;
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].0.id, got[1].0.id,
        "a retry carries the same webhook-id"
    );
}

#[tokio::test]
async fn endpoints_that_would_reach_inside_the_network_are_refused() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    for url in [
        "https://127.0.0.1/hooks",
        "https://localhost:8443/hooks",
        "https://10.0.0.7/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:192.168.0.1]/hooks",
        "http://hooks.example.com/plain-http",
        "https://user:secret@hooks.example.com/",
        "hooks.example.com",
    ] {
        let problem = assert_problem(
            app.post_json(
                "/api/v1/webhooks",
                &token,
                &json!({"url": url, "event_types": ["invitation.sent"]}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
        assert_eq!(problem["errors"][0]["code"], "invalid_url", "{url}");
    }
    let no_types = assert_problem(
        app.post_json(
            "/api/v1/webhooks",
            &token,
            &json!({"url": "https://hooks.example.com/a", "event_types": []}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(no_types["errors"][0]["field"], "event_types");
    assert_problem(
        app.post_json(
            "/api/v1/webhooks",
            &token,
            &json!({"url": "https://hooks.example.com/a", "event_types": ["user.deleted"]}),
        )
        .await,
        400,
    )
    .await;
    let listed = app.get_value("/api/v1/webhooks", &token).await;
    assert_eq!(listed["items"], json!([]), "nothing refused was stored");
    // Ten endpoints at most.
    for i in 0..10 {
        let response = app
            .post_json("/api/v1/webhooks", &token, &json!({"url": format!("https://hooks.example.com/{i}"), "event_types": ["invitation.sent"]}))
            .await;
        assert_eq!(response.status(), 201);
    }
    assert_problem(
        app.post_json(
            "/api/v1/webhooks",
            &token,
            &json!({"url": "https://hooks.example.com/11", "event_types": ["invitation.sent"]}),
        )
        .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_and_endpoints_are_their_officers_alone() {
    let app = TestApp::spawn_sqlite_with(|config| {
        config.webhook_allow_local = true;
        config.delivery.poll_ms = 100;
    })
    .await;
    let server = receiver(200).await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let (endpoint, old) = subscribe(&app, &token, &server, &["invitation.created"]).await;
    let bob = app.sign_in("bob@tech.gov.sg").await;
    for path in [
        format!("/api/v1/webhooks/{endpoint}"),
        format!("/api/v1/webhooks/{endpoint}/deliveries"),
    ] {
        assert_problem(app.get(&path, &bob).await, 404).await;
    }
    assert_problem(
        app.delete(&format!("/api/v1/webhooks/{endpoint}"), &bob)
            .await,
        404,
    )
    .await;
    assert_eq!(
        app.get_value("/api/v1/webhooks", &bob).await["items"],
        json!([])
    );

    let rotated = app
        .post_value(
            &format!("/api/v1/webhooks/{endpoint}/rotate-secret"),
            &token,
            &json!({}),
        )
        .await;
    let new = rotated["secret"].as_str().expect("secret").to_owned();
    assert_ne!(new, old);
    assert!(rotated["previous_secret_expires_at"].is_string());
    app.invite(&token, &officer_invite("a@tech.gov.sg")).await;
    let got = eventually("a delivery", || async {
        let got = deliveries(&server, &[&old, &new]).await;
        (!got.is_empty()).then_some(got)
    })
    .await;
    assert_eq!(
        got[0].0.signature.split(' ').count(),
        2,
        "two signatures while rotating"
    );

    // Deleted, the endpoint gets nothing more and is gone from the list.
    assert_eq!(
        app.delete(&format!("/api/v1/webhooks/{endpoint}"), &token)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.get_value("/api/v1/webhooks", &token).await["items"],
        json!([])
    );
    app.invite(&token, &officer_invite("b@tech.gov.sg")).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(1));
}

#[tokio::test]
async fn deleting_an_endpoint_cancels_what_it_was_still_owed() {
    on_each_backend_with(
        |config| {
            config.webhook_allow_local = true;
            config.delivery.worker = false;
        },
        |app| async move {
            let server = receiver(200).await;
            let token = app.sign_in("jane@tech.gov.sg").await;
            let (endpoint, _) = subscribe(&app, &token, &server, &["invitation.created"]).await;
            let id = app.invite(&token, &officer_invite("a@tech.gov.sg")).await;
            let waiting = app
                .get_value(&format!("/api/v1/webhooks/{endpoint}/deliveries"), &token)
                .await;
            assert_eq!(waiting["items"][0]["state"], "pending");
            assert_eq!(waiting["items"][0]["invitation_id"], id.as_str());
            assert!(waiting["items"][0]["next_attempt_at"].is_string());
            assert_eq!(
                app.delete(&format!("/api/v1/webhooks/{endpoint}"), &token)
                    .await
                    .status(),
                204
            );
            let states = store::webhook_job_states(&mut app.db(), &endpoint);
            assert_eq!(states, ["cancelled"], "{}", app.backend);
        },
    )
    .await;
}

#[tokio::test]
async fn the_history_names_who_did_what_and_what_techpass_said() {
    let upstream = upstreams::accepting().await;
    let uri = upstream.uri();
    on_each_backend_with(
        |config| upstreams::configure(config, &uri),
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let key = app
                .post_value("/api/v1/api-keys", &token, &json!({"name": "HR system"}))
                .await;
            let secret = key["secret"].as_str().expect("secret");
            let id = app.invite(secret, &officer_invite("lim@tech.gov.sg")).await;
            eventually("sent", || async {
                types_of(&history(&app, &token, &id).await)
                    .contains(&"invitation.sent".to_owned())
                    .then_some(())
            })
            .await;
            let failed = Event::new(
                "techpass",
                "user.failed",
                &id,
                "lim@tech.gov.sg",
                "2026-12-01T10:00:00Z",
            )
            .with_data("reason", "The address bounced.")
            .send(&app)
            .await;
            assert_eq!(failed.status(), 200);
            let events = history(&app, &token, &id).await;
            let items = events["items"].as_array().expect("items");
            let created = &items[0];
            assert_eq!(created["type"], "invitation.created");
            assert_eq!(created["source"], "api_key");
            assert!(
                created["actor"]
                    .as_str()
                    .is_some_and(|a| a.contains("HR system") && a.contains("jane@tech.gov.sg")),
                "{created}"
            );
            assert!(created["trace_id"].as_str().is_some_and(|t| t.len() == 32));
            let sent = items
                .iter()
                .find(|e| e["type"] == "invitation.sent")
                .expect("sent");
            assert_eq!(sent["source"], "system");
            assert_eq!(sent["actor"], Value::Null);
            let last = items.last().expect("events");
            assert_eq!(last["type"], "invitation.failed");
            assert_eq!(last["source"], "techpass");
            assert!(
                last["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("The address bounced.")),
                "{last}"
            );
            // As times: RFC 3339 text drops trailing zeros of the fraction.
            let times: Vec<chrono::DateTime<chrono::FixedOffset>> = items
                .iter()
                .map(|e| {
                    chrono::DateTime::parse_from_rfc3339(e["at"].as_str().expect("at"))
                        .expect("a time")
                })
                .collect();
            assert!(times.is_sorted(), "oldest first: {times:?}");
            // Paged, and another officer's invitation is not theirs to read.
            let first = app
                .get_value(&format!("/api/v1/invitations/{id}/events?limit=1"), &token)
                .await;
            assert_eq!(first["items"].as_array().map(Vec::len), Some(1));
            let cursor = first["next_cursor"].as_str().expect("more");
            let rest = app
                .get_value(
                    &format!("/api/v1/invitations/{id}/events?limit=500&cursor={cursor}"),
                    &token,
                )
                .await;
            assert_eq!(
                rest["items"].as_array().map(Vec::len),
                Some(items.len() - 1)
            );
            let bob = app.sign_in("bob@tech.gov.sg").await;
            assert_problem(
                app.get(&format!("/api/v1/invitations/{id}/events"), &bob)
                    .await,
                404,
            )
            .await;
            assert_problem(
                app.get(&format!("/api/v1/invitations/{id}/events?limit=0"), &token)
                    .await,
                400,
            )
            .await;
        },
    )
    .await;
}

/// Runs `docs/examples/verify_webhook.py` on one delivery; true when it says "verified".
fn python_verifies(secret: &str, signed: &Signed, body: &[u8]) -> bool {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/examples/verify_webhook.py");
    let body_file = std::env::temp_dir().join(format!("webhook-body-{}", uuid::Uuid::new_v4()));
    std::fs::write(&body_file, body).expect("body file");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .args([
            secret,
            &signed.id,
            &signed.timestamp.to_string(),
            &signed.signature,
        ])
        .arg(&body_file)
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_file(&body_file);
    let said = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(
        output.status.success() == (said == "verified"),
        "{said} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    said == "verified"
}

#[tokio::test]
async fn the_documented_python_verifier_accepts_a_real_delivery_and_refuses_a_forgery() {
    let app = TestApp::spawn_sqlite_with(|config| {
        config.webhook_allow_local = true;
        config.delivery.poll_ms = 50;
    })
    .await;
    let server = receiver(200).await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let (_, secret) = subscribe(&app, &token, &server, &["invitation.created"]).await;
    app.invite(&token, &officer_invite("a@tech.gov.sg")).await;
    let request = eventually("a delivery", || async {
        server
            .received_requests()
            .await
            .and_then(|r| r.into_iter().next())
    })
    .await;
    let (signed, _) = deliveries(&server, &[&secret]).await.remove(0);
    assert!(python_verifies(&secret, &signed, &request.body));
    let mut forged = request.body.clone();
    forged.extend_from_slice(b" ");
    assert!(
        !python_verifies(&secret, &signed, &forged),
        "a changed body is refused"
    );
    let other = signature::new_secret();
    assert!(
        !python_verifies(&other, &signed, &request.body),
        "another secret is refused"
    );
}
