//! Events from TechPass and SEED (`POST /api/v1/upstream-events/{source}`): only correctly
//! signed, fresh, first-seen events change anything; statuses move forward only; TechPass's
//! names fill in the invitation; onboarding someone who needs SEED requests SEED.

use serde_json::Value;

use crate::support::upstreams::{self, Event};
use crate::support::{
    TestApp, assert_problem, eventually, officer_invite, on_each_backend_with, vendor_invite,
};

async fn status(app: &TestApp, token: &str, id: &str) -> Value {
    app.get_value(&format!("/api/v1/invitations/{id}"), token)
        .await
}

const EARLIER: &str = "2026-12-01T09:00:00Z";
const LATER: &str = "2026-12-01T10:00:00Z";

#[tokio::test]
async fn onboarding_fills_in_the_names_requests_seed_and_seed_completes() {
    let server = upstreams::accepting().await;
    let uri = server.uri();
    on_each_backend_with(
        |config| upstreams::configure(config, &uri),
        |app| {
            let server = &server;
            async move {
                let token = app.sign_in("jane_tan@tech.gov.sg").await;
                let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
                let event = Event::new("techpass", "user.onboarded", &id, "LIM@tech.gov.sg", LATER)
                    .with_data("first_name", "Lim")
                    .with_data("last_name", "Wei Ling");
                let response = event.send(&app).await;
                assert_eq!(response.status(), 200);
                let receipt: Value = response.json().await.expect("json");
                assert_eq!(receipt["applied"], true);

                let onboarded = status(&app, &token, &id).await;
                assert_eq!(onboarded["techpass_status"], "onboarded");
                assert_eq!(
                    (&onboarded["first_name"], &onboarded["last_name"]),
                    (&Value::from("Lim"), &Value::from("Wei Ling"))
                );
                assert_eq!(onboarded["can_resend"], false);
                // The names are searchable now.
                let found = app
                    .get_value("/api/v1/invitations?q=wei%20ling", &token)
                    .await;
                assert_eq!(found["items"].as_array().map(Vec::len), Some(1));

                // SEED is asked, once, with our reference and the token.
                let seed = eventually("the SEED request", || async {
                    let requests = upstreams::received(server, "/v1/provisioning-requests").await;
                    let ours: Vec<_> = requests
                        .into_iter()
                        .filter(|(_, b)| b["reference"] == id.as_str())
                        .collect();
                    (!ours.is_empty()).then_some(ours)
                })
                .await;
                assert_eq!(seed.len(), 1);
                let (request, body) = &seed[0];
                assert_eq!(body["email"], "lim@tech.gov.sg");
                assert_eq!(body["requested_by"], "jane_tan@tech.gov.sg");
                assert_eq!(
                    request
                        .headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok()),
                    Some(format!("Bearer {}", upstreams::SEED_TOKEN).as_str())
                );

                let completed = Event::new(
                    "seed",
                    "provisioning.completed",
                    &id,
                    "lim@tech.gov.sg",
                    LATER,
                );
                assert_eq!(completed.send(&app).await.status(), 200);
                assert_eq!(status(&app, &token, &id).await["seed_status"], "onboarded");
            }
        },
    )
    .await;
}

