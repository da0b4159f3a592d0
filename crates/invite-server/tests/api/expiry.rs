//! TechPass's deadlines: an officer's link runs 5 days from the latest email, a vendor's
//! account 30 days from its creation, SEED 30 days from its request; past them the status is
//! `expired`, nothing more goes out, and the email can be invited again.

use chrono::{DateTime, Duration, Utc};
use invite_core::api::{DeliveryKind, JobState};
use invite_server::db::outbox::{self, JobRecord};
use serde_json::{Value, json};

use crate::support::store;
use crate::support::upstreams::{self, Event};
use crate::support::{
    TestApp, assert_problem, eventually, officer_invite, on_each_backend_with, vendor_invite,
};

fn sweeping(config: &mut invite_server::Config) {
    config.delivery.sweep_secs = 1;
    config.delivery.poll_ms = 100;
}

/// The invitation once `ready` holds.
async fn invitation_when(
    app: &TestApp,
    token: &str,
    id: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    eventually("the invitation to change", || async {
        let it = app
            .get_value(&format!("/api/v1/invitations/{id}"), token)
            .await;
        ready(&it).then_some(it)
    })
    .await
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().and_then(|t| t.parse().ok()).expect("a time")
}

/// `value` is `expected` from now, give or take a minute.
fn about(value: &Value, expected: Duration) {
    let off = at(value) - (Utc::now() + expected);
    assert!(
        off.num_seconds().abs() < 60,
        "{value} is not {expected} from now"
    );
}

#[tokio::test]
async fn deliveries_start_the_deadlines_and_a_resend_restarts_an_officers_link() {
    on_each_backend_with(sweeping, |app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let officer = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
        let vendor = app
            .invite(&token, &vendor_invite("ah.kow@acme.com.sg", "tan_ah_kow"))
            .await;
        let sent = invitation_when(&app, &token, &officer, |it| it["expires_at"].is_string()).await;
        about(&sent["expires_at"], Duration::days(5));
        assert!(sent["seed_expires_at"].is_null(), "no SEED request yet");
        let account =
            invitation_when(&app, &token, &vendor, |it| it["expires_at"].is_string()).await;
        about(&account["expires_at"], Duration::days(30));

        // Four days on, a resend's email gives the link 5 days again.
        let mut conn = app.db();
        let now = invite_server::db::now();
        store::set_last_sent_at(&mut conn, &officer, now - Duration::days(4));
        store::set_deadlines(&mut conn, &officer, now + Duration::days(1));
        let resent = app
            .post_json(
                &format!("/api/v1/invitations/{officer}/resend"),
                &token,
                &json!({}),
            )
            .await;
        assert_eq!(resent.status(), 202);
        let renewed = invitation_when(&app, &token, &officer, |it| {
            at(&it["expires_at"]) > Utc::now() + Duration::days(4)
        })
        .await;
        about(&renewed["expires_at"], Duration::days(5));
    })
    .await;
}

#[tokio::test]
async fn past_its_deadline_an_invitation_expires_sends_nothing_more_and_frees_the_email() {
    on_each_backend_with(sweeping, |app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
        invitation_when(&app, &token, &id, |it| it["expires_at"].is_string()).await;
        // A job still waiting (a retry due later) when the deadline passes.
        let later = JobRecord::new(
            &id,
            DeliveryKind::Email,
            invite_server::db::now() + Duration::hours(1),
        );
        outbox::enqueue(&mut app.db(), std::slice::from_ref(&later)).expect("enqueue");
        store::set_deadlines(
            &mut app.db(),
            &id,
            invite_server::db::now() - Duration::seconds(1),
        );

        let expired =
            invitation_when(&app, &token, &id, |it| it["techpass_status"] == "expired").await;
        assert!(expired["expires_at"].is_null());
        assert_eq!(expired["can_resend"], false);
        let waiting = outbox::find(&mut app.db(), &later.id)
            .expect("job")
            .expect("there");
        assert_eq!(waiting.state, JobState::Cancelled, "nothing more goes out");
        let resend = app
            .post_json(
                &format!("/api/v1/invitations/{id}/resend"),
                &token,
                &json!({}),
            )
            .await;
        let problem = assert_problem(resend, 409).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("expired"),
            "{problem}"
        );
        let filtered = app
            .get_value("/api/v1/invitations?techpass_status=expired", &token)
            .await;
        assert_eq!(filtered["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            app.create_invitation(&token, &officer_invite("lim@tech.gov.sg"))
                .await
                .status(),
            201
        );
    })
    .await;
}

#[tokio::test]
async fn seed_onboarding_has_its_own_deadline() {
    let server = upstreams::accepting().await;
    let uri = server.uri();
    on_each_backend_with(
        |config| {
            upstreams::configure(config, &uri);
            sweeping(config);
        },
        |app| async move {
            let token = app.sign_in("jane_tan@tech.gov.sg").await;
            let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
            let onboarded = Event::new(
                "techpass",
                "user.onboarded",
                &id,
                "lim@tech.gov.sg",
                "2026-12-02T10:00:00Z",
            );
            assert_eq!(onboarded.send(&app).await.status(), 200);
            let requested =
                invitation_when(&app, &token, &id, |it| it["seed_expires_at"].is_string()).await;
            about(&requested["seed_expires_at"], Duration::days(30));
            assert!(
                requested["expires_at"].is_null(),
                "onboarded: no TechPass deadline"
            );

            store::set_deadlines(
                &mut app.db(),
                &id,
                invite_server::db::now() - Duration::seconds(1),
            );
            let expired =
                invitation_when(&app, &token, &id, |it| it["seed_status"] == "expired").await;
            assert_eq!(expired["techpass_status"], "onboarded", "only SEED expired");
        },
    )
    .await;
}
