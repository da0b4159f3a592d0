use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{TestApp, assert_problem, officer_invite, on_each_backend, status_counts};

async fn invite(app: &TestApp, token: &str, email: &str) -> String {
    app.invite(token, &officer_invite(email)).await
}

async fn resend(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/invitations/{id}/resend"),
        token,
        &json!({}),
    )
    .await
}

fn age_invitation(app: &TestApp, id: &str, hours: i64) {
    let mut conn = app.db();
    let at = invite_server::db::now() - Duration::hours(hours);
    crate::support::store::set_last_sent_at(&mut conn, id, at);
}

#[tokio::test]
async fn resend_within_24_hours_is_rejected_with_retry_after() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let id = invite(&app, &token, "a@tech.gov.sg").await;
        let response = resend(&app, &token, &id).await;
        let retry_after: i64 = response.headers()["retry-after"]
            .to_str()
            .expect("header")
            .parse()
            .expect("seconds");
        assert!((86_000..=86_400).contains(&retry_after), "{retry_after}");
        assert_problem(response, 429).await;
    })
    .await;
}

#[tokio::test]
async fn resend_after_24_hours_is_accepted_and_restarts_the_clock() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let id = invite(&app, &token, "a@tech.gov.sg").await;
        age_invitation(&app, &id, 25);
        let listed: Value = app
            .get_value(&format!("/api/v1/invitations/{id}"), &token)
            .await;
        assert_eq!(listed["can_resend"], true);
        let response = resend(&app, &token, &id).await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["can_resend"], false);
        let again = resend(&app, &token, &id).await;
        assert_problem(again, 429).await;
        // The officer's own actions in the history (the worker adds its sends beside them).
        let history = app
            .get_value(&format!("/api/v1/invitations/{id}/events"), &token)
            .await;
        let by_officer: Vec<&str> = history["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["source"] == "officer")
            .map(|e| e["type"].as_str().expect("type"))
            .collect();
        assert_eq!(by_officer, vec!["invitation.created", "invitation.resent"]);
    })
    .await;
}

#[tokio::test]
async fn ten_concurrent_resends_send_exactly_once() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let id = invite(&app, &token, "a@tech.gov.sg").await;
        age_invitation(&app, &id, 30);
        let path = format!("/api/v1/invitations/{id}/resend");
        let empty = json!({});
        let requests = (0..10).map(|_| app.post_json(&path, &token, &empty));
        let statuses = status_counts(requests).await;
        assert_eq!(
            statuses,
            BTreeMap::from([(202, 1), (429, 9)]),
            "on {}",
            app.backend
        );
    })
    .await;
}

#[tokio::test]
async fn resend_after_onboarding_is_409_and_can_resend_is_false() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let id = invite(&app, &token, "a@tech.gov.sg").await;
        age_invitation(&app, &id, 30);
        let mut conn = app.db();
        crate::support::store::set_statuses(
            &mut conn,
            &id,
            invite_core::api::TechpassStatus::Onboarded,
            invite_core::api::SeedStatus::Pending,
        );
        assert_problem(resend(&app, &token, &id).await, 409).await;
        let body: Value = app
            .get_value(&format!("/api/v1/invitations/{id}"), &token)
            .await;
        assert_eq!(body["can_resend"], false);
        assert_eq!(body["next_resend_at"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn resending_an_unknown_invitation_is_404() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let path = format!("/api/v1/invitations/{}/resend", uuid::Uuid::new_v4());
    assert_problem(app.post_json(&path, &token, &json!({})).await, 404).await;
    assert_problem(
        app.post_json("/api/v1/invitations/not-a-uuid/resend", &token, &json!({}))
            .await,
        404,
    )
    .await;
}