#[tokio::test]
async fn forged_unsigned_stale_and_replayed_events_are_refused_and_change_nothing() {
    let server = upstreams::accepting().await;
    let uri = server.uri();
    on_each_backend_with(
        |config| upstreams::configure(config, &uri),
        |app| async move {
            let token = app.sign_in("jane_tan@tech.gov.sg").await;
            let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
            let onboarded =
                || Event::new("techpass", "user.onboarded", &id, "lim@tech.gov.sg", LATER);

            // Signed with another secret, or SEED's secret for a TechPass event.
            let mut forged = onboarded();
            forged.secret = upstreams::SEED_SECRET;
            assert_problem(forged.send(&app).await, 401).await;
            // Not signed at all.
            let unsigned = app
                .client
                .post(app.url("/api/v1/upstream-events/techpass"))
                .json(&onboarded().body)
                .send()
                .await
                .expect("request");
            assert_problem(unsigned, 401).await;
            // A signature that is not base64 HMAC.
            assert_problem(onboarded().send_with(&app, Some("v1,garbage")).await, 401).await;
            // Six minutes old.
            let mut stale = onboarded();
            stale.timestamp -= 6 * 60;
            assert_problem(stale.send(&app).await, 401).await;
            // The body changed after signing.
            let mut tampered = onboarded();
            let body = serde_json::to_vec(&tampered.body).expect("json");
            let signature = invite_server::webhooks::signature::sign(
                tampered.secret,
                &tampered.id,
                tampered.timestamp,
                &body,
            )
            .expect("sign");
            tampered.body["data"]["first_name"] = Value::from("Mallory");
            assert_problem(tampered.send_with(&app, Some(&signature)).await, 401).await;
            assert_eq!(
                status(&app, &token, &id).await["techpass_status"],
                "pending",
                "nothing changed"
            );

            // Applied once; the same webhook-id again (a sender's retry) is acknowledged and
            // changes nothing.
            let first = onboarded();
            let applied: Value = first.send(&app).await.json().await.expect("receipt");
            assert_eq!(applied["applied"], true);
            let again = first.send(&app).await;
            assert_eq!(again.status(), 200);
            let again: Value = again.json().await.expect("receipt");
            assert_eq!(again["applied"], false, "{again}");

            // Unknown invitation, another address, a malformed body, an unknown type.
            let unknown = uuid::Uuid::new_v4().to_string();
            assert_problem(
                Event::new(
                    "techpass",
                    "user.onboarded",
                    &unknown,
                    "lim@tech.gov.sg",
                    LATER,
                )
                .send(&app)
                .await,
                404,
            )
            .await;
            assert_problem(
                Event::new("techpass", "user.failed", &id, "eve@tech.gov.sg", LATER)
                    .send(&app)
                    .await,
                422,
            )
            .await;
            let mut malformed = onboarded();
            malformed.body = Value::from("not an event");
            assert_problem(malformed.send(&app).await, 400).await;
            let future = Event::new("techpass", "user.renamed", &id, "lim@tech.gov.sg", LATER)
                .send(&app)
                .await;
            assert_eq!(future.status(), 200);
            assert_eq!(
                future.json::<Value>().await.expect("json")["applied"],
                false
            );
            // Too big.
            let mut big = onboarded();
            big.body["data"]["first_name"] = Value::from("x".repeat(70 * 1024));
            assert_problem(big.send(&app).await, 413).await;
            // An unknown source is not an address.
            let nowhere = app
                .client
                .post(app.url("/api/v1/upstream-events/okta"))
                .body("{}")
                .send()
                .await
                .expect("request");
            assert_eq!(nowhere.status(), 404);
            assert_eq!(
                status(&app, &token, &id).await["techpass_status"],
                "onboarded"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn an_older_event_after_a_newer_one_leaves_the_newer_status() {
    let server = upstreams::accepting().await;
    let uri = server.uri();
    on_each_backend_with(
        |config| upstreams::configure(config, &uri),
        |app| async move {
            let token = app.sign_in("jane_tan@tech.gov.sg").await;
            let id = app
                .invite(&token, &vendor_invite("ah.kow@acme.com.sg", "tan_ah_kow"))
                .await;
            let newer = Event::new(
                "techpass",
                "user.onboarded",
                &id,
                "ah.kow@acme.com.sg",
                LATER,
            );
            assert_eq!(newer.send(&app).await.status(), 200);
            let older = Event::new(
                "techpass",
                "user.failed",
                &id,
                "ah.kow@acme.com.sg",
                EARLIER,
            )
            .with_data("reason", "The account was not activated within 30 days.");
            let response = older.send(&app).await;
            assert_eq!(response.status(), 200, "accepted, as it is genuine");
            assert_eq!(
                response.json::<Value>().await.expect("json")["applied"],
                false
            );
            let now = status(&app, &token, &id).await;
            assert_eq!(now["techpass_status"], "onboarded");
            assert!(now["failure_reason"].is_null());

            // A newer failure (the account terminated later) does move it, with its reason.
            let terminated = Event::new(
                "techpass",
                "user.failed",
                &id,
                "ah.kow@acme.com.sg",
                "2026-12-02T10:00:00Z",
            )
            .with_data("reason", "The account was terminated.");
            assert_eq!(terminated.send(&app).await.status(), 200);
            let failed = status(&app, &token, &id).await;
            assert_eq!(failed["techpass_status"], "failed");
            assert_eq!(
                failed["failure_reason"],
                "TechPass: The account was terminated."
            );
        },
    )
    .await;
}

#[tokio::test]
async fn during_a_secret_rotation_the_old_and_the_new_secret_both_sign() {
    const NEW: &str = "whsec_bmV3LXRlY2hwYXNzLXNlY3JldC1hZnRlci1yb3RhdGlvbg==";
    let server = upstreams::accepting().await;
    let app = TestApp::spawn_sqlite_with(|config| {
        upstreams::configure(config, &server.uri());
        if let Some(techpass) = config.techpass.as_mut() {
            techpass.webhook_secret =
                invite_server::config::Secret::new(format!("{NEW} {}", upstreams::TECHPASS_SECRET));
        }
    })
    .await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    let old = Event::new("techpass", "user.renamed", &id, "lim@tech.gov.sg", LATER);
    assert_eq!(
        old.send(&app).await.status(),
        200,
        "the old secret still signs"
    );
    let mut new = Event::new("techpass", "user.onboarded", &id, "lim@tech.gov.sg", LATER);
    new.secret = NEW;
    assert_eq!(new.send(&app).await.status(), 200, "the new one too");
    let mut other = Event::new("techpass", "user.onboarded", &id, "lim@tech.gov.sg", LATER);
    other.secret = upstreams::SEED_SECRET;
    assert_problem(other.send(&app).await, 401).await;
}
